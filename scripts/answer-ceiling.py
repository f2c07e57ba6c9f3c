#!/usr/bin/env python
"""Where the answer stage loses answerable questions: retrieval, the cheap top N, or the pick.

For each answerable question of a gold file, over one corpus (default config, no refusals
counted), it reports the share of questions for which an answer-holding sentence is
(1) among all candidate sentences of the top chunks, (2) among the candidates the verifier
scores (the cheap ranking's top ``verify_top``), and (3) the first candidate after the
answer model (the candidate's own text); (4) how many are answered with a quote that holds
it (the quote may be the candidate's whole sentence, ``answers.extent``); (5) how many
were refused. "Holds" is ``eval.metrics.answer_contained``,
as in ``corpusqa eval``'s AC@1.

    .venv/bin/python scripts/answer-ceiling.py --gold G --corpus C [--limit N] [--verifier V]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from heldout_sets import default_assistant


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gold", required=True, type=Path)
    ap.add_argument("--corpus", required=True, type=Path)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--verifier", default="bundled")
    ap.add_argument("--top-k", type=int, help="chunks whose sentences compete (default: AskConfig's)")
    args = ap.parse_args()

    from corpusqa.eval.gold import load_gold
    from corpusqa.eval.metrics import answer_contained

    assistant = default_assistant([args.corpus], args.verifier, **({"top_k": args.top_k} if args.top_k else {}))
    cfg = assistant.config
    items = [i for i in load_gold(args.gold, args.limit) if i.answerable and i.answers]
    n = len(items)
    counts = dict.fromkeys(("any", "verified", "first", "answered_right", "refused"), 0)
    for item in items:
        answer, ranked = assistant.explain(item.question)
        holds = [answer_contained(c.text, item.answers) > 0 for c in ranked]
        counts["any"] += any(holds)
        counts["verified"] += any(h for c, h in zip(ranked, holds) if "ver" in c.features) \
            if args.verifier != "none" else any(holds[:8])
        counts["first"] += bool(holds and holds[0])
        counts["refused"] += answer.abstained
        counts["answered_right"] += (not answer.abstained) and answer_contained(answer.answer, item.answers) > 0
    print(f"{args.gold.name}: {n} answerable questions, verifier {args.verifier}, top_k {cfg.top_k}")
    for key in ("any", "verified", "first", "answered_right", "refused"):
        print(f"  {key:15s} {counts[key] / n:.3f}")


if __name__ == "__main__":
    main()
