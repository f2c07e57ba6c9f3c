"""Build or update an index from any iterable of Articles, crash-safely.

Everything is written into a private temporary directory and published with one atomic
pointer swap (see ``versions``). ``update`` reuses the vectors of the live version for
every chunk and sentence whose embedded text is unchanged, provided the encoder's weight
fingerprint is the same; everything else (chunking, tokenizing, BM25, FAISS) is cheap and
simply redone.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from corpusqa.index import manifest as mf
from corpusqa.index import store as st
from corpusqa.index.chunking import DEFAULT_CHUNK_OVERLAP, DEFAULT_CHUNK_SIZE, Chunker
from corpusqa.index.dense import HNSW_M, HNSW_THRESHOLD, DenseIndex, choose_kind
from corpusqa.index.encoders import Encoder, load_encoder
from corpusqa.index.lexical import LexicalIndex
from corpusqa.index.tokenizer import ChineseTokenizer
from corpusqa.index.versions import BuildLock, clean_leftovers, current_dir, dir_size, new_tmp_dir, publish
from corpusqa.models import Article, Chunk, content_id

logger = logging.getLogger(__name__)

SENTENCE_LIMIT = 50_000
SENTENCE_MODES = ("auto", "on", "off")


@dataclass(frozen=True)
class BuildReport:
    """What a build did (also printed by ``corpusqa index build --json``)."""

    path: str
    version: str
    articles: int
    chunks: int
    sentences: int
    encoder: str
    faiss: str | None
    sentence_vectors: bool
    embedded_chunks: int
    reused_chunks: int
    embedded_sentences: int
    reused_sentences: int
    seconds: float
    size_bytes: int
    timings: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Reuse:
    """Vectors of the live version by text key (empty when the encoder changed)."""

    def __init__(self, keys: np.ndarray | None = None, vectors: np.ndarray | None = None):
        self.vectors = vectors
        self.rows = {} if keys is None else {k.decode(): i for i, k in enumerate(keys)}

    def get(self, key: str) -> int | None:
        return self.rows.get(key)


class IndexBuilder:
    """Chunk, tokenize and embed articles into a new index version.

    Args:
        index_dir: the index directory (holds ``CURRENT`` and the versions).
        settings: run-time settings (encoder spec, device, user dictionary, progress).
        encoder: an Encoder, a spec string (``"none"``: lexical-only), or None for
            ``settings.encoder``.
        chunk_size, chunk_overlap: chunking in characters (None: defaults, or the live
            index's values on update).
        title_prefix: embed "title\\n" + chunk text (offsets are unaffected).
        lexical_title: also index the title with every chunk for BM25.
        sentence_vectors: ``auto`` (on up to ``sentence_limit`` distinct sentences),
            ``on`` or ``off``.
        faiss_kind: ``auto`` (flat below HNSW_THRESHOLD vectors), ``flat`` or ``hnsw``.
        tokenizer: a (loaded) tokenizer to reuse; default: one for ``settings``.
    """

    def __init__(self, index_dir: Path, settings: Any, *, encoder: Encoder | str | None = None,
                 chunk_size: int | None = None, chunk_overlap: int | None = None, title_prefix: bool = True,
                 lexical_title: bool = True, sentence_vectors: str = "auto", sentence_limit: int = SENTENCE_LIMIT,
                 faiss_kind: str = "auto", batch_size: int = 32, progress: bool | None = None,
                 tokenizer: ChineseTokenizer | None = None):
        if sentence_vectors not in SENTENCE_MODES:
            raise ValueError(f"sentence_vectors must be one of {SENTENCE_MODES}")
        choose_kind(0, faiss_kind)  # validates
        self.index_dir = Path(index_dir)
        self.settings = settings
        if encoder is None or isinstance(encoder, str):
            spec = encoder if encoder is not None else settings.encoder
            encoder = load_encoder(spec, device=getattr(settings, "device", None))
        self.encoder = encoder
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap
        self.title_prefix = title_prefix
        self.lexical_title = lexical_title
        self.sentence_mode = sentence_vectors
        self.sentence_limit = int(sentence_limit)
        self.faiss_kind = faiss_kind
        self.batch_size = int(batch_size)
        self.progress = getattr(settings, "progress", True) if progress is None else progress
        self.tokenizer = tokenizer or ChineseTokenizer.from_settings(settings)

    def build(self, articles: Iterable[Article]) -> BuildReport:
        """A fresh index: every vector is computed again."""
        return self._run(articles, reuse=False)

    def update(self, articles: Iterable[Article]) -> BuildReport:
        """Re-index ``articles`` (the whole corpus), embedding only new or changed texts."""
        return self._run(articles, reuse=True)

    # -- the build ---------------------------------------------------------------------

    def _run(self, articles: Iterable[Article], reuse: bool) -> BuildReport:
        t0 = time.perf_counter()
        if self.encoder is not None:
            self.encoder.load()  # fail before any work when the model is unusable
        with BuildLock(self.index_dir):
            clean_leftovers(self.index_dir)
            live = current_dir(self.index_dir)
            old = _try_manifest(live) if live else None
            tmp = new_tmp_dir(self.index_dir)
            try:
                prev = old if reuse else None
                manifest = self._write(tmp, articles, self._chunker(prev), live, prev, t0)
                final = publish(self.index_dir, tmp)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)  # the live version is untouched
                raise
        counts = manifest["counts"]
        return BuildReport(
            path=str(final), version=final.name, articles=counts["articles"], chunks=counts["chunks"],
            sentences=counts["sentences"], encoder=self.encoder.name if self.encoder else "none",
            faiss=(manifest["dense"] or {}).get("faiss"), sentence_vectors=manifest["sentence_vectors"]["enabled"],
            seconds=round(time.perf_counter() - t0, 2), size_bytes=dir_size(final), timings=manifest["timings"],
            **{k: counts[k] for k in ("embedded_chunks", "reused_chunks", "embedded_sentences", "reused_sentences")})

    def _write(self, tmp: Path, articles: Iterable[Article], chunker: Chunker, live: Path | None,
               old: dict | None, t0: float) -> dict:
        """Write a complete version into ``tmp``; ``old``: the live manifest when reusing vectors."""
        clock = _Clock()
        rows, embed_texts, lex_texts, sent_keys, sent_texts, n_articles = self._chunk_all(articles, chunker)
        with open(tmp / st.CHUNKS, "w", encoding="utf-8") as f:
            for c in rows:
                f.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")
        clock.lap("chunking_s")
        LexicalIndex(self.tokenizer).build(self._bar(lex_texts, "BM25", "docs")).save(tmp / st.LEXICAL_DIR)
        clock.lap("lexical_s")
        stats = {"embedded_chunks": 0, "reused_chunks": 0, "embedded_sentences": 0, "reused_sentences": 0}
        dense_info = sent_info = None
        if self.encoder is not None:
            use_old = bool(old and (old.get("encoder") or {}).get("fingerprint") == self.encoder.fingerprint)
            keys = [content_id(t) for t in embed_texts]
            vecs, stats["embedded_chunks"], stats["reused_chunks"] = self._embed(
                embed_texts, keys, self._reuse(live, st.CHUNK_KEYS, st.CHUNK_VECTORS, use_old), "chunks")
            _save_keys(tmp / st.CHUNK_KEYS, keys)
            np.save(tmp / st.CHUNK_VECTORS, vecs, allow_pickle=False)
            clock.lap("embed_chunks_s")
            dense = DenseIndex.build(vecs, self.faiss_kind)
            dense.save(tmp / st.FAISS_FILE)
            dense_info = {"faiss": dense.kind, "metric": "inner_product", "hnsw_threshold": HNSW_THRESHOLD,
                          "hnsw_m": HNSW_M, "mmap": True}
            clock.lap("faiss_s")
            sent_info = self._sentences(tmp, sent_keys, sent_texts, rows, live, use_old, stats)
            clock.lap("embed_sentences_s")
        stats["timings"] = clock.laps
        counts = {"articles": n_articles, "chunks": len(rows), "sentences": len(sent_keys),
                  "sentence_refs": sum(len(c.sentences) for c in rows),
                  **{k: v for k, v in stats.items() if k != "timings"}}
        manifest = mf.make_manifest(
            encoder=self.encoder, chunker={**chunker.settings(), "lexical_title": self.lexical_title},
            tokenizer=self.tokenizer.settings(), lexical=LexicalIndex(self.tokenizer).settings(), dense=dense_info,
            sentence_vectors=sent_info, counts=counts, timings=stats["timings"], seconds=time.perf_counter() - t0)
        mf.write_manifest(tmp, manifest)
        return manifest

    def _chunker(self, old: dict | None) -> Chunker:
        prev = (old or {}).get("chunker") or {}
        size = self.chunk_size or prev.get("chunk_size") or DEFAULT_CHUNK_SIZE
        overlap = self.chunk_overlap if self.chunk_overlap is not None else prev.get("chunk_overlap",
                                                                                    DEFAULT_CHUNK_OVERLAP)
        return Chunker(size, overlap, title_prefix=self.title_prefix)

    def _chunk_all(self, articles: Iterable[Article], chunker: Chunker):
        rows: list[Chunk] = []
        embed_texts: list[str] = []
        lex_texts: list[str] = []
        sent_keys: dict[str, int] = {}
        sent_texts: list[str] = []
        n_articles = 0
        for art in self._bar(articles, "分块 chunking", "articles"):
            n_articles += 1
            title = (art.title or "").strip()
            for c in chunker.chunk(art):
                rows.append(c)
                embed_texts.append(chunker.embed_text(title, c))
                lex_texts.append(f"{title}\n{c.text}" if self.lexical_title and title else c.text)
                for s, e in c.sentences:
                    text = art.text[s:e]
                    key = content_id(text)
                    if key not in sent_keys:
                        sent_keys[key] = len(sent_texts)
                        sent_texts.append(text)
        return rows, embed_texts, lex_texts, sent_keys, sent_texts, n_articles

    def _sentences(self, tmp: Path, sent_keys: dict[str, int], sent_texts: list[str], rows: list[Chunk],
                   live: Path | None, use_old: bool, stats: dict) -> dict:
        n = len(sent_texts)
        enabled = self.sentence_mode == "on" or (self.sentence_mode == "auto" and n <= self.sentence_limit)
        reason = {"on": "forced on", "off": "turned off"}.get(self.sentence_mode) or (
            f"{n} <= {self.sentence_limit} sentences" if enabled else f"{n} > {self.sentence_limit} sentences")
        info = {"enabled": enabled, "mode": self.sentence_mode, "limit": self.sentence_limit, "reason": reason,
                "distinct": n}
        if not enabled:
            return info
        keys = list(sent_keys)
        vecs, stats["embedded_sentences"], stats["reused_sentences"] = self._embed(
            sent_texts, keys, self._reuse(live, st.SENTENCE_KEYS, st.SENTENCE_VECTORS, use_old), "sentences")
        _save_keys(tmp / st.SENTENCE_KEYS, keys)
        np.save(tmp / st.SENTENCE_VECTORS, vecs, allow_pickle=False)
        refs = np.zeros(sum(len(c.sentences) for c in rows), dtype=np.int32)
        i = 0
        for c in rows:
            for s, e in c.sentences:
                refs[i] = sent_keys[content_id(_slice_sentence(c, s, e))]
                i += 1
        np.save(tmp / st.CHUNK_SENTENCES, refs, allow_pickle=False)
        return info

    def _reuse(self, live: Path | None, keys_file: str, vecs_file: str, use_old: bool) -> _Reuse:
        if not (use_old and live and (live / keys_file).is_file()):
            return _Reuse()
        try:
            return _Reuse(st.load_array(live / keys_file), st.load_array(live / vecs_file))
        except (OSError, ValueError) as exc:
            logger.warning("cannot reuse vectors from %s: %s", live, exc)
            return _Reuse()

    def _embed(self, texts: list[str], keys: list[str], reuse: _Reuse, what: str) -> tuple[np.ndarray, int, int]:
        dim = self.encoder.dim
        out = np.zeros((len(texts), dim), dtype=np.float32)
        todo = []
        for i, k in enumerate(keys):
            j = reuse.get(k)
            if j is not None and reuse.vectors.shape[1] == dim:
                out[i] = reuse.vectors[j]
            else:
                todo.append(i)
        bar = self._bar(None, f"向量 embedding {what}", what, total=len(todo))
        for b in range(0, len(todo), self.batch_size):
            idx = todo[b:b + self.batch_size]
            out[idx] = self.encoder.encode_passages([texts[i] for i in idx])
            bar.update(len(idx))
        bar.close()
        return out, len(todo), len(texts) - len(todo)

    def _bar(self, iterable, desc: str, unit: str, total: int | None = None):
        from tqdm import tqdm

        return tqdm(iterable, desc=desc, unit=unit, total=total, file=sys.stderr, disable=not self.progress,
                    leave=False, dynamic_ncols=True)


class _Clock:
    """Seconds spent per build stage (recorded in the manifest)."""

    def __init__(self):
        self.laps: dict[str, float] = {}
        self._t = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._t, 3)
        self._t = now


def _slice_sentence(chunk: Chunk, s: int, e: int) -> str:
    return chunk.text[s - chunk.start:e - chunk.start]


def _save_keys(path: Path, keys: list[str]) -> None:
    np.save(path, np.array([k.encode() for k in keys], dtype="S16"), allow_pickle=False)


def _try_manifest(directory: Path) -> dict | None:
    try:
        return mf.read_manifest(directory)
    except Exception as exc:  # an unreadable live version only means nothing to reuse
        logger.warning("ignoring the live index at %s: %s", directory, exc)
        return None
