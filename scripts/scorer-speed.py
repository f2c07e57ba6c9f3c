"""p50 of one scoring call of each shipped scorer: the verifier on 8 candidate sentences,
the passage reranker on 4 passages (a question's usual batches), 40 calls after a warm-up.

    OMP_NUM_THREADS=2 .venv/bin/python scripts/scorer-speed.py

To compare a change, run it from this checkout and from a git worktree of the commit
before (``PYTHONPATH=WORKTREE``), one after the other, twice.
"""

from __future__ import annotations

import json
import time

import numpy as np


def main() -> None:
    import corpusqa
    from corpusqa.answers.verifier.model import Verifier

    q = "全区建成了多少个一站式党群服务中心？"
    sentences = ["全区建成一站式党群服务中心14542个，覆盖率达到98.9%以上。 ｜ 党建 ｜ 在阵地建设方面，突出政治引领"] * 8
    passages = ["党建 ｜ " + "在阵地建设方面，突出政治引领、为民服务、基层治理三大功能，明确五个三党群服务中心建设要求。" * 4] * 4
    out: dict = {"package": corpusqa.__file__}
    for part, texts in (("verifier", sentences), ("passage", passages)):
        scorer = Verifier("bundled", part=part).load()
        scorer.score(q, texts)
        ms = []
        for _ in range(40):
            t0 = time.perf_counter()
            scorer.score(q, texts)
            ms.append((time.perf_counter() - t0) * 1000)
        out[f"{part}_p50_ms"] = round(float(np.median(ms)), 1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
