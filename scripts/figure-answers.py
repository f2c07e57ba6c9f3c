#!/usr/bin/env python
"""How often the figure rule's tests hold for gold answers (docs/answer-verifier.md "Figure questions").

    .venv/bin/python scripts/figure-answers.py [--benchmarks ../shared/benchmarks]

For the questions the rule applies to (``figures.needs_figure``), on CMRC trial and train,
XQuAD zh and the bundled gold set: how many count questions asked with a measure word
have an answer that is a share alone (a percent, ratio or points span and no other), and
how many how-long questions have no answer holding a numeral with a unit of time
(``figures._DURATIONISH``). Either kind is an answer text the rule would not accept as
stating the figure; each is printed.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from corpusqa.answers.figures import _DURATIONISH, _SHARE_KINDS, needs_figure
from corpusqa.answers.qtype import classify
from corpusqa.answers.spans import candidate_spans

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--benchmarks", type=Path, default=REPO.parent / "shared" / "benchmarks")
    args = ap.parse_args()
    files = {name: args.benchmarks / f"{name}.questions.jsonl"
             for name in ("cmrc2018/trial", "cmrc2018/train", "xquad/part1.zh")}
    files["gold"] = REPO / "corpusqa" / "eval" / "data" / "gold.jsonl"
    for name, path in files.items():
        counts = shares = spans = timeless = 0
        for line in path.open(encoding="utf-8"):
            item = json.loads(line)
            texts = [a["text"] if isinstance(a, dict) else a for a in item.get("answers") or []]
            qt = classify(item["question"])
            if not texts or not needs_figure(qt):
                continue
            if qt.kind == "number" and qt.unit and qt.unit_kind == "count":
                counts += 1
                found = [sp for t in texts for sp in candidate_spans(t, qt)]
                if found and all(sp.kind in _SHARE_KINDS for sp in found):
                    shares += 1
                    print(f"  {name}: share alone: {item['question']} -> {texts[0]}")
            elif qt.kind == "time_span":
                spans += 1
                if not any(_DURATIONISH.search(t) for t in texts):
                    timeless += 1
                    print(f"  {name}: no span of time: {item['question']} -> {texts[0]}")
        print(f"{name}: {counts} count questions with a measure word, {shares} answered by a share alone; "
              f"{spans} how-long questions, {timeless} without a numeral and a unit of time")


if __name__ == "__main__":
    main()
