"""The public benchmark splits (``../shared/benchmarks``): where they are and how to read them.

A split is a path prefix: ``PREFIX.passages.jsonl`` (``pid, title, text``) and
``PREFIX.questions.jsonl`` (``qid, question, gold_pids, answers``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from corpusqa.models import Article, Paragraph


def default_benchmarks() -> Path | None:
    """``../shared/benchmarks`` beside the repository, if it is there."""
    here = Path(__file__).resolve().parents[2]
    for cand in (here.parent / "shared" / "benchmarks", here / "benchmarks"):
        if (cand / "cmrc2018").is_dir():
            return cand
    return None


def passages_as_articles(path: Path) -> Iterator[Article]:
    """Articles from a ``{pid, title, text}`` JSON-lines file (id = pid)."""
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            d = json.loads(line)
            text = d["text"]
            paras, pos = [], 0
            for j, para in enumerate(text.split("\n")):
                paras.append(Paragraph(j, pos, pos + len(para)))
                pos += len(para) + 1
            yield Article(id=d["pid"], source=path.name, position=i, title=d.get("title", ""), text=text,
                          paragraphs=tuple(paras))


def load_questions(path: Path) -> list[dict]:
    """Every question of a ``*.questions.jsonl`` file, as dicts."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def sample_texts(passage_file: Path, n: int, size: int = 250) -> list[str]:
    """``n`` chunk-sized texts cut from a ``*.passages.jsonl`` file."""
    out: list[str] = []
    with open(passage_file, encoding="utf-8") as f:
        for line in f:
            text = json.loads(line)["text"].replace("\n", "")
            out.extend(text[i:i + size] for i in range(0, len(text) - 50, size))
            if len(out) >= n:
                break
    return out[:n]
