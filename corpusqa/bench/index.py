"""Index benchmarks: build time, chunks/s and size on disk; the chunk-size sweep.

``bench_build`` times a full build of any articles with one encoder. ``sweep_chunking`` is the measurement behind the default
chunk size and overlap: on a split with gold passages and answer offsets it reports, per
setting, how often the top chunks (lexical and dense) hold the whole gold answer.

Run: ``corpusqa bench index build|sweep ...`` (see ``--help``).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Iterable

import numpy as np

from corpusqa.bench.splits import load_questions, passages_as_articles
from corpusqa.index.builder import IndexBuilder
from corpusqa.index.chunking import Chunker
from corpusqa.index.encoders import load_encoder
from corpusqa.index.lexical import LexicalIndex
from corpusqa.index.tokenizer import ChineseTokenizer
from corpusqa.models import Article
from corpusqa.settings import Settings

SWEEP = ((150, 30), (250, 0), (250, 50), (350, 50), (500, 50))


def sample_articles(home: Path) -> list[Article]:
    """The bundled sample corpus, ingested into ``home`` if needed (all articles)."""
    from corpusqa.corpus.ingest import ensure_corpus
    from corpusqa.corpus.store import CorpusStore

    settings = Settings(home=Path(home), progress=False)
    ensure_corpus(settings)
    with CorpusStore(settings.db_path) as store:
        return list(store.iter_articles(canonical_only=False))


def bench_build(articles: Iterable[Article], encoder: str, work_dir: Path | None = None, label: str = "",
                **builder_options) -> dict:
    """Build an index of ``articles`` with ``encoder`` from scratch and time it.

    Returns a dict: source, encoder, articles, chunks, sentences, seconds, chunks_per_s
    (whole build), size_mb, faiss, sentence_vectors, timings (seconds per stage).
    """
    articles = list(articles)
    with tempfile.TemporaryDirectory(dir=work_dir) as tmp:
        settings = Settings(home=Path(tmp), encoder=encoder, progress=False)
        t0 = time.perf_counter()
        report = IndexBuilder(settings.index_dir, settings, cache=False, **builder_options).build(articles)
        seconds = time.perf_counter() - t0
    return {"source": label, "encoder": encoder, "articles": report.articles, "chunks": report.chunks,
            "sentences": report.sentences, "seconds": round(seconds, 2),
            "chunks_per_s": round(report.chunks / seconds, 1) if seconds else None,
            "size_bytes": report.size_bytes, "size_mb": round(report.size_bytes / 2**20, 2), "faiss": report.faiss,
            "sentence_vectors": report.sentence_vectors, "timings": report.timings}


BUDGET = 750  # characters of retrieved text an answer stage reads (at least one chunk)


def load_source(source: str | Path, work_dir: Path | None = None) -> list[Article]:
    """``"sample"`` (the bundled corpus) or a ``*.passages.jsonl`` file, as articles."""
    if str(source) == "sample":
        with tempfile.TemporaryDirectory(dir=work_dir) as home:
            return sample_articles(Path(home))
    return list(passages_as_articles(Path(source)))


def bench_index(sources: Iterable[str | Path], encoders: Iterable[str], work_dir: Path | None = None,
                **builder_options) -> list[dict]:
    """:func:`bench_build` for every source (see :func:`load_source`) and encoder spec."""
    results = []
    for source in sources:
        articles = load_source(source, work_dir)
        label = "sample" if str(source) == "sample" else Path(source).name
        results += [bench_build(articles, enc, work_dir, label=label, **builder_options) for enc in encoders]
    return results


def _hits(ranked_rows: list[int], meta: list[tuple[str, int, int]], q: dict, k: int | None) -> tuple[bool, bool]:
    """(gold passage in top k passages, a top-k chunk holds the whole gold answer).

    ``k=None``: as many top chunks as fit in BUDGET characters (at least one).
    """
    if k is None:
        used, k = 0, 0
        for r in ranked_rows:
            used += meta[r][2] - meta[r][1]
            if k and used > BUDGET:
                break
            k += 1
    gold = set(q["gold_pids"])
    spans = [(a["answer_start"], a["answer_start"] + len(a["text"])) for a in q["answers"]]
    passages = list(dict.fromkeys(meta[r][0] for r in ranked_rows))[:k]
    answer = any(meta[r][0] in gold and any(meta[r][1] <= s and e <= meta[r][2] for s, e in spans)
                 for r in ranked_rows[:k])
    return bool(gold & set(passages)), answer


def sweep_chunking(split: Path, encoder: str | None, configs=SWEEP, title_prefix: bool = True,
                   limit: int | None = None) -> list[dict]:
    """Retrieval quality per (chunk_size, chunk_overlap) on a passages/questions split.

    Args:
        split: path prefix of ``.passages.jsonl`` / ``.questions.jsonl``.
        encoder: encoder spec for the dense columns (None: lexical only).
        configs: (chunk_size, chunk_overlap) pairs.
        title_prefix: prefix chunks with the article title (embedding and BM25).
        limit: use only the first ``limit`` questions.
    """
    split = Path(split)
    articles = list(passages_as_articles(split.with_name(split.name + ".passages.jsonl")))
    questions = load_questions(split.with_name(split.name + ".questions.jsonl"))[:limit]
    tok = ChineseTokenizer().load()
    enc = load_encoder(encoder) if encoder else None
    qvecs = enc.encode_queries([q["question"] for q in questions]) if enc else None
    cache: dict[str, np.ndarray] = {}
    out = []
    for size, overlap in configs:
        chunker = Chunker(size, overlap, title_prefix=title_prefix)
        meta, texts = [], []
        for art in articles:
            for c in chunker.chunk(art):
                meta.append((art.id, c.start, c.end))
                texts.append(chunker.embed_text(art.title, c))
        lex = LexicalIndex(tok).build(texts)
        row = {"chunk_size": size, "chunk_overlap": overlap, "title_prefix": title_prefix, "chunks": len(texts),
               "avg_chars": round(float(np.mean([e - s for _, s, e in meta])), 1)}
        t0 = time.perf_counter()
        if enc:
            todo = [t for t in dict.fromkeys(texts) if t not in cache]
            for i in range(0, len(todo), 32):
                cache.update(zip(todo[i:i + 32], enc.encode_passages(todo[i:i + 32])))
            mat = np.stack([cache[t] for t in texts])
        row["embed_s"] = round(time.perf_counter() - t0, 1)
        for name in ("lexical", "dense") if enc else ("lexical",):
            tallies = np.zeros(5)
            for i, q in enumerate(questions):
                if name == "lexical":
                    ranked = [r for r, _ in lex.search(q["question"], 50)]
                else:
                    assert qvecs is not None  # "dense" is measured only with an encoder
                    ranked = list(np.argsort(-(mat @ qvecs[i]), kind="stable")[:50])
                p1, a1 = _hits(ranked, meta, q, 1)
                p5, a5 = _hits(ranked, meta, q, 5)
                _, ab = _hits(ranked, meta, q, None)
                tallies += (p1, p5, a1, a5, ab)
            keys = ("passage@1", "passage@5", "answer@1", "answer@5", f"answer@{BUDGET}c")
            for key, v in zip(keys, tallies / len(questions)):
                row[f"{name}_{key}"] = round(float(v), 4)
        out.append(row)
    return out
