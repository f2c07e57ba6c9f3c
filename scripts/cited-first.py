#!/usr/bin/env python
"""The verifier as a gated passage reranker: R@1 when the cited article's passage moves first.

Each question is asked once (default config, shipped verifier); the passages keep the
fused order (the default) and the answer cites one article. The rule measured: when the
answer is given with confidence at least T and its article's passage is among the first
K fused passages, that passage moves to rank 1; "latin" rows apply it only to questions
without Chinese characters (the ones whose hybrid follows the dense run alone). Document
R@1 counts near-duplicate copies as one story, as ``corpusqa eval`` does.

    .venv/bin/python scripts/cited-first.py
"""

from __future__ import annotations

from heldout_sets import CMRC, GOLD, XQUAD_EN, XQUAD_ZH, default_assistant

SETS = (GOLD, CMRC, XQUAD_ZH, XQUAD_EN)
GATES = (None, 0.9, 0.8, 0.7, 0.5, 0.3)
DEPTHS = (2, 3, 5)


def main() -> None:
    from corpusqa.errors import CorpusQAError
    from corpusqa.eval.gold import load_gold
    from corpusqa.retrieval.fusion import cross_script

    for name, gold, corpus in SETS:
        assistant = default_assistant(corpus, passages_k=10)
        rows = []
        for item in load_gold(gold):
            if not item.answerable or not item.gold_pids:
                continue
            try:
                ans = assistant.ask(item.question, None, [dict(h) for h in item.history] or None)
            except CorpusQAError:
                rows.append((frozenset(), [], None, 0.0, False))
                continue
            stories = [frozenset((p.doc_id, *p.also_in)) for p in ans.passages]
            cited = None if ans.abstained else ans.citations[0].doc_id
            rows.append((frozenset(item.gold_pids), stories, cited, ans.confidence,
                         cross_script(item.question)))
        print(f"{name} ({len(rows)} questions with a gold article): R@1")
        for depth, latin_only in [(d, False) for d in DEPTHS] + [(d, True) for d in DEPTHS]:
            line = []
            for gate in GATES:
                hits = 0
                for gold_ids, stories, cited, conf, latin in rows:
                    order = list(stories)
                    if gate is not None and cited is not None and conf >= gate and (latin or not latin_only):
                        at = next((i for i, s in enumerate(order[:depth]) if cited in s), None)
                        if at:
                            order.insert(0, order.pop(at))
                    hits += bool(order) and bool(order[0] & gold_ids)
                line.append(f"{'fused' if gate is None else f'T={gate}'} {hits / len(rows):.3f}")
            print(f"  K={depth}{' latin' if latin_only else ''}: " + "  ".join(line))


if __name__ == "__main__":
    main()
