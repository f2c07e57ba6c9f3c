"""The 60 CMRC 2018 train passages the paraphrased training questions were written about
(data/verifier-extra/; docs/answer-verifier.md "Paraphrased training questions").

    .venv/bin/python scripts/paraphrase-passages.py [--benchmarks ../shared/benchmarks] OUT.jsonl

Passages of the verifier's training split (never its dev split), 250-700 characters,
shuffled with a fixed seed; the first 60.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from corpusqa.answers.verifier.build import CMRC_DEV
from corpusqa.answers.verifier.data import split_of


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--benchmarks", type=Path, default=Path("../shared/benchmarks"))
    ap.add_argument("-n", type=int, default=60)
    args = ap.parse_args()
    rows = [json.loads(x) for x in (args.benchmarks / "cmrc2018" / "train.passages.jsonl").open(encoding="utf-8")]
    pool = [p for p in rows if split_of(p["pid"], CMRC_DEV) == "train" and 250 <= len(p["text"]) <= 700]
    random.Random(20261206).shuffle(pool)
    with args.out.open("w", encoding="utf-8") as fh:
        for p in pool[: args.n]:
            fh.write(json.dumps({"pid": p["pid"], "title": p.get("title", ""), "text": p["text"]},
                                ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
