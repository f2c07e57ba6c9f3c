"""Cross-lingual gold set: questions of one language, gold of another (XQuAD).

XQuAD gives the same questions (same ``qid``) in several languages. To ask the
English questions against the Chinese passages, take each English question and
the Chinese record's ``gold_pids`` and ``answers``:

    corpusqa data crosslingual part1.en.questions.jsonl \\
        part1.zh.questions.jsonl en-on-zh.questions.jsonl
"""

from __future__ import annotations


def join_by_qid(questions: list[dict], gold: list[dict]) -> list[dict]:
    """Records with ``question`` from ``questions`` and the rest from ``gold`` (same qid)."""
    by_qid = {g["qid"]: g for g in gold}
    out = []
    for q in questions:
        g = by_qid.get(q["qid"])
        if g is not None:
            out.append({**g, "question": q["question"], "question_lang": q.get("lang")})
    return out
