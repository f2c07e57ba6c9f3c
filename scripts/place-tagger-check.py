#!/usr/bin/env python
"""Does the place tagger on rjieba's tags find the places jieba.posseg found?

Tags every question of the bundled gold set and of the public sets, and the first 300
characters of every CMRC trial passage (all folded to Simplified), with the old tagger
(``jieba.posseg`` over jieba with the newsroom dictionary, no HMM) and with
``lexical_boost.PlaceTagger`` (``ChineseTokenizer.tag`` on rjieba), and prints how many
texts and places were tried and how many texts differ.

    .venv/bin/python scripts/place-tagger-check.py
"""

from __future__ import annotations

import io
import json
import logging
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO.parent / "shared" / "benchmarks"


def main() -> None:
    sys.path.insert(0, str(REPO))
    import jieba
    import jieba.posseg

    from corpusqa.chinese_script import to_simplified
    from corpusqa.index.tokenizer import _dict_lines, bundled_user_dict
    from corpusqa.retrieval.lexical_boost import PlaceTagger

    logging.getLogger("jieba").setLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()
    tk.load_userdict(io.BytesIO("\n".join(_dict_lines(bundled_user_dict())).encode("utf-8")))
    pos = jieba.posseg.POSTokenizer(tk)
    texts = [json.loads(ln)["question"] for ln in open(REPO / "corpusqa/eval/data/gold.jsonl", encoding="utf-8")]
    for path in sorted(BENCH.glob("*/*.questions.jsonl")):
        texts += [json.loads(ln)["question"] for ln in open(path, encoding="utf-8")]
    trial = BENCH / "cmrc2018/trial.passages.jsonl"
    if trial.is_file():
        texts += [json.loads(ln)["text"][:300] for ln in open(trial, encoding="utf-8")]
    tagger = PlaceTagger()
    places = differ = 0
    for text in map(to_simplified, texts):
        old = list(dict.fromkeys(w for w, f in pos.cut(text, HMM=False) if f.startswith("ns") and len(w) >= 2))
        places += len(old)
        if tagger.places(text) != old:
            differ += 1
            if differ <= 10:
                print("differs:", text[:80])
    print(f"{len(texts)} texts, {places} places found by jieba.posseg, {differ} texts tagged differently")


if __name__ == "__main__":
    main()
