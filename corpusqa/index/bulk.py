"""Build a Milvus index in parallel: Ray Data writes the rows to Parquet, then one load publishes them.

An archive too big to embed on one machine is built in two stages:

1. :func:`export`: articles (Parquet or JSONL files, e.g. written by :func:`write_articles`
   from the corpus database) are read by a Ray Data dataset; ``map_batches`` hands batches
   of articles to a pool of actors, each holding one tokenizer and one encoder loaded once
   (:class:`RowMaker`), which chunk, tokenize and embed them into collection rows; the rows
   are written as Parquet (one row per chunk, the vector a fixed-size float32 list), and a
   ``bulk.json`` beside them says which encoder, tokenizer and chunker made them.
2. :func:`load`: streams the Parquet into a new collection through ``MilvusIndex``'s own
   versioned build (manifest in the collection properties, alias moved at the end, the
   previous collection kept), after refusing rows made with another encoder or tokenizer
   than the index is opened with. Queries then run exactly as after ``index build``.

Scaling: pass ``address`` (``auto`` on a node of a running cluster, or ``ray://head:10001``)
and set ``workers`` to the actors wanted (each takes one CPU); every node needs corpusqa and
the encoder installed (the same image, or a ``runtime_env``). The articles may be a
``s3://``/``gs://`` URI (Ray Data reads it directly); the output folder must be a path
every node and the driver see (NFS or a mounted bucket). Each worker embeds only its own
batches, so export time falls with the number of workers until reading or writing
saturates. The rows are the same whoever made them: every writer builds them with
``milvus.collection_rows``. The vector cache of a home is not used here (workers on other
machines cannot share one SQLite file).

Loading goes through the client (``insert``), which suits milvus-lite and a few million
rows. For a real cluster and a very large archive, Milvus' bulk import reads Parquet from
the object storage its data nodes use: copy ``rows/*.parquet`` into the Milvus bucket,
create the collection with ``MilvusIndex``'s schema, call pymilvus'
``bulk_import(url, collection_name=..., files=[[...]])`` and poll
``get_import_progress``, then write the manifest property and move the alias as
:meth:`MilvusIndex.build_from_rows` does. Not built here: it needs a Milvus with MinIO/S3.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import numpy as np

from corpusqa import __version__
from corpusqa.errors import SearchIndexError
from corpusqa.index import manifest as mf
from corpusqa.index.chunking import Chunker
from corpusqa.index.encoders import Encoder, load_encoder
from corpusqa.index.milvus import MilvusIndex, MilvusReport, collection_rows
from corpusqa.index.tokenizer import ChineseTokenizer
from corpusqa.models import Article

logger = logging.getLogger(__name__)

BULK_MANIFEST = "bulk.json"
FORMAT = "corpusqa-milvus-rows"
FORMAT_VERSION = 1
ROWS_DIR = "rows"
#: The call a mismatch error tells the user to redo (there is no CLI command for it yet).
EXPORT_COMMAND = "corpusqa.index.bulk.export"
#: Object store of a local Ray: blocks beyond it spill to disk, so memory stays modest.
LOCAL_OBJECT_STORE = 512 * 1024 * 1024
_STRINGS = ("chunk_id", "article_id", "text", "sentences", "tokens", "date", "source", "title", "section",
            "story_id", "article_sha")
ARTICLE_COLUMNS = ("id", "source", "position", "title", "text", "date", "section", "story_id")
#: Tries at starting a local Ray: its raylet must register within a fixed 30 s, which a
#: loaded 2-core machine sometimes misses ("The current node timed out during startup").
LOCAL_START_TRIES = 3


def row_schema(dim: int | None):
    """The Parquet schema of the rows: the collection's fields, ``vec`` as ``fixed_size_list<float32>``."""
    import pyarrow as pa

    fields = [pa.field(n, pa.string()) for n in _STRINGS[:2]]
    fields += [pa.field("ordinal", pa.int32()), pa.field("start", pa.int64()), pa.field("end", pa.int64())]
    fields += [pa.field(n, pa.string()) for n in _STRINGS[2:]]
    if dim:
        fields.append(pa.field("vec", pa.list_(pa.float32(), dim)))
    return pa.schema(fields)


def rows_table(rows: list[dict[str, Any]], vectors: np.ndarray | None, dim: int | None):
    """``rows`` (and their vectors, one per row) as an Arrow table of :func:`row_schema`."""
    import pyarrow as pa

    schema = row_schema(dim)
    columns = {f.name: [r[f.name] for r in rows] for f in schema if f.name != "vec"}
    arrays = [pa.array(columns[f.name], type=f.type) for f in schema if f.name != "vec"]
    if dim:
        flat = pa.array(np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1), type=pa.float32())
        arrays.append(pa.FixedSizeListArray.from_arrays(flat, dim))
    return pa.Table.from_arrays(arrays, schema=schema)


