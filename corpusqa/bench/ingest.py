"""The ingest phase of `corpusqa bench scale`: a synthetic archive through the real ingest.

An archive of ``n`` articles (synthetic, see ``synthetic.py``) is written as JSONL files
of ``PER_FILE`` articles; one article in fifty is a reprint of an earlier one in another
file (an excerpt, or the whole story with a paragraph cut), so near-duplicate detection
has real work. The phase times:

* the whole archive through ``Ingestor.ingest`` (files/s, articles/s, peak RSS);
* adding one more file (ten articles, one of them a reprint) to the full corpus, the
  near-duplicate links included: what a one-file upload costs;
* the baseline: the batch near-duplicate run over every article, which is what each
  ingest cost before the index was incremental.

Nothing is embedded: the index is not built here (``build`` measures that).
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import replace
from pathlib import Path

from corpusqa.bench.report import peak_rss_mb
from corpusqa.settings import Settings

PER_FILE = 100
REPRINT_EVERY = 50
ADDED = 10  # articles in the one file added at the end


def ingest_phase(home: Path, n_articles: int, bench_root: Path | None) -> dict:
    """Write ``n_articles`` as JSONL files under ``home``, ingest them, then add one file."""
    from corpusqa.bench.synthetic import SyntheticCorpus, default_passage_files
    from corpusqa.corpus.dedupe import find_near_duplicates
    from corpusqa.corpus.ingest import Ingestor

    settings = replace(Settings.from_env(), home=home, progress=False)
    corpus = SyntheticCorpus(default_passage_files(bench_root)).load()
    rng = random.Random(1)
    folder = home / "archive"
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    docs = _documents(corpus, n_articles + ADDED, rng)
    added, docs = docs[-ADDED:], docs[:-ADDED]
    for f0 in range(0, len(docs), PER_FILE):
        _write(folder / f"archive-{f0 // PER_FILE:05d}.jsonl", docs[f0:f0 + PER_FILE])
    out: dict = {"articles_target": n_articles, "files": -(-len(docs) // PER_FILE),
                 "generate_s": round(time.perf_counter() - t0, 3)}

    with Ingestor(settings) as ingestor:
        t0 = time.perf_counter()
        report = ingestor.ingest([folder])
        out["ingest_s"] = round(time.perf_counter() - t0, 3)
        out["articles"] = report.articles
        out["files_per_s"] = round(out["files"] / out["ingest_s"], 2)
        out["articles_per_s"] = round(report.articles / out["ingest_s"], 1)
        out["peak_rss_mb"] = round(peak_rss_mb(), 1)
        out["duplicates"] = report.duplicates

        extra = home / "added.jsonl"
        added[0] = {**added[0], "text": _reprint(docs[len(docs) // 2]["text"], rng)}
        _write(extra, added)
        t0 = time.perf_counter()
        report = ingestor.ingest([extra])
        out["add_file_s"] = round(time.perf_counter() - t0, 3)
        out["add_file_articles"] = ADDED
        out["add_file_duplicates"] = report.duplicates - out["duplicates"]

        store = ingestor.store
        out["dup_index"] = store.dups.stats()
        t0 = time.perf_counter()
        articles = list(store.iter_articles())
        links = find_near_duplicates(articles)
        out["batch_dedupe_s"] = round(time.perf_counter() - t0, 3)
        out.update(_compare(store.canonical_map(), links, {a.id: a for a in articles}))
        del articles, links
    out["db_mb"] = round(settings.db_path.stat().st_size / 1e6, 1)
    out["add_vs_batch"] = round(out["add_file_s"] / out["batch_dedupe_s"], 4) if out["batch_dedupe_s"] else None
    return out


def _compare(incremental: dict[str, str], links, by_id: dict) -> dict:
    """How the incremental links differ from the batch run's, and whether each link only the
    incremental index has is a true near-duplicate (exact containment at the threshold).

    The batch run proposes pairs from shingles held by at most ``MAX_DF`` articles of the
    final corpus; the index looked up fingerprints as the corpus grew, when fewer articles
    held them, so in a corpus with much shared text it finds true pairs the batch run misses.
    """
    from corpusqa.corpus.dedupe import DEFAULT_THRESHOLD, containment, shingles

    batch = {lk.article_id: lk.canonical_id for lk in links}
    only_inc = {a: c for a, c in incremental.items() if batch.get(a) != c}
    only_batch = {a: c for a, c in batch.items() if incremental.get(a) != c}
    true = sum(containment(shingles(by_id[a].text), shingles(by_id[c].text)) >= DEFAULT_THRESHOLD
               for a, c in only_inc.items())
    return {"batch_matches": not only_inc and not only_batch, "links_only_incremental": len(only_inc),
            "links_only_batch": len(only_batch), "only_incremental_true": true}


def _documents(corpus, n: int, rng: random.Random) -> list[dict]:
    docs: list[dict] = []
    for i, (title, body) in enumerate(corpus.raw_articles(n * 3)):
        if len(docs) == n:
            break
        text = "\n".join(p.replace("\n", "") for p in body.split("\n\n"))
        if docs and i % REPRINT_EVERY == REPRINT_EVERY - 1:
            text = _reprint(rng.choice(docs)["text"], rng)
        docs.append({"id": f"a{i:07d}", "title": title, "text": text,
                     "date": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"})
    return docs


def _reprint(text: str, rng: random.Random) -> str:
    """An excerpt (the first paragraphs) or the whole story less one paragraph."""
    paras = text.split("\n")
    if len(paras) > 2 and rng.random() < 0.5:
        del paras[rng.randrange(len(paras))]
        return "\n".join(paras)
    return "\n".join(paras[:max(1, len(paras) - 1)])


def _write(path: Path, docs: list[dict]) -> None:
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
