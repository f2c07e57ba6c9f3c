"""`corpusqa eval --index-uri` on the bundled gold set: the same answer-contained@1 as the embedded index.

Lexical configuration (``lexical:none``) with the cheap ranker (``--verifier none``: the
comparison is of the index backends, and the verifier would double the time): the embedded
BM25 postings and Milvus' BM25 over our own tokens rank alike (``test_milvus_gold.py``), so
every answer should come out the same. To keep the suite short both runs take the first
``LIMIT`` gold questions (100 questions took three minutes for both runs on a busy 2-core
machine); the whole set and the hybrid configuration were compared by hand
(docs/milvus.md: equal answer-contained@1 on all 226 questions).
"""

from __future__ import annotations

import json

import pytest

from corpusqa.cli import main

pytestmark = pytest.mark.integration

pytest.importorskip("pymilvus", reason="the corpusqa[milvus] extra is not installed")
pytest.importorskip("milvus_lite", reason="the corpusqa[milvus] extra is not installed")

CONFIG = "lexical:none"
LIMIT = 60


def _eval(home, capsys, *extra: str) -> dict:
    capsys.readouterr()
    assert main(["--home", str(home), "--silent", "--verifier", "none", "eval", "--config", CONFIG, "--limit", str(LIMIT),
                 "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)["results"][CONFIG]


def test_eval_on_milvus_lite_matches_the_embedded_index(tmp_path, capsys):
    embedded = _eval(tmp_path / "home", capsys)
    milvus = _eval(tmp_path / "home", capsys, "--index-uri", str(tmp_path / "eval-milvus.db"))
    print(f"\nanswer-contained@1 embedded {embedded['answer_contained@1']:.3f}, "
          f"milvus-lite {milvus['answer_contained@1']:.3f}")
    assert (tmp_path / "eval-milvus.db").exists()
    assert milvus["questions"] == embedded["questions"] == LIMIT and milvus["errors"] == 0
    assert abs(milvus["answer_contained@1"] - embedded["answer_contained@1"]) <= 0.01
    assert abs(milvus["recall@1"] - embedded["recall@1"]) <= 0.01
    assert milvus["citation_validity"] == 1.0
