"""A public set copied into the other Chinese script (OpenCC), to check script folding.

Converts the passages' ``title`` and ``text`` and the questions' ``question`` and answer
texts; ids, ``gold_pids`` and ``answer_start`` are kept (OpenCC keeps the length of these
texts; an answer that no longer sits at its offset is counted and reported). Either file
may be converted alone, so Simplified questions can be asked of a Traditional copy:

    corpusqa data script-copy OUT_DIR --to traditional \\
        --passages trial.passages.jsonl --questions trial.questions.jsonl

writes ``OUT_DIR/trial.passages.jsonl`` and ``OUT_DIR/trial.questions.jsonl``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

from corpusqa.answers.variants import to_simplified, to_traditional
from corpusqa.errors import InputError
from corpusqa.eval.gold import read_jsonl, write_jsonl

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


def copy_set(out_dir: Path, to: str = "traditional", passages: Path | None = None,
             questions: Path | None = None) -> dict[str, int]:
    """Write converted copies of ``passages`` and/or ``questions`` into ``out_dir``.

    Returns:
        Counts: ``passages``, ``questions`` written and ``misplaced`` answers (only when
        both files are given: answers whose offset no longer points at their text).

    Raises:
        InputError: neither file is given, or one is missing or malformed.
    """
    if passages is None and questions is None:
        raise InputError("data.copy_nothing")
    convert = CONVERTERS[to]
    # both files are read (and checked) before either copy is written
    prows = None if passages is None else [convert_passage(r, convert) for r in read_jsonl(passages)]
    qrows = None if questions is None else [convert_question(r, convert)
                                            for r in read_jsonl(questions, ("question",))]
    counts = {"passages": 0, "questions": 0}
    if prows is not None:
        assert passages is not None  # prows was read from it
        counts["passages"] = write_jsonl(Path(out_dir) / Path(passages).name, prows)
    if qrows is not None:
        assert questions is not None  # qrows was read from it
        counts["questions"] = write_jsonl(Path(out_dir) / Path(questions).name, qrows)
    if prows is not None and qrows is not None:
        counts["misplaced"] = misplaced_answers(prows, qrows)
    return counts
