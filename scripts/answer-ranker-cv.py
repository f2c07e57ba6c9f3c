#!/usr/bin/env python3
"""Pointwise logistic answer model against a conditional-logit ranker (docs/answer-verifier.md).

    .venv/bin/python scripts/answer-ranker-cv.py bench-output/calibrate-run3/collected.json [N]

Reads the calibration candidates that `corpusqa train calibrate` keeps (WORK/collected.json)
and compares, 2-fold by question over three seeds, the share of answerable questions whose
first candidate holds the answer under: the verifier logit alone ("ver"), the shipped kind
of model (scikit-learn logistic regression on every candidate, "lr"), and a softmax over
each question's candidates fitted with L-BFGS ("cl"). N: candidates per question (8).
"""

from __future__ import annotations

import json
import sys

import numpy as np

from corpusqa.answers.answer_model import FEATURES, add_verifier_features


def load(path: str, n: int) -> list[tuple[str, bool, np.ndarray, np.ndarray]]:
    out = []
    for q in json.load(open(path, encoding="utf-8")):
        fs = [dict(f) for f in q["feats"][:n]]
        if not fs:
            continue
        add_verifier_features(fs, [f["ver"] for f in fs])
        x = np.array([[f.get(k, 0.0) for k in FEATURES] for f in fs])
        y = np.array([int(q["answerable"] and c) for c in q["contained"][:len(fs)]])
        key = q["source"] + ("-en" if fs[0].get("latin", 0.0) > 0.5 else "")
        out.append((key, bool(q["answerable"]), x, y))
    return out


def fit_lr(train):
    from sklearn.linear_model import LogisticRegression

    x = np.concatenate([d[2] for d in train])
    y = np.concatenate([d[3] for d in train])
    mu, sd = x.mean(0), x.std(0)
    sd[sd < 1e-9] = 1.0
    m = LogisticRegression(C=1.0, max_iter=2000).fit((x - mu) / sd, y)
    return lambda z: m.decision_function((z - mu) / sd)


def fit_cl(train, l2: float = 1e-3):
    import torch

    x = np.concatenate([d[2] for d in train])
    mu, sd = x.mean(0), x.std(0)
    sd[sd < 1e-9] = 1.0
    groups = [(torch.tensor((d[2] - mu) / sd), torch.tensor(d[3])) for d in train
              if d[1] and d[3].sum() > 0]
    w = torch.zeros(x.shape[1], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w], max_iter=300)

    def closure():
        opt.zero_grad()
        loss = sum(torch.logsumexp(g @ w, 0) - torch.logsumexp((g @ w)[y > 0], 0) for g, y in groups)
        loss = loss / len(groups) + l2 * (w * w).sum()
        loss.backward()
        return loss

    opt.step(closure)
    wn = w.detach().numpy()
    return lambda z: ((z - mu) / sd) @ wn


def main() -> None:
    data = load(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 8)
    for seed in range(3):
        idx = np.random.default_rng(seed).permutation(len(data))
        folds = [idx[::2], idx[1::2]]
        row = {}
        for name, fitter in (("ver", None), ("lr", fit_lr), ("cl", fit_cl)):
            hits: dict[str, list[int]] = {}
            for f in range(2):
                train = [data[i] for i in folds[1 - f]]
                score = fitter(train) if fitter else (lambda z: z[:, 0])
                for key, answerable, x, y in (data[i] for i in folds[f]):
                    if answerable:
                        hits.setdefault(key, []).append(int(y[int(np.argmax(score(x)))]))
            row[name] = {k: round(float(np.mean(v)), 3) for k, v in sorted(hits.items())}
        print(f"seed {seed}: {json.dumps(row)}")


if __name__ == "__main__":
    main()
