"""Cross-lingual gold set: questions of one language, gold of another (XQuAD).

XQuAD gives the same questions (same ``qid``) in several languages. To ask the
English questions against the Chinese passages, take each English question and
the Chinese record's ``gold_pids`` and ``answers``:

    python -m corpusqa.eval.crosslingual part1.en.questions.jsonl \\
        part1.zh.questions.jsonl en-on-zh.questions.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def join_by_qid(questions: list[dict], gold: list[dict]) -> list[dict]:
    """Records with ``question`` from ``questions`` and the rest from ``gold`` (same qid)."""
    by_qid = {g["qid"]: g for g in gold}
    out = []
    for q in questions:
        g = by_qid.get(q["qid"])
        if g is not None:
            out.append({**g, "question": q["question"], "question_lang": q.get("lang")})
    return out


def _read(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    rows = join_by_qid(_read(Path(args[0])), _read(Path(args[1])))
    with open(args[2], "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(rows)} questions written to {args[2]}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
