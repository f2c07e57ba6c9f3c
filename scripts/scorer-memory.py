"""Resident memory of the shipped scorers: VmRSS after loading the verifier, then the passage
reranker, each scoring one Chinese pair (docs/retrieval.md "Passage rerank", memory).

    .venv/bin/python scripts/scorer-memory.py

Run it from two checkouts (or a git worktree) to compare a change: it uses only
``Verifier(...).load().score``.
"""

from __future__ import annotations

import gc
import json
from pathlib import Path


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    from corpusqa.answers.verifier.model import Verifier

    q, texts = "全区建成了多少个一站式党群服务中心？", ["全区建成一站式党群服务中心14542个。", "今天呼和浩特晴。"]
    out = {"start_mb": round(rss_mb(), 1)}
    keep = []
    for part in ("verifier", "passage"):
        v = Verifier("bundled", part=part).load()
        v.score(q, texts)
        keep.append(v)
        gc.collect()
        out[f"after_{part}_mb"] = round(rss_mb(), 1)
    out["passage_adds_mb"] = round(out["after_passage_mb"] - out["after_verifier_mb"], 1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
