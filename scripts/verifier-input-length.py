"""How much of each answer sentence the verifier sees at a given input length (docs/answer-verifier.md "A
longer verifier input").

    .venv/bin/python scripts/verifier-input-length.py DATA_DIR [--lengths 80,96,128] [--limit 400]

DATA_DIR is written by `corpusqa train data`. For the positive pairs of each held-out file
(test-gold, test-xquad, dev; the first LIMIT), the share whose whole sentence (the text
before the first " ｜ ") fits in the (question, candidate) pair cut at each length, as
the shipped verifier's tokenizer cuts it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from corpusqa.answers.verifier.inputs import SEP
from corpusqa.answers.verifier.runtime import PairTokenizer
from corpusqa.answers.verifier.ship import assemble


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--lengths", default="80,96,128")
    ap.add_argument("--limit", type=int, default=400)
    args = ap.parse_args()
    lengths = [int(x) for x in args.lengths.split(",")]
    tok = PairTokenizer(assemble(part="verifier"), max(lengths)).tok
    for name in ("test-gold", "test-xquad", "dev"):
        path = args.data / f"{name}.jsonl"
        if not path.exists():
            continue
        pos = [p for p in map(json.loads, path.open(encoding="utf-8")) if p["label"] == 1][: args.limit]
        seen = dict.fromkeys(lengths, 0)
        for p in pos:
            enc = tok.encode(p["question"], p["text"])
            sentence = p["text"].split(SEP)[0]
            for n in lengths:  # the pair keeps n - 1 tokens before </s> when cut
                ends = [o[1] for o, s in zip(enc.offsets[: n - 1], enc.sequence_ids[: n - 1]) if s == 1]
                seen[n] += bool(ends) and max(ends) >= len(sentence)
        print(name, len(pos), {n: round(seen[n] / len(pos), 3) for n in lengths})


if __name__ == "__main__":
    main()
