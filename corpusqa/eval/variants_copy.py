"""A public set copied into the other Chinese script (OpenCC), to check script folding.

Converts the passages' ``title`` and ``text`` and the questions' ``question`` and answer
texts; ids, ``gold_pids`` and ``answer_start`` are kept (OpenCC keeps the length of these
texts; an answer that no longer sits at its offset is counted and reported). Either file
may be converted alone, so Simplified questions can be asked of a Traditional copy:

    python -m corpusqa.eval.variants_copy --to traditional \\
        --passages trial.passages.jsonl --questions trial.questions.jsonl OUT_DIR

writes ``OUT_DIR/trial.passages.jsonl`` and ``OUT_DIR/trial.questions.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable, Iterable

from corpusqa.answers.variants import to_simplified, to_traditional

CONVERTERS: dict[str, Callable[[str], str]] = {"traditional": to_traditional, "simplified": to_simplified}


def convert_passage(row: dict, convert: Callable[[str], str]) -> dict:
    """``row`` with its title and text converted (other fields kept)."""
    out = dict(row)
    for key in ("title", "text"):
        if isinstance(out.get(key), str):
            out[key] = convert(out[key])
    return out


def convert_question(row: dict, convert: Callable[[str], str]) -> dict:
    """``row`` with its question and answer texts converted (offsets and ids kept)."""
    out = dict(row)
    out["question"] = convert(out["question"])
    out["answers"] = [{**a, "text": convert(a["text"])} if isinstance(a, dict) else convert(a)
                      for a in out.get("answers") or []]
    return out


def misplaced_answers(passages: Iterable[dict], questions: Iterable[dict]) -> int:
    """Answers with an ``answer_start`` whose gold passage text no longer holds them there."""
    text = {str(p.get("pid", p.get("id"))): p.get("text") or "" for p in passages}
    bad = 0
    for q in questions:
        pids = [str(p) for p in q.get("gold_pids") or ()]
        for a in q.get("answers") or ():
            if not isinstance(a, dict) or a.get("answer_start") is None or not pids:
                continue
            start = int(a["answer_start"])
            if not any(text.get(p, "")[start:start + len(a["text"])] == a["text"] for p in pids):
                bad += 1
    return bad


def _read(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def _write(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


def copy_set(out_dir: Path, to: str = "traditional", passages: Path | None = None,
             questions: Path | None = None) -> dict[str, int]:
    """Write converted copies of ``passages`` and/or ``questions`` into ``out_dir``.

    Returns:
        Counts: ``passages``, ``questions`` written and ``misplaced`` answers (only when
        both files are given: answers whose offset no longer points at their text).
    """
    convert = CONVERTERS[to]
    counts = {"passages": 0, "questions": 0}
    prows = qrows = None
    if passages is not None:
        prows = [convert_passage(r, convert) for r in _read(Path(passages))]
        _write(Path(out_dir) / Path(passages).name, prows)
        counts["passages"] = len(prows)
    if questions is not None:
        qrows = [convert_question(r, convert) for r in _read(Path(questions))]
        _write(Path(out_dir) / Path(questions).name, qrows)
        counts["questions"] = len(qrows)
    if prows is not None and qrows is not None:
        counts["misplaced"] = misplaced_answers(prows, qrows)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m corpusqa.eval.variants_copy",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--to", choices=sorted(CONVERTERS), default="traditional")
    parser.add_argument("--passages", type=Path)
    parser.add_argument("--questions", type=Path)
    args = parser.parse_args(argv)
    if args.passages is None and args.questions is None:
        parser.error("give --passages, --questions or both")
    counts = copy_set(args.out_dir, args.to, args.passages, args.questions)
    print(json.dumps(counts, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
