#!/usr/bin/env python
"""What the answer verifier costs: load time and memory, and int8 inference against float.

    .venv/bin/python scripts/verifier-cost.py load    # assistant load + first answer, verifier on / off
    .venv/bin/python scripts/verifier-cost.py int8    # 8 pairs a question, float vs torch dynamic int8

* load: in a fresh process each, ``Assistant(...).load()`` on the default home plus one
  answer, with ``--verifier bundled`` and ``none``: seconds and RSS afterwards.
* int8: the 8 first sentences of the gold passage of the first 60 CMRC trial questions,
  scored by the shipped verifier as loaded and after ``torch.ao.quantization.quantize_dynamic``
  of its linear layers, one thread: p50 ms per question (two rounds each, interleaved),
  the correlation of the logits, the largest difference, and how often both pick the same
  top sentence.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TRIAL = REPO.parent / "shared" / "benchmarks" / "cmrc2018" / "trial"

_LOAD = """
import time
t0 = time.perf_counter()
from corpusqa.answers.assistant import Assistant
from corpusqa.settings import Settings
import psutil
a = Assistant(Settings.from_env().with_(verifier={v!r}, progress=False)).load()
a.ask("全区建成了多少个一站式党群服务中心？")
print(round(time.perf_counter() - t0, 2), round(psutil.Process().memory_info().rss / 2**20))
"""


def load() -> None:
    print("| verifier | load + first answer s | RSS MB |")
    print("|---|---|---|")
    for v in ("bundled", "none"):
        out = subprocess.run([sys.executable, "-c", _LOAD.format(v=v)], capture_output=True, text=True, check=True,
                             cwd=REPO, env={**os.environ, "OMP_NUM_THREADS": "1"})
        seconds, rss = out.stdout.split()[-2:]
        print(f"| {v} | {seconds} | {rss} |")


def int8(n_questions: int) -> None:
    import numpy as np
    import torch

    from corpusqa.answers.verifier.model import Verifier
    from corpusqa.index.sentences import split_sentences

    torch.set_num_threads(1)
    questions = [json.loads(line) for line in open(f"{TRIAL}.questions.jsonl", encoding="utf-8")][:n_questions]
    passages = {p["pid"]: p for p in map(json.loads, open(f"{TRIAL}.passages.jsonl", encoding="utf-8"))}
    pairs = []
    for q in questions:
        p = passages[q["gold_pids"][0]]
        sents = [p["text"][s:e] for s, e in split_sentences(p["text"])][:8]
        pairs.append((q["question"], [f"{p['title']}｜{s}" for s in sents]))

    def run(v) -> tuple[list, float]:
        out, ms = [], []
        for question, texts in pairs:
            t0 = time.perf_counter()
            out.append(v.score(question, texts))
            ms.append((time.perf_counter() - t0) * 1000)
        return out, statistics.median(ms)

    fp = Verifier().load()
    q8 = copy.copy(fp)
    scorer = copy.copy(fp._model)
    scorer.model = torch.ao.quantization.quantize_dynamic(scorer.model, {torch.nn.Linear}, dtype=torch.qint8)
    q8._model = scorer
    a, ta = run(fp)
    b, tb = run(q8)
    _, ta2 = run(fp)
    _, tb2 = run(q8)
    la, lb = np.concatenate(a), np.concatenate(b)
    same = np.mean([int(np.argmax(x) == np.argmax(y)) for x, y in zip(a, b)])
    print(f"float p50 ms {ta:.1f} / {ta2:.1f}; int8 p50 ms {tb:.1f} / {tb2:.1f}")
    print(f"logit correlation {np.corrcoef(la, lb)[0, 1]:.4f}; largest difference {np.max(np.abs(la - lb)):.3f}; "
          f"same top sentence {same:.3f} of {len(pairs)} questions")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=["load", "int8"])
    ap.add_argument("--questions", type=int, default=60)
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))
    if args.mode == "load":
        load()
    else:
        int8(args.questions)


if __name__ == "__main__":
    main()
