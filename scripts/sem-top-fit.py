#!/usr/bin/env python
"""The answer model fitted with the sentence cosine for only the first K candidates.

    .venv/bin/python scripts/sem-top-fit.py K [PSG_ARTICLES] [--work bench-output/calibrate-bf16]

Embedding the verified candidates' sentences is a third of `ask` at 100k chunks (docs/speed-and-scale.md
"Scale"). This refits the answer model and its gate (as `corpusqa train calibrate
--reuse-collected` does) on the collected calibration candidates, with ``sem_abs`` kept
for the first K candidates in cheap order and the others given the lowest of those K (as
``limit_psg`` does for the passage logit), and prints the in-sample summary: all
questions, then per source. K = 0: every candidate keeps its cosine (the shipped fit).
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import corpusqa.eval.answer_fit as af
from corpusqa.answers.answer_model import add_verifier_features, limit_psg


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("k", type=int)
    ap.add_argument("psg_articles", type=int, nargs="?", default=0)
    ap.add_argument("--work", type=Path, default=Path("bench-output/calibrate-bf16"))
    args = ap.parse_args()

    def with_gap(feats: list[dict], n: int, psg_articles: int = 0) -> list[dict]:
        fs = [dict(f) for f in feats[:n]]
        limit_psg(fs, psg_articles)
        if args.k and fs and "sem_abs" in fs[0]:
            low = min(float(f["sem_abs"]) for f in fs[:args.k])
            for f in fs[args.k:]:
                f["sem_abs"] = low
        add_verifier_features(fs, [f["ver"] for f in fs])
        return fs

    af._with_gap = with_gap  # the fit and its summaries read the candidates through it
    qs = af.load_collected(args.work / af.COLLECTED)
    model, _ = af.choose(qs, args.psg_articles)
    own = af.summary(model, [q for q in qs if not af._is_latin(q)])["abstention_recall"]
    model = replace(model, gate=af.fit_gate(model, qs, recall=own))

    def show(label: str, questions) -> None:
        s = af.summary(model, questions)
        print(label, {k: round(v, 4) for k, v in s.items() if isinstance(v, float)})

    print(f"sem_top {args.k}, psg_articles {args.psg_articles}, verify_top {model.verify_top}")
    show("all", qs)
    for src in sorted({q.source for q in qs}):
        show("  " + src, [q for q in qs if q.source == src])


if __name__ == "__main__":
    main()
