"""A local Ray start that times out on a busy machine is retried, and a lasting failure says so once."""

from __future__ import annotations

import pytest

pytest.importorskip("ray", reason="Ray is not installed: pip install 'corpusqa[bulk]' (or make setup)")
pytest.importorskip("pymilvus", reason="the corpusqa[milvus] extra is not installed")

import ray  # noqa: E402

from corpusqa.errors import SearchIndexError  # noqa: E402
from corpusqa.index import bulk  # noqa: E402


@pytest.fixture
def fake_ray(monkeypatch):
    """ray.init fails as often as ``calls['fail']`` says (Ray's own bare Exception), then starts."""
    calls = {"init": 0, "shutdown": 0, "fail": 0}

    def init(**kwargs):
        calls["init"] += 1
        calls["kwargs"] = kwargs
        if calls["init"] <= calls["fail"]:
            raise Exception("The current node timed out during startup.")  # noqa: TRY002 - as Ray does

    monkeypatch.setattr(ray, "init", init)
    monkeypatch.setattr(ray, "shutdown", lambda: calls.__setitem__("shutdown", calls["shutdown"] + 1))
    monkeypatch.setattr(bulk.time, "sleep", lambda s: None)
    return calls


def test_a_start_that_timed_out_is_retried(fake_ray):
    fake_ray["fail"] = 2
    bulk.start_local_ray(3)
    assert fake_ray["init"] == 3 and fake_ray["shutdown"] == 2
    assert fake_ray["kwargs"]["num_cpus"] == 3 and fake_ray["kwargs"]["include_dashboard"] is False


def test_a_start_that_keeps_failing_raises_one_clear_error(fake_ray):
    fake_ray["fail"] = 99
    with pytest.raises(SearchIndexError, match="did not start after 3 tries: The current node timed out"):
        bulk.start_local_ray(3)
    assert fake_ray["init"] == 3
