"""Fixtures for hostile-input and fault tests: one small indexed home, CLI and state checks.

The shared home holds two pages of the bundled sample (the 14542 article and its
near-duplicate reprint: 10 articles) indexed with the deterministic ``hash:64`` encoder
(no model), built once per session; small, so a test can afford to rebuild it. Tests
that change a home copy it first.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from corpusqa.cli import main

ENCODER = "hash:64"
QUESTION = "全区建成了多少个一站式党群服务中心？"
ANSWER = "14542个"
PAGES = ("000_1a2e3e8d63f9a08f.txt", "001_c7d8dfeb6aa45dac.txt")  # 2 + 8 articles, one reprint
SAMPLE_ARTICLES = 10
SAMPLE_SOURCES = 2
REPO = Path(__file__).parents[2]  # not resolved: the checkout under test


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, shared_jieba):
    for name in ("CORPUSQA_LANG", "CORPUSQA_ENCODER", "CORPUSQA_HOME", "CORPUSQA_RERANKER"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def indexed_home(tmp_path_factory, sample_dir, shared_jieba) -> Path:
    """Two sample pages ingested and indexed with ``hash:64`` (read-only: copy it to change it)."""
    home = tmp_path_factory.mktemp("hostile") / "home"
    base = ["--home", str(home), "--encoder", ENCODER, "--silent"]
    assert main([*base, "ingest", *(str(sample_dir / name) for name in PAGES)]) == 0
    assert main([*base, "index", "build"]) == 0
    assert_sample_intact(home)
    return home


@pytest.fixture
def home_copy(indexed_home, tmp_path) -> Path:
    """A private copy of the indexed home."""
    home = tmp_path / "home"
    shutil.copytree(indexed_home, home)
    return home


@pytest.fixture
def cli(capsys):
    """``cli(home, *args, lang=None, encoder=ENCODER) -> Result`` through ``corpusqa.cli.main``."""

    def run(home: Path | None, *args: str, lang: str | None = None, encoder: str | None = ENCODER) -> Result:
        argv = ["--silent"]
        if home is not None:
            argv += ["--home", str(home)]
        if encoder:
            argv += ["--encoder", encoder]
        if lang:
            argv += ["--lang", lang]
        capsys.readouterr()
        code = main([*argv, *args])
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


def spawn(home: Path, *args: str, encoder: str = ENCODER) -> subprocess.Popen:
    """``corpusqa`` in a child process (for SIGKILL and lock tests)."""
    env = {**os.environ, "CORPUSQA_HOME": str(home), "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    env.pop("CORPUSQA_LANG", None)
    return subprocess.Popen([sys.executable, "-m", "corpusqa.cli", "--silent", "--encoder", encoder, *args],
                            env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def assert_one_error_line(result: Result, *needles: str, lang: str = "zh") -> str:
    """A failed command: non-zero exit, one line on stderr in ``lang``, no traceback."""
    err = result.err.strip()
    assert result.code != 0, result
    assert "Traceback" not in result.err and "Traceback" not in result.out
    assert len(err.splitlines()) == 1, err
    assert err.startswith("错误: " if lang == "zh" else "Error: "), err
    for needle in needles:
        assert needle in err, err
    return err


def assert_answers(cli, home: Path, encoder: str = ENCODER) -> None:
    """``corpusqa ask`` answers the sample question with its highlighted figure."""
    res = cli(home, "ask", QUESTION, encoder=encoder)
    assert res.code == 0, res
    assert f"【{ANSWER}】" in res.out, res.out


def db_counts(home: Path) -> dict[str, int]:
    """Integrity-checked counts of the corpus database (opened read-only)."""
    conn = sqlite3.connect(f"file:{home / 'corpus.db'}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"sources", "articles", "paragraphs", "duplicates", "meta"} <= tables
        q = {"articles": "SELECT count(*) FROM articles", "sources": "SELECT count(*) FROM sources",
             "paragraphs": "SELECT count(*) FROM paragraphs", "duplicates": "SELECT count(*) FROM duplicates",
             # a source whose article count disagrees with its rows was stored by halves
             "torn_sources": "SELECT count(*) FROM sources s WHERE n_articles != "
                             "(SELECT count(*) FROM articles a WHERE a.source = s.name)"}
        return {k: conn.execute(sql).fetchone()[0] for k, sql in q.items()}
    finally:
        conn.close()


def assert_sample_intact(home: Path) -> None:
    counts = db_counts(home)
    assert counts["articles"] == SAMPLE_ARTICLES and counts["sources"] == SAMPLE_SOURCES, counts
    assert counts["torn_sources"] == 0 and counts["duplicates"] == 1, counts
