"""p50 of one scoring call of each shipped scorer: the verifier on 8 candidate sentences,
the passage reranker on 4 passages (a question's usual batches), 40 calls after a warm-up;
and of tokenizing those pairs alone.

    OMP_NUM_THREADS=2 .venv/bin/python scripts/scorer-speed.py

To compare a change, run it from this checkout and from a git worktree of the commit
before (``PYTHONPATH=WORKTREE``), one after the other, twice. ``--folders A B ...`` instead
times scorer folders (e.g. an assembled passage folder and one an older version assembled
under another ``CORPUSQA_CACHE``) on the 4 passages in one process, interleaved, 3 rounds.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np


Q = "全区建成了多少个一站式党群服务中心？"
SENTENCES = ["全区建成一站式党群服务中心14542个，覆盖率达到98.9%以上。 ｜ 党建 ｜ 在阵地建设方面，突出政治引领"] * 8
PASSAGES = ["党建 ｜ " + "在阵地建设方面，突出政治引领、为民服务、基层治理三大功能，明确五个三党群服务中心建设要求。" * 4] * 4


def p50(call) -> float:
    call()
    ms = []
    for _ in range(40):
        t0 = time.perf_counter()
        call()
        ms.append((time.perf_counter() - t0) * 1000)
    return round(float(np.median(ms)), 1)


def folders(paths: list[Path], max_length: int) -> None:
    from corpusqa.answers.verifier.runtime import LightScorer

    scorers = {str(p): LightScorer(p, max_length=max_length) for p in paths}
    for r in range(3):
        print(json.dumps({"round": r, **{k: p50(lambda s=s: s.predict(Q, PASSAGES)) for k, s in scorers.items()}}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--folders", nargs="+", type=Path)
    ap.add_argument("--max-length", type=int, default=224)
    args = ap.parse_args()
    if args.folders:
        folders(args.folders, args.max_length)
        return
    import corpusqa
    from corpusqa.answers.verifier.model import Verifier

    q, sentences, passages = Q, SENTENCES, PASSAGES
    out: dict = {"package": corpusqa.__file__}
    for part, texts in (("verifier", sentences), ("passage", passages)):
        scorer = Verifier("bundled", part=part).load()
        out[f"{part}_p50_ms"] = p50(lambda s=scorer, t=texts: s.score(q, t))
        tok = scorer._model.tok  # the runtime's PairTokenizer: tokenizing alone
        out[f"{part}_tokenize_p50_ms"] = p50(lambda t=texts: tok.encode(q, t))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
