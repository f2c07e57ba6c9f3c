#!/usr/bin/env python
"""How much text an answer should quote: AC@1 and quote length for four rules, one run.

Each answerable question is asked once (default config, shipped verifier, no mixing); the
chosen candidate's quote is then widened by each rule in turn, so the rules differ only in
the quote, never in the pick or the refusal:

* ``candidate``: the candidate alone (a ；-clause, or a piece cut at a chunk edge);
* ``whole``: its whole 。！？-sentence, at most 150 characters (``extent.whole_sentence``);
* ``shipped``: ``extent.quote_extent`` (whole sentence, and a why-question's cause);
* ``+next what/list``: the shipped quote plus the next sentence of the paragraph for
  what/list questions as well (measured, not adopted: docs/answer-verifier.md).

    .venv/bin/python scripts/quote-extent.py
"""

from __future__ import annotations

import statistics

from heldout_sets import CMRC, GOLD, XQUAD_ZH, default_assistant

SETS = (CMRC, XQUAD_ZH, GOLD)


def main() -> None:
    from corpusqa.answers.extent import SENTENCE_STOP, WHOLE_SENTENCE_MAX, quote_extent, whole_sentence
    from corpusqa.errors import CorpusQAError
    from corpusqa.eval.gold import load_gold
    from corpusqa.eval.metrics import answer_contained

    def next_end(text: str, e: int) -> int:
        nl = text.find("\n", e)
        stop = SENTENCE_STOP.search(text, e, len(text) if nl < 0 else nl)
        return e if nl == e else (stop.end() if stop else (len(text) if nl < 0 else nl))

    def rules(text: str, s: int, e: int, kind: str) -> dict[str, tuple[int, int]]:
        ws, we = whole_sentence(text, s, e)
        shipped = quote_extent(text, s, e, kind)
        grown = (shipped[0], next_end(text, shipped[1])) if kind in ("what", "list") else shipped
        return {"candidate": (s, e), "whole": (ws, we) if we - ws <= WHOLE_SENTENCE_MAX else (s, e),
                "shipped": shipped, "+next what/list": grown}

    for name, gold, corpus in SETS:
        assistant = default_assistant(corpus)
        hits: dict[str, list[float]] = {}
        lengths: dict[str, list[int]] = {}
        n = 0
        for item in load_gold(gold):
            if not item.answerable or not item.answers:
                continue
            try:
                answer, ranked = assistant.explain(item.question, None, [dict(h) for h in item.history] or None)
            except CorpusQAError:  # an empty question in CMRC trial: a miss, as in eval
                n += 1
                continue
            n += 1
            if answer.abstained or not ranked:
                continue
            best = ranked[0]
            text = assistant.articles[best.article_id].text
            for rule, (s, e) in rules(text, best.start, best.end, answer.question_type or "").items():
                hits.setdefault(rule, []).append(answer_contained(text[s:e], item.answers))
                lengths.setdefault(rule, []).append(e - s)
        print(f"{name} ({n} answerable questions)")
        for rule in hits:
            print(f"  {rule:18s} AC@1 {sum(hits[rule]) / n:.3f}  quote length p50 "
                  f"{statistics.median(lengths[rule]):.0f}, p90 {sorted(lengths[rule])[int(0.9 * len(lengths[rule]))]}")


if __name__ == "__main__":
    main()
