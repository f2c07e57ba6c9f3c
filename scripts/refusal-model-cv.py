#!/usr/bin/env python
"""A question-level refusal model against the shipped logistic one (closing note, stop 25).

    .venv/bin/python scripts/refusal-model-cv.py bench-output/calibrate-run3/collected.json

Reads the calibration candidates `corpusqa train calibrate` keeps (WORK/collected.json),
2-fold by question over five seeds. "lr": the shipped kind of answer model (logistic
regression on every candidate); its best candidate's probability is the confidence.
"gbm": a gradient-boosted classifier over the best candidate's inputs, its probability,
its margin and the per-question maxima of ver, sem_abs, kw_art and cov, fitted to say
whether the best candidate holds the answer. For each, the refusal threshold is set so
that 90% of the unanswerable test-fold questions are refused; printed: the share of
answerable questions refused and answered right at that point.
"""

from __future__ import annotations

import json
import sys

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from corpusqa.answers.answer_model import FEATURES, add_verifier_features


def load(path: str):
    out = []
    for q in json.load(open(path, encoding="utf-8")):
        fs = [dict(f) for f in q["feats"][:8]]
        if not fs:
            continue
        add_verifier_features(fs, [f["ver"] for f in fs])
        x = np.array([[f.get(k, 0.0) for k in FEATURES] for f in fs])
        y = np.array([int(q["answerable"] and c) for c in q["contained"][:len(fs)]])
        out.append((bool(q["answerable"]), x, y))
    return out


def question_inputs(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    order = np.argsort(-p)
    second = p[order[1]] if len(p) > 1 else 0.0
    maxima = [x[:, FEATURES.index(k)].max() for k in ("ver", "sem_abs", "kw_art", "cov")]
    return np.concatenate([x[order[0]], [p[order[0]], p[order[0]] - second], maxima])


def main() -> None:
    questions = load(sys.argv[1])
    rng = np.random.default_rng(0)
    res: dict[str, list[tuple[float, float]]] = {"lr": [], "gbm": []}
    for _ in range(5):
        idx = rng.permutation(len(questions))
        folds = [idx[::2], idx[1::2]]
        for k in range(2):
            train = [questions[i] for i in folds[k]]
            test = [questions[i] for i in folds[1 - k]]
            x = np.concatenate([q[1] for q in train])
            y = np.concatenate([q[2] for q in train])
            mu, sd = x.mean(0), x.std(0)
            sd[sd < 1e-9] = 1.0
            lr = LogisticRegression(C=1.0, max_iter=2000).fit((x - mu) / sd, y)

            def prob(z, lr=lr, mu=mu, sd=sd):
                return lr.predict_proba((z - mu) / sd)[:, 1]

            qx, qy = [], []
            for _, xq, yq in train:
                p = prob(xq)
                qx.append(question_inputs(xq, p))
                qy.append(int(yq[np.argmax(p)] == 1))
            gbm = HistGradientBoostingClassifier(max_depth=3, max_iter=150, learning_rate=0.05,
                                                 l2_regularization=1.0).fit(np.array(qx), np.array(qy))
            for name in res:
                conf, right, answerable = [], [], []
                for ans, xq, yq in test:
                    p = prob(xq)
                    top = int(np.argmax(p))
                    conf.append(p[top] if name == "lr" else gbm.predict_proba(question_inputs(xq, p)[None])[0, 1])
                    right.append(bool(yq[top]))
                    answerable.append(ans)
                c, r, a = np.array(conf), np.array(right), np.array(answerable)
                t = np.quantile(c[~a], 0.9)
                res[name].append((float(np.mean(c[a] < t)), float(np.mean((c[a] >= t) & r[a]))))
    for name, vals in res.items():
        fr, ac = np.array(vals).mean(0)
        print(f"{name}: at abstention recall 0.90, false refusals {fr:.3f}, AC@1 {ac:.3f}")


if __name__ == "__main__":
    main()
