"""A Milvus build SIGKILLed mid-way leaves the alias on the old collection, still answering."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from corpusqa.settings import Settings
from tests.retrieval.conftest import ARTICLES

pytest.importorskip("pymilvus", reason="the corpusqa[milvus] extra is not installed")
pytest.importorskip("milvus_lite", reason="the corpusqa[milvus] extra is not installed")

from corpusqa.index.milvus import MilvusIndex  # noqa: E402

REPO = Path(__file__).resolve().parents[2]

# Builds every article one row per insert and stops for good once two are inserted.
_BUILDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from corpusqa.index.milvus import MilvusIndex
    from corpusqa.settings import Settings
    from tests.retrieval.conftest import ARTICLES, make_article

    uri, marker, home = sys.argv[1:4]
    def articles():
        for i in range(200):
            if i == 2:
                Path(marker).write_text("inserted")
                time.sleep(600)
            yield make_article(f"n{i}", [f"新华社消息，第{i}届草原音乐节开幕。"], f"音乐节{i}", "new.txt")
    MilvusIndex(uri, Settings(home=Path(home), encoder="hash:32", progress=False), insert_rows=1).build(articles())
""")


def test_sigkill_during_build_keeps_the_old_alias_answering(tmp_path):
    settings = Settings(home=tmp_path / "home", encoder="hash:32", progress=False)
    uri = tmp_path / "m.db"
    old = MilvusIndex(uri, settings)
    first = old.build(ARTICLES).collection
    old.close()

    marker = tmp_path / "marker"
    proc = subprocess.Popen([sys.executable, "-c", _BUILDER, str(uri), str(marker), str(settings.home)],
                            cwd=REPO, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while not marker.exists():
            assert proc.poll() is None, proc.stdout.read().decode(errors="replace")[-2000:]
            assert time.monotonic() < deadline, "the build never reached its second article"
            time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # our own child's session only
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    # every batch the killed build embedded was committed to the home's vector cache
    # (4 vectors of the first build, then one per inserted row: the rerun embeds only the rest)
    from corpusqa.index.vector_cache import VectorCache, cache_path

    with VectorCache(cache_path(settings, settings.index_dir)) as vc:
        assert sum(e["vectors"] for e in vc.stats()["encoders"].values()) >= 4 + 2

    index = MilvusIndex(uri, settings).load()
    assert index.version == first
    hits = index.lexical_search("那达慕大会游客", 3)
    assert hits and hits[0].article_id == "a3"
    assert index.lexical_search("草原音乐节", 5) == []  # nothing of the killed build is served
    names = [n for n in index.client().list_collections() if n.startswith("corpusqa_v")]
    orphans = set(names) - {first}
    assert len(orphans) <= 1  # the killed build's collection, if lite kept it

    second = index.build(ARTICLES[:2])
    names = {n for n in index.client().list_collections() if n.startswith("corpusqa_v")}
    assert names == {first, second.collection}  # the orphan was dropped, the previous kept
    assert index.lexical_search("那达慕大会游客", 3) == []
    index.close()
