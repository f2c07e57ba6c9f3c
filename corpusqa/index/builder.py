"""Build or update an index from any iterable of Articles, crash-safely.

Everything is written into a private temporary directory and published with one atomic
pointer swap (see ``versions``). ``update`` reuses the vectors of the live version for
every chunk and sentence whose embedded text is unchanged, provided the encoder's weight
fingerprint is the same; everything else (chunking, tokenizing, BM25, FAISS) is cheap and
simply redone. Build and update alike look every other text up in the vector cache
(``vector_cache``) and commit each embedded batch to it, so a killed build resumes where
it stopped.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Sized, cast

import numpy as np

from corpusqa.errors import SearchIndexError
from corpusqa.index import manifest as mf
from corpusqa.index import store as st
from corpusqa.index.chunk_rows import ChunkTableWriter
from corpusqa.index.append import ARTICLE_ROWS, append_version, can_append, write_article_rows
from corpusqa.index.chunking import DEFAULT_CHUNK_OVERLAP, DEFAULT_CHUNK_SIZE, Chunker
from corpusqa.index.dense import ANN_THRESHOLD, HNSW_M, DenseIndex, choose_kind
from corpusqa.index.encoders import Encoder, load_encoder
from corpusqa.index.lexical import LexicalIndex
from corpusqa.index.npyfiles import raw_to_npy
from corpusqa.index.sentence_collector import SentenceCollector
from corpusqa.index.tokenizer import ChineseTokenizer
from corpusqa.index.vector_cache import VectorCache, cache_path
from corpusqa.index.versions import BuildLock, clean_leftovers, current_dir, dir_size, new_tmp_dir, publish
from corpusqa.models import Article, Chunk, content_id, text_hash

logger = logging.getLogger(__name__)

SENTENCE_LIMIT = 50_000
SENTENCE_MODES = ("auto", "on", "off")


@dataclass(frozen=True)
class BuildOptions:
    """What a build makes of the articles, apart from the encoder and the tokenizer.

    Stored in the manifest (``"build"``), so deciding whether a version can be appended to
    is an equality test (``append.can_append``). ``None`` means "as the live version"
    (:meth:`resolved`), else the default.

    Attributes:
        chunk_size, chunk_overlap: chunking in characters.
        title_prefix: embed "title\\n" + chunk text (offsets are unaffected).
        lexical_title: also index the title with every chunk for BM25.
        sentence_vectors: ``off`` (the default: the answer stage embeds the few sentences
            it verifies at question time, with the same answers; docs/indexing.md "Embedding work"),
            ``auto`` (on up to ``sentence_limit`` distinct sentences) or ``on``.
        sentence_limit: the ``auto`` limit.
        faiss_kind: ``auto`` (flat below ANN_THRESHOLD vectors, else ivf), ``flat``, ``ivf``
            or ``hnsw``.
    """

    chunk_size: int | None = None
    chunk_overlap: int | None = None
    title_prefix: bool = True
    lexical_title: bool = True
    sentence_vectors: str | None = None
    sentence_limit: int = SENTENCE_LIMIT
    faiss_kind: str | None = None

    def __post_init__(self):
        if self.sentence_vectors not in (None, *SENTENCE_MODES):
            raise ValueError(f"sentence_vectors must be one of {SENTENCE_MODES}")
        if self.faiss_kind is not None:
            choose_kind(0, self.faiss_kind)  # validates

    def resolved(self, live: dict | None) -> "BuildOptions":
        """Every ``None`` filled in: from the live version's manifest ``live``, else the defaults."""
        prev = BuildOptions.from_manifest(live) if live else None
        return replace(
            self,
            chunk_size=self.chunk_size or (prev and prev.chunk_size) or DEFAULT_CHUNK_SIZE,
            chunk_overlap=(self.chunk_overlap if self.chunk_overlap is not None
                           else prev.chunk_overlap if prev and prev.chunk_overlap is not None
                           else DEFAULT_CHUNK_OVERLAP),
            sentence_vectors=self.sentence_vectors or (prev and prev.sentence_vectors) or "off",
            faiss_kind=self.faiss_kind or (prev and prev.faiss_kind) or "auto")

    def chunker(self) -> Chunker:
        """The chunker of these (resolved) options."""
        return Chunker(self.chunk_size or DEFAULT_CHUNK_SIZE,
                       DEFAULT_CHUNK_OVERLAP if self.chunk_overlap is None else self.chunk_overlap,
                       title_prefix=self.title_prefix, lexical_title=self.lexical_title)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_manifest(cls, manifest: dict) -> "BuildOptions":
        """The options a version was built with (derived from older manifests' sections)."""
        if manifest.get("build"):
            return cls(**manifest["build"])
        chunker = manifest.get("chunker") or {}
        sv = manifest.get("sentence_vectors") or {}
        return cls(chunk_size=chunker.get("chunk_size"), chunk_overlap=chunker.get("chunk_overlap"),
                   title_prefix=chunker.get("title_prefix", True), lexical_title=chunker.get("lexical_title", True),
                   sentence_vectors=sv.get("mode") if sv.get("mode") in SENTENCE_MODES else "auto",
                   sentence_limit=sv.get("limit", SENTENCE_LIMIT))


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
        options: what the build makes of the articles (:class:`BuildOptions`); its fields
            may also be given as keywords (``chunk_size=120``), not both.
        tokenizer: a (loaded) tokenizer to reuse; default: one for ``settings``.
        workers: processes tokenizing for BM25 (None: one per core, at most 4; only
            batches of 2,000+ chunks are worth a pool).
        flush_chunks: chunks per streamed batch (bounds the build's memory).
        cache: False: no vector cache (benchmarks that time embedding); None: as
            ``settings.vector_cache`` says.
    """

    def __init__(self, index_dir: Path, settings: Any, *, encoder: Encoder | str | None = None,
                 options: BuildOptions | None = None, batch_size: int = 32, progress: bool | None = None,
                 tokenizer: ChineseTokenizer | None = None, workers: int | None = None,
                 flush_chunks: int = 8192, cache: bool | None = None, **option_fields: Any):
        if options is not None and option_fields:
            raise TypeError("give BuildOptions or its fields as keywords, not both")
        self.options = options or BuildOptions(**option_fields)
        self.index_dir = Path(index_dir)
        self.settings = settings
        if encoder is None or isinstance(encoder, str):
            spec = encoder if encoder is not None else settings.encoder
            encoder = load_encoder(spec, device=getattr(settings, "device", None))
        self.encoder = encoder
        self.batch_size = int(batch_size)
        self.progress = getattr(settings, "progress", True) if progress is None else progress
        self.tokenizer = tokenizer or ChineseTokenizer.from_settings(settings)
        self.workers = int(workers) if workers else min(4, os.cpu_count() or 1)
        self.flush_chunks = max(1, int(flush_chunks))
        where = cache_path(settings, self.index_dir) if cache is not False else None
        self.cache = VectorCache(where) if where is not None and encoder is not None else None

    def build(self, articles: Iterable[Article]) -> BuildReport:
        """A fresh index: nothing is taken from the live version (vectors still come from
        the vector cache when it holds them for this encoder)."""
        return self._run(articles, reuse=False)

    def update(self, articles: Iterable[Article]) -> BuildReport:
        """Re-index ``articles`` (the whole corpus), embedding only new or changed texts.

        When the corpus only gained articles, the live version is extended in place of a
        rebuild (``append.py``): cost grows with the new articles, not the corpus.
        """
        return self._run(articles, reuse=True)

    def add(self, articles: Iterable[Article]) -> BuildReport:
        """Append new ``articles`` to the live index (the corpus gained them; nothing else changed).

        Raises SearchIndexError when the live index cannot be extended (none yet, another
        encoder or chunking): run ``update`` then.
        """
        return self._run(articles, reuse=True, append_only=True)

    # -- the build ---------------------------------------------------------------------

    def _run(self, articles: Iterable[Article], reuse: bool, append_only: bool = False) -> BuildReport:
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
                opts = self.options.resolved(prev)  # an update keeps what the live version was built with
                if reuse:
                    articles = list(articles)
                    rows = st.read_article_rows(live) if live else None
                    have = set(rows["ids"]) if rows else set()
                    wanted = {a.id for a in articles} | (have if append_only else set())
                    if can_append(self.encoder, self.tokenizer, opts, old, rows, wanted):
                        new = [a for a in articles if a.id not in have]
                        # can_append is False without the live manifest and rows (and rows need live)
                        assert live is not None and old is not None and rows is not None
                        manifest = self._append(tmp, live, old, rows, new, opts, t0)
                    elif append_only:
                        raise SearchIndexError("index.cannot_append", command=mf.UPDATE_COMMAND)
                    else:
                        manifest = self._write(tmp, articles, opts, live, prev, t0)
                else:
                    manifest = self._write(tmp, articles, opts, live, prev, t0)
                final = publish(self.index_dir, tmp)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)  # the live version is untouched
                raise
            finally:
                if self.cache is not None:
                    self.cache.close()
        counts = manifest["counts"]
        return BuildReport(
            path=str(final), version=final.name, articles=counts["articles"], chunks=counts["chunks"],
            sentences=counts["sentences"], encoder=self.encoder.name if self.encoder else "none",
            faiss=(manifest["dense"] or {}).get("faiss"), sentence_vectors=manifest["sentence_vectors"]["enabled"],
            seconds=round(time.perf_counter() - t0, 2), size_bytes=dir_size(final), timings=manifest["timings"],
            **{k: counts[k] for k in ("embedded_chunks", "reused_chunks", "embedded_sentences", "reused_sentences")})

    def _write(self, tmp: Path, articles: Iterable[Article], opts: BuildOptions, live: Path | None,
               old: dict | None, t0: float) -> dict:
        """Stream a complete version into ``tmp``; ``old``: the live manifest when reusing vectors.

        Articles are processed in batches of about ``flush_chunks`` chunks: chunk rows are
        written, tokens go to the streaming BM25 writer and vectors to a scratch file, so
        memory does not grow with the corpus (sentence texts are kept only while sentence
        vectors are still possible).
        """
        clock = _Clock()
        use_old = bool(self.encoder is not None and old
                       and (old.get("encoder") or {}).get("fingerprint") == self.encoder.fingerprint)
        chunk_reuse = self._reuse(live, st.CHUNK_KEYS, st.CHUNK_VECTORS, use_old) if self.encoder else None
        lex = LexicalIndex(self.tokenizer).writer(tmp / st.LEXICAL_DIR, workers=self.workers)
        chunker = opts.chunker()
        assert opts.sentence_vectors is not None and opts.faiss_kind is not None  # filled by resolved()
        sents = SentenceCollector(opts.sentence_vectors, opts.sentence_limit)
        stats = {"embedded_chunks": 0, "reused_chunks": 0, "embedded_sentences": 0, "reused_sentences": 0}
        keys: list[bytes] = []
        vec_path = tmp / "scratch.vectors"
        try:
            n_articles, n_chunks = self._stream(tmp, articles, chunker, lex, sents, stats, keys, clock,
                                                chunk_reuse, vec_path)
        except BaseException:
            lex.abort()
            raise
        lex.finish()
        clock.lap("lexical_s")
        dense_info = sent_info = None
        if self.encoder is not None:
            dim = self.encoder.dim
            raw_to_npy(vec_path, tmp / st.CHUNK_VECTORS, (n_chunks, dim))
            np.save(tmp / st.CHUNK_KEYS, np.array(keys, dtype="S16"), allow_pickle=False)
            clock.lap("write_s")
            dense = DenseIndex.build_from_file(tmp / st.CHUNK_VECTORS, opts.faiss_kind)
            dense.save(tmp / st.FAISS_FILE)
            dense_info = {"faiss": dense.kind, "metric": "inner_product", "ann_threshold": ANN_THRESHOLD,
                          "hnsw_m": HNSW_M, "mmap": True, **dense.params()}
            del dense
            clock.lap("faiss_s")
            sent_info = self._sentences(tmp, sents, live, use_old, stats)
            clock.lap("embed_sentences_s")
        else:
            vec_path.unlink()
        counts = {"articles": n_articles, "chunks": n_chunks, "sentences": sents.distinct,
                  "sentence_refs": sents.refs_total, **stats}
        manifest = mf.make_manifest(
            encoder=self.encoder, chunker=chunker.settings(),
            tokenizer=self.tokenizer.settings(), lexical=LexicalIndex(self.tokenizer).settings(), dense=dense_info,
            sentence_vectors=sent_info, counts=counts, timings=clock.laps, seconds=time.perf_counter() - t0)
        manifest["build"] = opts.to_dict()
        mf.write_manifest(tmp, manifest)
        return manifest

    def _stream(self, tmp: Path, articles: Iterable[Article], chunker: Chunker, lex, sents: SentenceCollector,
                stats: dict, keys: list[bytes], clock: "_Clock", chunk_reuse, vec_path: Path) -> tuple[int, int]:
        """Chunk, tokenize and embed batch by batch; returns (articles, chunks)."""
        row_ids: list[str] = []
        row_counts: list[int] = []
        row_hashes: list[str] = []
        n_articles = n_chunks = 0
        batch: list[tuple[Chunk, str, str]] = []
        table = ChunkTableWriter()
        with open(tmp / st.CHUNKS, "wb") as rows_f, open(vec_path, "wb") as vec_f:

            def flush() -> None:
                nonlocal n_chunks
                if not batch:
                    return
                for c, _, _ in batch:
                    rows_f.write(table.encode(c))
                clock.lap("chunking_s")
                lex.add([lt for _, _, lt in batch])
                clock.lap("lexical_s")
                if self.encoder is not None:
                    texts = [et for _, et, _ in batch]
                    bkeys = [content_id(t) for t in texts]
                    vecs, done, reused = self.embed(texts, bkeys, chunk_reuse, "chunks")
                    stats["embedded_chunks"] += done
                    stats["reused_chunks"] += reused
                    vec_f.write(np.ascontiguousarray(vecs, dtype=np.float32).tobytes())
                    keys.extend(k.encode() for k in bkeys)
                    clock.lap("embed_chunks_s")
                n_chunks += len(batch)
                batch.clear()

            total = len(cast(Sized, articles)) if hasattr(articles, "__len__") else None
            for art in self._bar(articles, "分块 chunking", "articles", total=total):
                n_articles += 1
                title = (art.title or "").strip()
                cs = chunker.chunk(art)
                row_ids.append(art.id)
                row_counts.append(len(cs))
                row_hashes.append(text_hash(art.text))
                for c in cs:
                    batch.append((c, *chunker.texts(title, c)))
                    sents.add(art, c)
                if len(batch) >= self.flush_chunks:
                    flush()
            flush()
        table.save(tmp)
        write_article_rows(tmp / ARTICLE_ROWS, row_ids, row_counts, row_hashes)
        return n_articles, n_chunks

    def _append(self, tmp: Path, live: Path, old: dict, rows: dict, new: list[Article], opts: BuildOptions,
                t0: float) -> dict:
        """The live version plus the ``new`` articles (see ``append.py``)."""
        clock = _Clock()
        parts = append_version(self, tmp, live, old, rows, new, opts.chunker(), clock)
        clock.laps["appended_articles"] = len(new)
        manifest = mf.make_manifest(
            encoder=self.encoder, chunker=parts["chunker"], tokenizer=self.tokenizer.settings(),
            lexical=LexicalIndex(self.tokenizer).settings(), dense=parts["dense"],
            sentence_vectors=parts["sentence_vectors"], counts=parts["counts"], timings=clock.laps,
            seconds=time.perf_counter() - t0)
        manifest["build"] = opts.to_dict()
        mf.write_manifest(tmp, manifest)
        return manifest

    def _sentences(self, tmp: Path, sents: "SentenceCollector", live: Path | None, use_old: bool,
                   stats: dict) -> dict:
        info = sents.info()
        if not info["enabled"]:
            return info
        keys = list(sents.keys)
        vecs, stats["embedded_sentences"], stats["reused_sentences"] = self.embed(
            sents.texts, keys, self._reuse(live, st.SENTENCE_KEYS, st.SENTENCE_VECTORS, use_old), "sentences")
        _save_keys(tmp / st.SENTENCE_KEYS, keys)
        np.save(tmp / st.SENTENCE_VECTORS, vecs, allow_pickle=False)
        np.save(tmp / st.CHUNK_SENTENCES, np.asarray(sents.refs, dtype=np.int32), allow_pickle=False)
        return info

    def _reuse(self, live: Path | None, keys_file: str, vecs_file: str, use_old: bool) -> _Reuse:
        if not (use_old and live and (live / keys_file).is_file()):
            return _Reuse()
        try:
            return _Reuse(st.load_array(live / keys_file), st.load_array(live / vecs_file))
        except (OSError, ValueError) as exc:
            logger.warning("cannot reuse vectors from %s: %s", live, exc)
            return _Reuse()

    def embed(self, texts: list[str], keys: list[str], reuse: _Reuse | None,
               what: str) -> tuple[np.ndarray, int, int]:
        """Vectors of ``texts``: from the live version (``reuse``), else the vector cache,
        else embedded (each batch committed to the cache). Returns (vectors, embedded,
        reused)."""
        assert self.encoder is not None  # only called by a build with an encoder
        dim = self.encoder.dim
        out = np.zeros((len(texts), dim), dtype=np.float32)
        todo = []
        reuse = reuse or _Reuse()
        for i, k in enumerate(keys):
            j = reuse.get(k)
            if j is not None and reuse.vectors is not None and reuse.vectors.shape[1] == dim:
                out[i] = reuse.vectors[j]
            else:
                todo.append(i)
        fp = self.encoder.fingerprint if self.cache is not None else ""
        if todo and self.cache is not None:
            cached = self.cache.get(fp, [keys[i] for i in todo], dim)
            left = []
            for i in todo:
                vec = cached.get(keys[i])
                if vec is None:
                    left.append(i)
                else:
                    out[i] = vec
            todo = left
        bar = self._bar(None, f"向量 embedding {what}", what, total=len(todo))
        for b in range(0, len(todo), self.batch_size):
            idx = todo[b:b + self.batch_size]
            out[idx] = self.encoder.encode_passages([texts[i] for i in idx])
            if self.cache is not None:
                self.cache.put(fp, [keys[i] for i in idx], out[idx])
            bar.update(len(idx))
        bar.close()
        return out, len(todo), len(texts) - len(todo)

    def _bar(self, iterable, desc: str, unit: str, total: int | None = None):
        from tqdm import tqdm

        return tqdm(iterable, desc=desc, unit=unit, total=total, file=sys.stderr, disable=not self.progress,
                    leave=False, dynamic_ncols=True)


class _Clock:
    """Seconds spent per build stage, summed over batches (recorded in the manifest)."""

    def __init__(self):
        self.laps: dict[str, float] = {}
        self._t = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(self.laps.get(name, 0.0) + now - self._t, 3)
        self._t = now


def _save_keys(path: Path, keys: list[str]) -> None:
    np.save(path, np.array([k.encode() for k in keys], dtype="S16"), allow_pickle=False)


def _try_manifest(directory: Path) -> dict | None:
    try:
        return mf.read_manifest(directory)
    except Exception as exc:  # an unreadable live version only means nothing to reuse
        logger.warning("ignoring the live index at %s: %s", directory, exc)
        return None