def write_articles(articles: Iterable[Article], folder: str | Path, canonical: Mapping[str, str] | None = None,
                   per_file: int = 5000) -> int:
    """Write articles as Parquet files of ``per_file`` articles each (the input of :func:`export`).

    Streams: at most ``per_file`` articles are held at once. ``story_id`` is the canonical
    article id of a duplicate (``CorpusStore.canonical_map``), else the article's own.

    Returns:
        the number of articles written.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    canonical = canonical or {}
    schema = pa.schema([pa.field(c, pa.int64() if c == "position" else pa.string()) for c in ARTICLE_COLUMNS])
    batch: list[dict[str, Any]] = []
    count = files = 0

    def flush() -> None:
        nonlocal files
        pq.write_table(pa.Table.from_pylist(batch, schema=schema), folder / f"articles-{files:05d}.parquet")
        files += 1
        batch.clear()

    for a in articles:
        batch.append({"id": a.id, "source": a.source, "position": a.position, "title": a.title, "text": a.text,
                      "date": a.date, "section": a.section, "story_id": canonical.get(a.id, a.id)})
        count += 1
        if len(batch) >= per_file:
            flush()
    if batch:
        flush()
    return count


def _article(rec: Mapping[str, Any]) -> Article:
    return Article(id=str(rec["id"]), source=rec.get("source") or "", position=int(rec.get("position") or 0),
                   title=rec.get("title") or "", text=rec["text"], paragraphs=(), date=rec.get("date") or None,
                   section=rec.get("section") or None)


class RowMaker:
    """A Ray actor's work: a batch of articles in, their collection rows out.

    The tokenizer and the encoder are loaded once per actor, in the constructor, and
    checked against what the driver recorded in ``bulk.json`` (a worker node with another
    jieba, dictionary or model file would otherwise write rows that do not match).

    Args:
        spec: what :func:`export` records: ``chunker`` args, ``user_dict``, ``encoder``
            spec, ``device``, ``encode_batch`` and the expected ``tokenizer`` settings and
            ``fingerprint``.
    """

    def __init__(self, spec: dict[str, Any]):
        self.chunker = Chunker(**spec["chunker"])
        self.tokenizer = ChineseTokenizer(user_dict=spec["user_dict"], bigrams=True).load()
        mf.check_tokenizer({"tokenizer": spec["tokenizer"]}, self.tokenizer.settings())
        self.encoder = load_encoder(spec["encoder"], device=spec["device"])
        if self.encoder is not None:
            self.encoder.load()
            mf.check_fingerprint({"encoder": {"name": self.encoder.name, "fingerprint": spec["fingerprint"]}},
                                 self.encoder.fingerprint)
        self.encode_batch = int(spec["encode_batch"])

    def __call__(self, batch):
        rows: list[dict[str, Any]] = []
        texts: list[str] = []
        for rec in batch.to_pylist():
            for row, text in collection_rows(_article(rec), self.chunker, self.tokenizer, rec.get("story_id")):
                rows.append(row)
                texts.append(text)
        dim = self.encoder.dim if self.encoder is not None else None
        vectors = None
        if self.encoder is not None:
            vectors = np.zeros((len(texts), self.encoder.dim), dtype=np.float32)
            for b in range(0, len(texts), self.encode_batch):
                vectors[b:b + self.encode_batch] = self.encoder.encode_passages(texts[b:b + self.encode_batch])
        return rows_table(rows, vectors, dim)


@dataclass(frozen=True)
class ExportReport:
    """What an export wrote (also the ``counts`` of ``bulk.json``)."""

    folder: str
    articles: int
    chunks: int
    files: int
    encoder: str
    workers: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _read(ray_data, articles: str) -> Any:
    """The articles dataset: JSONL (``*.jsonl``/``*.json`` files or a folder of them), else Parquet."""
    local = Path(articles)
    jsonl = articles.endswith((".jsonl", ".json", ".jsonl.gz")) or (
        local.is_dir() and any(local.glob("*.jsonl")) and not any(local.glob("*.parquet")))
    if jsonl:
        return ray_data.read_json(articles, lines=True)
    return ray_data.read_parquet(articles)


def start_local_ray(num_cpus: int, *, tries: int = LOCAL_START_TRIES) -> None:
    """Start a local Ray of ``num_cpus`` CPUs, retrying a start that timed out on a busy machine.

    Ray raises a bare ``Exception`` when its raylet does not register in time, and a
    ``RuntimeError`` when the GCS port file is late; both are retried after a shutdown.

    Raises:
        SearchIndexError: every try failed (the message carries Ray's last error).
    """
    import ray

    last: Exception | None = None
    for attempt in range(1, tries + 1):
        try:
            ray.init(num_cpus=num_cpus, include_dashboard=False, object_store_memory=LOCAL_OBJECT_STORE,
                     log_to_driver=False)
            return
        except Exception as exc:  # noqa: BLE001 - Ray's startup timeout is a bare Exception
            last = exc
            logger.warning("local Ray did not start (try %d of %d): %s", attempt, tries, exc)
            ray.shutdown()
            time.sleep(2 * attempt)
    raise SearchIndexError("index.ray_start_failed", cpus=num_cpus, tries=tries,
                           detail=str(last).splitlines()[0][:200] if last else "")


def export(articles: str | Path, out: str | Path, settings: Any, *, chunker: Chunker | None = None,
           encoder: str | None = None, workers: int = 2, address: str | None = None, batch_size: int = 64,
           encode_batch: int = 32, rows_per_file: int = 100_000) -> ExportReport:
    """Chunk, tokenize and embed ``articles`` on Ray workers into Parquet rows under ``out``.

    Args:
        articles: Parquet or JSONL of articles (a file, a folder or a URI); columns
            ``id`` and ``text``, optionally ``title``, ``source``, ``date``, ``section``,
            ``position`` and ``story_id`` (:func:`write_articles` writes all of them).
        out: a new or empty folder (local, or shared by every node of a cluster).
        settings: for ``encoder``, ``device`` and ``user_dict`` (as an index build reads them).
        chunker: the chunking (default: a default :class:`Chunker`, as ``index build``).
        encoder: an encoder spec overriding ``settings.encoder``.
        workers: actors that chunk and embed (each takes one CPU).
        address: a Ray cluster to join; None starts a local Ray of ``workers + 1`` CPUs
            (the extra one reads and writes) unless one is running in this process.
        batch_size: articles per ``map_batches`` batch; encode_batch: texts per encoder call.
        rows_per_file: at least this many rows per Parquet file (fewer for the last one).

    Raises:
        FileExistsError: ``out`` is not empty.
        ValueError: the Ray of this process has fewer than ``workers + 1`` CPUs.
        SearchIndexError: a worker's tokenizer or encoder weights differ from the driver's.
    """
    import ray
    import ray.data

    t0 = time.perf_counter()
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty: an export writes into a new folder")
    chunker = chunker or Chunker()
    spec_name = encoder if encoder is not None else settings.encoder
    enc: Encoder | None = load_encoder(spec_name, device=getattr(settings, "device", None))
    tokenizer = ChineseTokenizer.from_settings(settings)
    user_dict = getattr(settings, "user_dict", None)
    spec = {
        "chunker": {"chunk_size": chunker.chunk_size, "chunk_overlap": chunker.chunk_overlap,
                    "title_prefix": chunker.title_prefix, "lexical_title": chunker.lexical_title},
        "user_dict": str(user_dict) if user_dict else None, "tokenizer": tokenizer.settings(),
        "encoder": spec_name, "device": getattr(settings, "device", None),
        "fingerprint": enc.fingerprint if enc is not None else None, "encode_batch": encode_batch,
    }
    started = not ray.is_initialized()
    if started:
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            start_local_ray(workers + 1)
    try:
        cpus = int(ray.cluster_resources().get("CPU", 0))
        if address is None and cpus < workers + 1:  # the actors would hold every CPU: reads would wait forever
            raise ValueError(f"{workers} workers need {workers + 1} CPUs; the running Ray has {cpus}")
        ray.data.DataContext.get_current().enable_progress_bars = bool(getattr(settings, "progress", True))
        ds = _read(ray.data, str(articles))
        n_articles = ds.count()
        # a file is one block, and a block goes to one actor: cut the stream into batches
        # (streaming, no shuffle) so that every actor gets work even from a few big files
        ds = ds.repartition(target_num_rows_per_block=batch_size)
        rows = ds.map_batches(RowMaker, fn_constructor_args=(spec,), batch_size=batch_size,
                              batch_format="pyarrow", compute=ray.data.ActorPoolStrategy(size=workers),
                              num_cpus=1)
        rows.write_parquet(str(out / ROWS_DIR), min_rows_per_file=rows_per_file)
    finally:
        if started:
            ray.shutdown()
    chunks, files = _count_rows(out / ROWS_DIR)
    seconds = round(time.perf_counter() - t0, 2)
    report = ExportReport(str(out), n_articles, chunks, files, enc.name if enc else "none", workers, seconds)
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "corpusqa_version": __version__,
        "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "encoder": {"spec": enc.name, "name": enc.name, "dim": enc.dim, "fingerprint": enc.fingerprint}
        if enc is not None else None,
        "tokenizer": spec["tokenizer"], "chunker": chunker.settings(),
        "counts": {"articles": n_articles, "chunks": chunks, "files": files},
        "workers": workers, "seconds": seconds,
    }
    (out / BULK_MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    logger.info("exported %d chunks of %d articles in %.1f s with %d workers", chunks, n_articles, seconds, workers)
    return report


def _count_rows(folder: Path) -> tuple[int, int]:
    """(rows, files) of the Parquet under ``folder``, from the file footers."""
    import pyarrow.parquet as pq

    files = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    return sum(pq.ParquetFile(f).metadata.num_rows for f in files), len(files)


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """``bulk.json`` of an export; SearchIndexError when missing (an unfinished export) or damaged."""
    path = Path(folder) / BULK_MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SearchIndexError("index.corrupt", detail=f"{path} missing (unfinished export?)",
                               command=EXPORT_COMMAND)
    except (OSError, ValueError) as exc:
        raise SearchIndexError("index.corrupt", detail=f"{path}: {exc}", command=EXPORT_COMMAND)
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise SearchIndexError("index.schema_mismatch", found=manifest.get("format_version"),
                               expected=FORMAT_VERSION, command=EXPORT_COMMAND)
    return manifest


def check(manifest: dict[str, Any], index: MilvusIndex) -> tuple[Chunker, Encoder | None]:
    """Refuse rows made with another encoder, weights or tokenizer than ``index`` is opened with.

    Returns:
        the chunker and the encoder (not loaded) the rows were made with, for the
        collection's manifest.
    """
    settings = index.settings
    wanted = load_encoder(settings.encoder, device=getattr(settings, "device", None))
    redo = f"{EXPORT_COMMAND}(..., encoder={(wanted.name if wanted else 'none')!r})"
    try:
        mf.check_encoder(manifest, wanted.name if wanted else "none")
        if wanted is not None:
            mf.check_fingerprint(manifest, wanted.fingerprint)
        mf.check_tokenizer(manifest, index.tokenizer.settings())
    except SearchIndexError as exc:
        raise SearchIndexError(exc.key, **{**exc.params, "command": redo}) from None
    c = manifest["chunker"]
    chunker = Chunker(c["chunk_size"], c["chunk_overlap"], title_prefix=c["title_prefix"],
                      lexical_title=c["lexical_title"])
    if chunker.settings() != c:
        raise SearchIndexError("index.corrupt", detail=f"{BULK_MANIFEST}: chunker {c} is not this version's",
                               command=redo)
    return chunker, wanted


def iter_rows(folder: str | Path, batch_rows: int) -> Iterator[list[dict[str, Any]]]:
    """The rows under ``folder/rows``, ``batch_rows`` at a time (never the whole export in memory)."""
    import pyarrow.dataset as pads

    dataset = pads.dataset(str(Path(folder) / ROWS_DIR), format="parquet")
    for batch in dataset.to_batches(batch_size=batch_rows):
        if batch.num_rows:
            yield batch.to_pylist()


def load(folder: str | Path, index: MilvusIndex, batch_rows: int | None = None) -> MilvusReport:
    """Publish an export as ``index``'s new collection (alias moved at the end, previous kept).

    Args:
        folder: what :func:`export` wrote.
        index: the index to build, as ``index build`` would open it (URI, alias, dense
            index type and metric; its settings' encoder and tokenizer must match the rows).
        batch_rows: rows per insert (default ``index.insert_rows``).

    Raises:
        SearchIndexError: an unfinished or damaged export, or rows made with another encoder
            or tokenizer (one line saying to export again).
    """
    manifest = read_manifest(folder)
    chunker, enc = check(manifest, index)
    rows, _ = _count_rows(Path(folder) / ROWS_DIR)
    if rows != manifest["counts"]["chunks"]:
        raise SearchIndexError("index.corrupt", detail=f"{folder}: {rows} rows, {BULK_MANIFEST} says "
                               f"{manifest['counts']['chunks']}", command=EXPORT_COMMAND)
    return index.build_from_rows(iter_rows(folder, batch_rows or index.insert_rows), enc, chunker,
                                 articles=int(manifest["counts"]["articles"]))
