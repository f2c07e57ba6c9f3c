"""Incremental near-duplicate links against the batch run, on a synthetic archive.

    .venv/bin/python scripts/dedupe-diff.py 30000            # the real MAX_DF (100)
    .venv/bin/python scripts/dedupe-diff.py 15000 --max-df 8 # where the df cap matters

Ingests N synthetic articles (the `bench scale --ingest` archive) file by file, then
prints how many links only the incremental index or only the batch run has, with the
exact containment of each (up to 8 per side): "Ingest at archive scale" in docs/indexing.md
figures at 15k and 30k articles.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from dataclasses import replace
from pathlib import Path

from corpusqa.bench.ingest import PER_FILE, _documents, _write
from corpusqa.bench.synthetic import SyntheticCorpus, default_passage_files
from corpusqa.corpus import dup_index
from corpusqa.corpus.dedupe import MAX_DF, containment, find_near_duplicates, shingles
from corpusqa.corpus.ingest import Ingestor
from corpusqa.settings import Settings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("articles", type=int)
    ap.add_argument("--max-df", type=int, default=MAX_DF, help="the df cap, for both methods")
    ap.add_argument("--benchmarks", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "benchmarks")
    args = ap.parse_args()
    dup_index.MAX_DF = args.max_df
    home = Path(tempfile.mkdtemp(prefix="dedupe-diff-"))
    docs = _documents(SyntheticCorpus(default_passage_files(args.benchmarks)).load(), args.articles,
                      random.Random(1))
    (home / "archive").mkdir()
    for f0 in range(0, len(docs), PER_FILE):
        _write(home / "archive" / f"archive-{f0 // PER_FILE:05d}.jsonl", docs[f0:f0 + PER_FILE])
    with Ingestor(replace(Settings.from_env(), home=home, progress=False)) as ingestor:
        ingestor.ingest([home / "archive"])
        store = ingestor.store
        articles = list(store.iter_articles())
        by_id = {a.id: a for a in articles}
        incremental = set(store.canonical_map().items())
        batch = {(lk.article_id, lk.canonical_id) for lk in find_near_duplicates(articles, max_df=args.max_df)}
    print(f"{args.articles} articles, max_df {args.max_df}: incremental {len(incremental)} links, "
          f"batch {len(batch)}; only incremental {len(incremental - batch)}, only batch {len(batch - incremental)}")
    for tag, diff in (("only incremental", incremental - batch), ("only batch", batch - incremental)):
        for a, c in sorted(diff)[:8]:
            score = containment(shingles(by_id[a].text), shingles(by_id[c].text))
            print(f"  {tag}: {a} -> {c} containment {score:.3f}")


if __name__ == "__main__":
    main()
