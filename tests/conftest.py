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
