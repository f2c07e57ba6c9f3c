"""👍/👎 feedback on answers, kept in SQLite and exported as gold-set candidates.

One row per rated answer: a second click on the same answer changes the vote of
that row instead of adding another. Each call opens its own connection, so the
store is safe to share between the web server's worker threads.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Sequence

import sqlite_utils

from corpusqa.models import Answer

VOTES = ("up", "down")
TABLE = "feedback"
MAX_COMMENT_CHARS = 2000

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
    comment TEXT,
    question TEXT NOT NULL,
    rewritten_question TEXT NOT NULL,
    history TEXT NOT NULL DEFAULT '[]',
    answer TEXT,
    highlight TEXT,
    abstained INTEGER NOT NULL,
    confidence REAL NOT NULL,
    citations TEXT NOT NULL DEFAULT '[]',
    filters TEXT
);
"""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class FeedbackStore:
    """Feedback rows in ``path`` (created on first write).

    Args:
        path: SQLite file, normally ``settings.feedback_db_path``.
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)

    def _db(self) -> sqlite_utils.Database:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite_utils.Database(sqlite3.connect(str(self.path), timeout=10))
        db.executescript(_SCHEMA)
        return db

    def record(self, answer: Answer, vote: str, *, history: Sequence[dict[str, Any]] = (),
               filters: dict[str, Any] | None = None, comment: str | None = None) -> int:
        """Store a vote on ``answer``; returns the row id."""
        _check_vote(vote)
        now = _now()
        row = {
            "created_at": now, "updated_at": now, "vote": vote, "comment": _clean(comment),
            "question": answer.question, "rewritten_question": answer.rewritten_question,
            "history": json.dumps([{k: h.get(k) for k in ("question", "rewritten_question", "answer")}
                                   for h in history], ensure_ascii=False),
            "answer": answer.answer,
            "highlight": answer.highlight.text if answer.highlight else None,
            "abstained": int(answer.abstained), "confidence": float(answer.confidence),
            "citations": json.dumps([c.to_dict() for c in answer.citations], ensure_ascii=False),
            "filters": json.dumps(filters, ensure_ascii=False) if filters else None,
        }
        with closing(self._db().conn) as conn:
            with conn:
                cur = conn.execute(
                    f"INSERT INTO {TABLE} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                    list(row.values()))
            assert cur.lastrowid is not None  # set by the INSERT
            return int(cur.lastrowid)

    def update(self, row_id: int, *, vote: str | None = None, comment: str | None = None) -> None:
        """Change the vote and/or set the comment of an existing row."""
        changes: dict[str, Any] = {"updated_at": _now()}
        if vote is not None:
            _check_vote(vote)
            changes["vote"] = vote
        if comment is not None:
            changes["comment"] = _clean(comment)
        sets = ", ".join(f"{k} = ?" for k in changes)
        with closing(self._db().conn) as conn:
            with conn:
                conn.execute(f"UPDATE {TABLE} SET {sets} WHERE id = ?", [*changes.values(), int(row_id)])

    def rows(self) -> list[dict[str, Any]]:
        """All rows, oldest first, with JSON columns decoded."""
        if not self.path.exists():
            return []
        with closing(self._db().conn) as conn:
            db = sqlite_utils.Database(conn)
            out = []
            for r in db.query(f"SELECT * FROM {TABLE} ORDER BY id"):
                r["citations"] = json.loads(r["citations"] or "[]")
                r["history"] = json.loads(r["history"] or "[]")
                r["filters"] = json.loads(r["filters"]) if r["filters"] else None
                r["abstained"] = bool(r["abstained"])
                out.append(r)
            return out

    def export(self, path: Path | str) -> int:
        """Write gold-set candidates (JSONL, see ``gold_candidates``); returns the count."""
        items = list(gold_candidates(self.rows()))
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
        tmp.replace(path)
        return len(items)


def gold_candidates(rows: Sequence[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Feedback rows as gold JSONL items (``corpusqa.eval.gold`` format).

    👍 on an answer: ``gold_pids`` are the cited documents and ``answers`` the
    highlighted figure (the whole answer when nothing was highlighted). 👍 on an
    abstention: an unanswerable item (no pids, no answers). 👎: the right answer
    is unknown, so ``gold_pids`` and ``answers`` are empty and the item needs a
    human to complete it (tag ``needs_review``).
    """
    for r in rows:
        up = r["vote"] == "up"
        answered = up and not r["abstained"] and bool(r["answer"])
        pids = list(dict.fromkeys(c["doc_id"] for c in r["citations"])) if answered else []
        answers = [r["highlight"] or r["answer"]] if answered else []
        tags = ["feedback"]
        if up and r["abstained"]:
            tags.append("unanswerable")
        if not up:
            tags.append("needs_review")
        item = {"qid": f"fb{r['id']:05d}", "question": r["question"], "gold_pids": pids, "answers": answers,
                "feedback": r["vote"], "comment": r["comment"] or "", "tags": tags,
                "rewritten_question": r["rewritten_question"], "system_answer": r["answer"],
                "created_at": r["created_at"]}
        if r["history"]:
            item["history"] = r["history"]
        yield item


def _check_vote(vote: str) -> None:
    if vote not in VOTES:
        raise ValueError(f"vote must be one of {VOTES}, not {vote!r}")


def _clean(comment: str | None) -> str | None:
    comment = (comment or "").strip()
    return comment[:MAX_COMMENT_CHARS] or None
