#!/usr/bin/env python
"""What the answer verifier costs: load time and memory, and int8 inference against float.

    .venv/bin/python scripts/verifier-cost.py load    # assistant load + first answer, verifier on / off
    .venv/bin/python scripts/verifier-cost.py int8    # 8 pairs a question, float vs torch dynamic int8
    .venv/bin/python scripts/verifier-cost.py runtime # the torch runtime against the transformers network

* load: in a fresh process each, ``Assistant(...).load()`` on the default home plus one
  answer, with ``--verifier bundled`` and ``none``: seconds and RSS afterwards.
* int8: the 8 first sentences of the gold passage of the first 60 CMRC trial questions,
  scored by the shipped verifier as loaded and after ``torch.ao.quantization.quantize_dynamic``
  of its linear layers, one thread: p50 ms per question (two rounds each, interleaved),
  the correlation of the logits, the largest difference, and how often both pick the same
  top sentence. Both run the training network (``scorer.MeanPoolScorer``, transformers),
  since dynamic quantisation wants torch modules.
* runtime: in a fresh process each, the time and RSS to import and load the scorer
  (``runtime.LightScorer``, and ``MeanPoolScorer`` with its fast tokenizer), of the whole
  and the pruned tokenizer alone, and the largest logit difference between the two
  networks on the int8 pairs.
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

    fp, q8 = _TransformersScorer(), _TransformersScorer()
    q8.model = torch.ao.quantization.quantize_dynamic(q8.model, {torch.nn.Linear}, dtype=torch.qint8)
    a, ta = run(fp)
    b, tb = run(q8)
    _, ta2 = run(fp)
    _, tb2 = run(q8)
    la, lb = np.concatenate(a), np.concatenate(b)
    same = np.mean([int(np.argmax(x) == np.argmax(y)) for x, y in zip(a, b)])
    print(f"float p50 ms {ta:.1f} / {ta2:.1f}; int8 p50 ms {tb:.1f} / {tb2:.1f}")
    print(f"logit correlation {np.corrcoef(la, lb)[0, 1]:.4f}; largest difference {np.max(np.abs(la - lb)):.3f}; "
          f"same top sentence {same:.3f} of {len(pairs)} questions")


class _TransformersScorer:
    """The bundled verifier as the training network (transformers BertModel + mean pooling)."""

    def __init__(self):
        from transformers import PreTrainedTokenizerFast

        from corpusqa.answers.verifier.model import Verifier
        from corpusqa.answers.verifier.scorer import MeanPoolScorer
        from corpusqa.answers.verifier.ship import assemble

        self.max_length = Verifier().load().max_length
        folder = assemble()
        self.model = MeanPoolScorer.load(folder)
        self.tok = PreTrainedTokenizerFast.from_pretrained(str(folder))

    def score(self, question, texts):
        import torch

        enc = self.tok([question] * len(texts), list(texts), padding=True, truncation="longest_first",
                       max_length=self.max_length, return_tensors="pt", return_token_type_ids=False)
        with torch.inference_mode():
            return self.model(**enc).numpy()


_RUNTIME = """
import time, psutil
t0 = time.perf_counter()
from corpusqa.answers.verifier.ship import assemble
folder = assemble()
what = {what!r}
if what == "light":
    from corpusqa.answers.verifier.runtime import LightScorer
    LightScorer(folder, max_length=80)
elif what == "transformers":
    from transformers import PreTrainedTokenizerFast
    from corpusqa.answers.verifier.scorer import MeanPoolScorer
    MeanPoolScorer.load(folder); PreTrainedTokenizerFast.from_pretrained(str(folder))
elif what == "whole tokenizer":
    from tokenizers import Tokenizer
    Tokenizer.from_file(str(folder / "tokenizer.json"))
else:
    from corpusqa.answers.verifier.runtime import PairTokenizer
    PairTokenizer(folder, 80)
print(round(time.perf_counter() - t0, 2), round(psutil.Process().memory_info().rss / 2**20))
"""


def runtime(n_questions: int) -> None:
    for what in ("light", "transformers", "whole tokenizer", "pruned tokenizer"):
        times, rss = [], []
        for _ in range(2):
            out = subprocess.run([sys.executable, "-c", _RUNTIME.format(what=what)], capture_output=True, text=True,
                                 cwd=REPO, check=True).stdout.split()
            times.append(out[0])
            rss.append(out[1])
        print(f"{what}: import + load {' / '.join(times)} s, RSS {' / '.join(rss)} MiB")
    import numpy as np

    from corpusqa.answers.verifier.model import Verifier
    from corpusqa.index.sentences import split_sentences

    light, ref = Verifier().load(), _TransformersScorer()
    questions = [json.loads(line) for line in open(f"{TRIAL}.questions.jsonl", encoding="utf-8")][:n_questions]
    passages = {p["pid"]: p for p in map(json.loads, open(f"{TRIAL}.passages.jsonl", encoding="utf-8"))}
    worst = 0.0
    for q in questions:
        p = passages[q["gold_pids"][0]]
        texts = [f"{p['title']}｜{p['text'][s:e]}" for s, e in split_sentences(p["text"])][:8]
        worst = max(worst, float(np.max(np.abs(light.score(q["question"], texts) - ref.score(q["question"], texts)))))
    print(f"largest logit difference, runtime against transformers, {len(questions)} questions x 8 pairs: {worst:.2e}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=["load", "int8", "runtime"])
    ap.add_argument("--questions", type=int, default=60)
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))
    if args.mode == "load":
        load()
    elif args.mode == "runtime":
        runtime(args.questions)
    else:
        int8(args.questions)


if __name__ == "__main__":
    main()
