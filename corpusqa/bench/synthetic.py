"""Synthetic corpora and passage vectors for the scale benchmark.

Articles are sampled from the sentences of the public benchmark passages (CMRC 2018,
XQuAD zh) and perturbed: every digit is redrawn, about 3% of the Chinese characters are
replaced by others from the same pool, and the body is hard-wrapped into 22-character
printed lines, so the cleaner has real work to do and no two articles are copies.

Embedding a million chunks would take days on this machine, so the benchmark embeds a
real sample and :class:`SyntheticEncoder` gives every other chunk a vector mixed from
those real sample vectors (deterministic in the text). Query vectors are real.
"""

from __future__ import annotations

import json
import random
import re
import zlib
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from corpusqa.index.encoders import normalize

_SENT_END = re.compile(r"(?<=[。！？])")
_DIGIT = re.compile(r"\d")
CHARS_PER_CHUNK = 165  # measured: 250-character chunks, 50 overlap, paragraph ends


def default_passage_files(root: Path | None) -> list[Path]:
    """The Chinese passage files under ``root`` (a ``benchmarks`` folder).

    Without the benchmarks, the bundled sample newspaper pages are the sentence pool
    (fewer distinct sentences, so more repetition; enough for ``--quick``).
    """
    names = ["cmrc2018/train.passages.jsonl", "cmrc2018/trial.passages.jsonl", "xquad/part1.zh.passages.jsonl"]
    found = [root / n for n in names if (root / n).is_file()] if root else []
    if found:
        return found
    from corpusqa.workspace import default_corpus_paths

    return list(default_corpus_paths())


class SyntheticCorpus:
    """Newspaper-like raw articles drawn from benchmark passages.

    Args:
        passage_files: ``*.passages.jsonl`` files (``pid, title, text``).
        seed: the same seed gives the same corpus.
    """

    def __init__(self, passage_files: Sequence[Path], seed: int = 0):
        if not passage_files:
            raise ValueError("no passage files for the synthetic corpus")
        self.passage_files = [Path(p) for p in passage_files]
        self.seed = seed
        self.sentences: list[str] = []
        self.chars: list[str] = []

    def load(self) -> "SyntheticCorpus":
        chars: set[str] = set()
        for path in self.passage_files:
            for text in _texts(path):
                for s in _SENT_END.split(text.replace("\n", "")):
                    if 8 <= len(s) <= 300:
                        self.sentences.append(s)
                        chars.update(ch for ch in s if "\u4e00" <= ch <= "\u9fff")
        self.chars = sorted(chars)
        return self

    def raw_articles(self, n_chunks: int) -> Iterator[tuple[str, str]]:
        """``(title, raw hard-wrapped text)`` until about ``n_chunks`` chunks' worth of text."""
        if not self.sentences:
            self.load()
        rng = random.Random(self.seed)
        budget = n_chunks * CHARS_PER_CHUNK
        while budget > 0:
            paras = []
            for _ in range(rng.randint(2, 5)):
                para = "".join(self._perturb(rng.choice(self.sentences), rng) for _ in range(rng.randint(2, 4)))
                paras.append(para)
            title = self._perturb(rng.choice(self.sentences), rng)[:rng.randint(8, 16)].rstrip("，。、")
            body = "\n\n".join(_wrap(p, 22) for p in paras)
            budget -= sum(len(p) for p in paras)
            yield title, body

    def _perturb(self, s: str, rng: random.Random) -> str:
        s = _DIGIT.sub(lambda m: str(rng.randint(0, 9)), s)
        out = list(s)
        for i, ch in enumerate(out):
            if "\u4e00" <= ch <= "\u9fff" and rng.random() < 0.03:
                out[i] = rng.choice(self.chars)
        return "".join(out)


def _texts(path: Path) -> Iterator[str]:
    """Passage texts of a ``.passages.jsonl`` file, or the whole text of a plain file."""
    with open(path, encoding="utf-8") as f:
        if path.suffix == ".jsonl":
            for line in f:
                yield json.loads(line)["text"]
        else:
            yield f.read()


def _wrap(text: str, width: int) -> str:
    return "\n".join(text[i:i + width] for i in range(0, len(text), width))


class SyntheticEncoder:
    """Real query vectors; passage vectors mixed from a pool of real passage vectors.

    Args:
        base: the real encoder (its queries are used as they are).
        pool: ``(m, dim)`` real, L2-normalised passage vectors (None: queries only).
    """

    def __init__(self, base, pool: np.ndarray | None = None):
        self.base = base
        self.pool = None if pool is None else np.asarray(pool, dtype=np.float32)
        self.name = f"synthetic({base.name})"

    @property
    def dim(self) -> int:
        return self.base.dim

    @property
    def fingerprint(self) -> str:
        return f"synthetic:{self.base.fingerprint}"

    def load(self) -> "SyntheticEncoder":
        self.base.load()
        return self

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.base.encode_queries(texts)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        if self.pool is None:
            raise RuntimeError("SyntheticEncoder without a pool encodes queries only")
        dim: int
        m, dim = self.pool.shape
        out = np.empty((len(texts), dim), np.float32)
        for i, t in enumerate(texts):
            rng = np.random.default_rng(zlib.crc32(t.encode("utf-8")))
            a, b = rng.integers(0, m, 2)
            out[i] = 0.8 * self.pool[a] + 0.4 * self.pool[b] + rng.standard_normal(dim).astype(np.float32) * 0.02
        return normalize(out)
