"""The incremental near-duplicate index gives the batch reference's links after every change."""

from __future__ import annotations

import random
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from corpusqa.corpus.dedupe import MAX_DF, fingerprints, find_near_duplicates, shingle_sequence
from corpusqa.corpus.dup_index import META_KEY
from corpusqa.corpus.ingest import Ingestor, default_corpus_paths
from corpusqa.corpus.store import CorpusStore
from corpusqa.models import Article
from corpusqa.settings import Settings

ALPHABET = [chr(c) for c in range(0x4E00, 0x4E00 + 2500)]


def links(store: CorpusStore) -> list[tuple[str, str, float]]:
    return sorted(store.db.execute("SELECT article_id, canonical_id, score FROM duplicates").fetchall())


def batch_links(store: CorpusStore) -> list[tuple[str, str, float]]:
    found = find_near_duplicates(list(store.iter_articles()))
    assert store.canonical_map() == {lk.article_id: lk.canonical_id for lk in found}
    return sorted((lk.article_id, lk.canonical_id, lk.score) for lk in found)


def art(aid: str, source: str, position: int, text: str) -> Article:
    return Article(id=aid, source=source, position=position, title="", text=text, paragraphs=())


def sample_files() -> list[Path]:
    files = default_corpus_paths()
    assert len(files) >= 2, "the bundled sample corpus is missing"
    return files


@pytest.mark.parametrize("reverse", [False, True])
def test_sample_corpus_links_equal_the_batch_run_file_by_file(tmp_path, reverse):
    files = sample_files()[::-1] if reverse else sample_files()
    settings = replace(Settings.from_env(), home=tmp_path, progress=False)
    with Ingestor(settings) as ingestor:
        for f in files:
            ingestor.ingest([f])
            assert links(ingestor.store) == batch_links(ingestor.store)
        assert len(links(ingestor.store)) >= 1  # the same story printed in two files
        ingestor.ingest(files[:1] if reverse else files[-1:])  # unchanged: nothing moves
        assert links(ingestor.store) == batch_links(ingestor.store)


def _story(rng: random.Random, n: int) -> str:
    paras = ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(30, 90))) for _ in range(n)]
    return "。\n".join(paras) + "。"


def _variant(rng: random.Random, text: str) -> str:
    kind = rng.choice(["excerpt", "cut", "punct", "append", "same"])
    if kind == "excerpt":
        start = rng.randint(0, len(text) // 3)
        return text[start:start + rng.randint(len(text) // 2, len(text) - start)]
    if kind == "cut":
        a = rng.randint(0, len(text) // 2)
        return text[:a] + text[a + rng.randint(10, len(text) // 4):]
    if kind == "punct":
        return text.replace("。", ", ").replace("\n", " ")
    if kind == "append":
        return text + _story(rng, 2)
    return text


def test_random_reprints_edits_and_removals_match_the_batch_run_after_every_step():
    rng = random.Random(11)
    stories = [_story(rng, rng.randint(1, 5)) for _ in range(10)]
    store = CorpusStore(":memory:")
    files: dict[str, list[Article]] = {}
    seen = 0
    for step in range(50):
        action = rng.random()
        if action < 0.8 or len(files) < 3:  # a new or replaced file of reprints and fresh stories
            name = f"f{rng.randint(0, 9)}.txt"
            texts = [_variant(rng, rng.choice(stories)) if rng.random() < 0.85 else _story(rng, 2)
                     for _ in range(rng.randint(1, 4))]
            files[name] = [art(f"{name}-{step}-{i}", name, i, t) for i, t in enumerate(texts)]
            store.replace_source({"name": name, "sha256": str(step)}, files[name])
        elif action < 0.9:
            name = rng.choice(sorted(files))
            store.remove_source(name)
            del files[name]
        else:
            name = rng.choice(sorted(files))
            victim = rng.choice(files[name])
            store.remove(article_ids=[victim.id])
            files[name].remove(victim)
        assert links(store) == batch_links(store), f"step {step}"
        seen = max(seen, len(links(store)))
    assert seen >= 8  # the run did exercise linking


def test_one_thousand_copies_of_a_stock_paragraph_stay_cheap_and_correct():
    rng = random.Random(3)
    stock = _story(rng, 1)
    store = CorpusStore(":memory:")
    for i in range(MAX_DF + 20):  # the stock paragraph's fingerprints become too common to look up
        store.replace_source({"name": f"s{i}.txt"}, [art(f"s{i}", f"s{i}.txt", 0, stock + _story(rng, 3))])
    full = _story(rng, 4)
    store.replace_source({"name": "full.txt"}, [art("full", "full.txt", 0, stock + full)])
    store.replace_source({"name": "reprint.txt"}, [art("reprint", "reprint.txt", 0, full[:-20])])
    assert ("reprint", "full") in {(a, c) for a, c, _ in links(store)}
    assert links(store) == batch_links(store)


def test_a_database_from_before_the_index_is_indexed_once(tmp_path):
    path = tmp_path / "corpus.sqlite"
    rng = random.Random(5)
    text = _story(rng, 3)
    with CorpusStore(path) as store:
        store.replace_source({"name": "a.txt"}, [art("a", "a.txt", 0, text)])
        store.replace_source({"name": "b.txt"}, [art("b", "b.txt", 0, text[:-15])])
        assert links(store) == [("b", "a", pytest.approx(1.0))]
        with store.db.atomic():  # what an older version leaves: no index, no links
            for table in ("dup_fingerprints", "dup_pairs", "duplicates"):
                store.db.execute(f"DELETE FROM {table}")
            store.db.execute("UPDATE articles SET canonical_id = NULL")
            store.db.execute("DELETE FROM meta WHERE key = ?", [META_KEY])
    with CorpusStore(path) as store:
        assert links(store) == []
        store.ensure_duplicate_index()
        assert links(store) == batch_links(store) == [("b", "a", pytest.approx(1.0))]
        assert store.dups.stats()["pairs"] == 1


def test_a_failed_replacement_leaves_links_and_index_as_they_were():
    rng = random.Random(8)
    text = _story(rng, 3)
    store = CorpusStore(":memory:")
    store.replace_source({"name": "a.txt"}, [art("a", "a.txt", 0, text)])
    store.replace_source({"name": "b.txt"}, [art("b", "b.txt", 0, text[:-10])])
    before = (links(store), store.dups.stats())
    clash = art("c", "b.txt", 0, text)
    with pytest.raises(sqlite3.IntegrityError):
        store.replace_source({"name": "b.txt"}, [clash, clash])
    assert (links(store), store.dups.stats()) == before


def test_fingerprints_are_shared_by_any_long_enough_common_run():
    rng = random.Random(1)
    common = "".join(rng.choice(ALPHABET) for _ in range(28))  # WINDOW + SHINGLE - 1 letters
    for _ in range(20):
        a = _story(rng, 1) + common + _story(rng, 1)
        b = _story(rng, 2) + common
        shared = set(fingerprints(shingle_sequence(a)).tolist()) & set(fingerprints(shingle_sequence(b)).tolist())
        assert shared
    seq = shingle_sequence(_story(rng, 3))
    assert 0 < len(fingerprints(seq)) < 0.2 * len(seq)
