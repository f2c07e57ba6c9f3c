#!/usr/bin/env python
"""Fielded BM25, measured the cheap way: the title's weight in each chunk's BM25 text.

The lexical index scores ``title + "\\n" + chunk`` (``Chunker.texts``, ``lexical_title``).
Repeating the title k times in that text gives title terms k times the term frequency:
BM25F with a title field weight of k (up to the length normalisation). This builds a
lexical-only index per weight (k = 0, 1, 2, 3) for each set and prints document Recall@1
of the lexical retriever (BM25 + the proximity and exact-match re-scoring), a hit
counting when the first hit's article or a near-duplicate copy of it is a gold article.

    .venv/bin/python scripts/title-weight.py [--work bench-output/title-weight] [--weights 0,1,2,3]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO.parent / "shared" / "benchmarks"
SETS = {"gold": (None, None),
        "CMRC trial": (BENCH / "cmrc2018/trial.questions.jsonl", [BENCH / "cmrc2018/trial.passages.jsonl"]),
        "XQuAD zh": (BENCH / "xquad/part1.zh.questions.jsonl", [BENCH / "xquad/part1.zh.passages.jsonl"])}


def recall_at_1(weight: int, work: Path) -> dict[str, tuple[int, float]]:
    sys.path.insert(0, str(REPO))
    from corpusqa.index import chunking

    def texts(self, article_title, chunk):
        title = (article_title or "").strip()
        lexical = "\n".join([title] * weight + [chunk.text]) if title else chunk.text
        return self.embed_text(title, chunk), lexical

    chunking.Chunker.texts = texts  # type: ignore[method-assign]  # this experiment only
    from corpusqa.answers.variants import to_simplified
    from corpusqa.eval.gold import load_gold
    from corpusqa.eval.runner import prepare_home
    from corpusqa.settings import Settings
    from corpusqa.workspace import Workspace

    out = {}
    for name, (gold, corpus) in SETS.items():
        settings = replace(Settings.from_env(), progress=False)
        home = prepare_home(settings, corpus, "none", None, work / f"title-x{weight}", False)
        assistant = Workspace(replace(home, verifier="none")).open_assistant()
        n = hit = 0
        for item in load_gold(gold):
            if not item.answerable or not item.gold_pids:
                continue
            hits = assistant.lexical.retrieve(to_simplified(item.question), 5)
            n += 1
            hit += bool(hits and ({hits[0].article_id, *hits[0].also_in} & set(item.gold_pids)))
        out[name] = (n, hit / n)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=REPO / "bench-output" / "title-weight")
    ap.add_argument("--weights", default="0,1,2,3")
    args = ap.parse_args()
    rows = {int(w): recall_at_1(int(w), args.work) for w in args.weights.split(",")}
    names = list(SETS)
    print("| title weight | " + " | ".join(f"{n} (n={next(iter(rows.values()))[n][0]})" for n in names) + " |")
    print("|---|" + "---|" * len(names))
    for w, r in rows.items():
        print(f"| {w}{' (default)' if w == 1 else ''} | " + " | ".join(f"{r[n][1]:.3f}" for n in names) + " |")


if __name__ == "__main__":
    main()
