"""What a Milvus server's failures look like to the user: one line, zh and en, saying what to do."""

from __future__ import annotations

import pytest

pytest.importorskip("pymilvus", reason="the corpusqa[milvus] extra is not installed")

from pymilvus.exceptions import MilvusException  # noqa: E402

from corpusqa.index.milvus import _connection_error  # noqa: E402

URI = "http://milvus.example:19530"


@pytest.mark.parametrize("exc", [
    MilvusException(code=1800, message="auth check failure, please check username and password are correct"),
    MilvusException(code=2, message="StatusCode.UNAUTHENTICATED: invalid credential"),
])
def test_refused_credentials_point_at_the_token(exc):
    err = _connection_error(URI, exc)
    assert err.key == "milvus.auth"
    assert "CORPUSQA_INDEX_TOKEN" in err.message("en") and "CORPUSQA_INDEX_TOKEN" in err.message("zh")
    assert "refused the credentials" in err.message("en") and "拒绝了登录凭据" in err.message("zh")
    assert all("\n" not in err.message(lang) and URI in err.message(lang) for lang in ("zh", "en"))


def test_a_server_that_does_not_answer_points_at_the_uri():
    err = _connection_error(URI, MilvusException(code=2, message="Fail connecting to server on milvus.example:19530"))
    assert err.key == "milvus.unreachable"
    assert "--index-uri" in err.message("en") and "无法连接" in err.message("zh")
