"""How steady is the English (no-Chinese) refusal point of an answer model? (docs/answer-verifier.md "Why
English stays behind").

    .venv/bin/python scripts/latin-threshold-bootstrap.py WORK/collected.json ANSWER_MODEL.json [--resamples 500]

WORK/collected.json is written by `corpusqa train calibrate --work WORK`; ANSWER_MODEL.json
is the model that run fitted. Prints how many English calibration questions the model's
best sentence answers, the utility-maximising threshold on them (as the fit chooses it),
and its median and 10th/90th percentiles over bootstrap resamples of those questions.
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import replace
from pathlib import Path

import numpy as np

from corpusqa.answers.answer_model import AnswerModel, logit
from corpusqa.eval.answer_fit import _is_latin, load_collected, outcomes
from corpusqa.eval.calibrate import best_threshold


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("collected", type=Path)
    ap.add_argument("model", type=Path)
    ap.add_argument("--resamples", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    model = AnswerModel.from_dict(json.loads(args.model.read_text()))
    latin = [q for q in load_collected(args.collected) if _is_latin(q)]
    conf, ans, hit = outcomes(replace(model, latin_shift=0.0), latin)
    n_ans = sum(ans)
    right = sum(1 for a, h in zip(ans, hit) if a and h)
    print(f"English calibration questions: {len(latin)} ({n_ans} answerable); "
          f"best sentence holds the answer for {right} of {n_ans}")
    full = best_threshold(conf, ans, hit)["threshold"]
    rng = random.Random(args.seed)
    ths = []
    for _ in range(args.resamples):
        idx = [rng.randrange(len(latin)) for _ in latin]
        ths.append(best_threshold([conf[i] for i in idx], [ans[i] for i in idx], [hit[i] for i in idx])["threshold"])
    arr = np.array(ths)
    p10, p90 = np.percentile(arr, [10, 90])
    print(f"threshold on all: {full:.3f} (logit shift {logit(model.threshold) - logit(max(full, 1e-6)):.3f}; "
          f"the model's {model.latin_shift:.3f}); over {args.resamples} resamples: median {np.median(arr):.3f}, "
          f"10th-90th percentile {p10:.3f}-{p90:.3f}")


if __name__ == "__main__":
    main()
