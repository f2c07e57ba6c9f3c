"""The index on Milvus: milvus-lite (a ``*.db`` path) or a server/cluster (``http://host:19530``).

One collection per version, reached through an alias, like ``CURRENT`` of the embedded
index: a build fills a fresh collection, writes the manifest into its properties (which
marks it complete), and only then moves the alias. A build killed mid-way leaves the
alias on the old collection; the next build drops the orphan. After a swap every older
collection is dropped except the previous one (readers that resolved the alias just
before keep working).

Each row is one chunk: ids, offsets, display text and sentence offsets; our own tokens
(the same jieba + bigram tokenizer as the embedded index), each escaped to ``t`` + 16
hex digits of its 64-bit BLAKE2b hash and space-joined, so Milvus' ``standard`` analyzer
keeps every token whole and its BM25 Function scores exactly our terms with our
``k1``/``b``; the dense vector; the filter fields (date, source, title, section, canonical
story id). Filters become escaped boolean expressions (lite rejects ``filter_params``
templates). Fusion and duplicate collapse stay on the client.

Quirks of milvus-lite this code tolerates (measured, issue 13): BM25 distances are
negative, and Milvus' BM25 keeps the ``(k1 + 1)`` factor Lucene's drops
(``score = |distance| / (k1 + 1)`` equals ours); build params must be nested as
``params={"params": {...}}`` or lite silently uses its defaults (k1 1.5); BM25 IDF is per
segment (exact only while a collection is one segment: small test corpora); after a
reopen the collection is not loaded, so ``load`` loads it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

import numpy as np

from corpusqa.errors import SearchIndexError
from corpusqa.index import manifest as mf
from corpusqa.index.backend import ChunkHit, FilterSpec
from corpusqa.index.chunking import DEFAULT_CHUNK_OVERLAP, DEFAULT_CHUNK_SIZE, Chunker
from corpusqa.index.encoders import Encoder, load_encoder
from corpusqa.index.lexical import B, K1
from corpusqa.index.tokenizer import ChineseTokenizer
from corpusqa.index.vector_cache import VectorCache, cache_path
from corpusqa.models import Article, Chunk, content_id, text_hash

logger = logging.getLogger(__name__)

DEFAULT_ALIAS = "corpusqa"
MANIFEST_PROPERTY = "corpusqa.manifest"
TOKEN_ESCAPE = "t+blake2b64-hex"
INDEX_TYPES = ("FLAT", "HNSW")
METRICS = ("IP", "COSINE")
MAX_TOPK = 16_384  # Milvus' limit on one search
_VARCHAR_MAX = 65_535
_OUT = ["chunk_id", "article_id", "ordinal", "start", "end", "text", "sentences", "article_sha"]
_LITE_GRPC = {"grpc.keepalive_permit_without_calls": 0, "grpc.keepalive_time_ms": 2**31 - 1}
CACHE_CHUNKS = 4096  # chunks kept for the answer stage


def escape_token(token: str) -> str:
    """One of our tokens as a word the ``standard`` analyzer keeps whole (ASCII, lower case)."""
    return "t" + hashlib.blake2b(token.encode("utf-8"), digest_size=8).hexdigest()


def escape_tokens(tokens: Iterable[str]) -> str:
    """Our tokens, escaped and space-joined (repeats kept: they are term frequencies)."""
    return " ".join(escape_token(t) for t in tokens)


def quote(value: str) -> str:
    """A string literal for a Milvus boolean expression."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def contains(field: str, value: str) -> str:
    """``field`` contains ``value`` as a substring (LIKE wildcards in ``value`` escaped)."""
    pattern = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{field} like {quote('%' + pattern + '%')}"


def filter_expr(filters: FilterSpec | None) -> str:
    """The boolean expression for ``filters`` ("" = everything).

    An undated article is stored with date "" and never passes a date bound.
    """
    if filters is None or filters.is_empty():
        return ""
    parts = []
    if filters.date_from or filters.date_to:
        parts.append('date != ""')
    if filters.date_from:
        parts.append(f"date >= {quote(filters.date_from)}")
    if filters.date_to:
        parts.append(f"date <= {quote(filters.date_to)}")
    if filters.sources:
        parts.append("source in [" + ", ".join(quote(s) for s in filters.sources) + "]")
    if filters.title_contains:
        parts.append(contains("title", filters.title_contains))
    if filters.section_contains:
        parts.append(contains("section", filters.section_contains))
    return " and ".join(parts)


def is_lite(uri: str) -> bool:
    """A local ``*.db`` path is milvus-lite; anything else is a server."""
    return str(uri).endswith(".db") and "://" not in str(uri)


def _clip(text: str | None, max_bytes: int) -> str:
    data = (text or "").encode("utf-8")
    return text or "" if len(data) <= max_bytes else data[:max_bytes].decode("utf-8", "ignore")


def collection_rows(article: Article, chunker: Chunker, tokenizer: ChineseTokenizer,
                 story_id: str | None = None) -> list[tuple[dict[str, Any], str]]:
    """The collection rows of ``article``'s chunks, each with the text its vector is embedded from.

    Every writer of a collection makes its rows here (``build``, ``add`` and the parallel
    export of ``bulk``), so a row holds the same fields and tokens whoever made it; only
    ``vec`` (the encoder's vector of the returned text) is left to the caller.

    Args:
        story_id: the canonical article id of a duplicate (default: the article's own id).

    Raises:
        SearchIndexError: a chunk with more escaped tokens than a VARCHAR field holds.
    """
    title = (article.title or "").strip()
    sha = text_hash(article.text)
    out = []
    for c in chunker.chunk(article):
        embedded, lex = chunker.texts(title, c)
        tokens = escape_tokens(tokenizer.tokenize(lex))
        if len(tokens) > _VARCHAR_MAX:
            raise SearchIndexError("milvus.chunk_too_long", chunk=c.id, size=chunker.chunk_size)
        out.append(({
            "chunk_id": c.id, "article_id": c.article_id, "ordinal": c.ordinal, "start": c.start,
            "end": c.end, "text": c.text, "sentences": json.dumps([list(s) for s in c.sentences]),
            "tokens": tokens, "date": article.date or "", "source": _clip(article.source, 1024),
            "title": _clip(article.title, 4096), "section": _clip(article.section, 1024),
            "story_id": story_id or article.id, "article_sha": sha}, embedded))
    return out


def _guarded(method):
    """A write method whose server failures (pymilvus, gRPC, sockets) become the one-line error."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:
            mod = type(exc).__module__ or ""
            if isinstance(exc, (ConnectionError, TimeoutError)) or mod.startswith(("pymilvus", "grpc")):
                raise _connection_error(self.uri, exc) from exc
            raise

    return wrapper


@dataclass(frozen=True)
class MilvusReport:
    """What a build, add or delete did."""

    uri: str
    collection: str
    alias: str
    previous: str | None
    articles: int
    chunks: int
    encoder: str
    seconds: float
    embedded: int = 0  # chunks written by this call (the rest were kept)
    deleted: int = 0   # articles deleted by this call
    reused: int = 0    # of ``embedded``: vectors taken from the vector cache, not the encoder

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class MilvusIndex:
    """An :class:`~corpusqa.index.backend.IndexBackend` and ``IndexWriter`` on Milvus.

    Args:
        uri: ``path/to/file.db`` (milvus-lite) or ``http://host:19530``.
        settings: run-time settings (encoder spec, device, user dictionary).
        token: credentials (``user:password`` or an API key) for a server.
        alias: the alias readers follow; collections are named ``<alias>_v<time>_<rand>``.
        encoder: for builds: an Encoder, a spec, or None for ``settings.encoder``.
        chunk_size, chunk_overlap, title_prefix, lexical_title: as ``IndexBuilder``.
        index_type, metric: the dense index (``FLAT``/``HNSW``; ``IP``/``COSINE``).
        batch_size: texts per encoder call; insert_rows: rows per insert.
        tokenizer: a loaded tokenizer to reuse.
        cache: False: embed every chunk; None: use the home's vector cache as
            ``settings.vector_cache`` says (the one embedded builds use, keyed by encoder
            fingerprint and text, so a Milvus build after an embedded one, a rebuild or a
            killed build's rerun embeds only texts never embedded before).
    """

    def __init__(self, uri: str | Path, settings: Any, *, token: str | None = None, alias: str = DEFAULT_ALIAS,
                 encoder: Encoder | str | None = None, chunk_size: int | None = None,
                 chunk_overlap: int | None = None, title_prefix: bool = True, lexical_title: bool = True,
                 index_type: str = "FLAT", metric: str = "IP", hnsw_m: int = 16, hnsw_ef: int = 200,
                 batch_size: int = 32, insert_rows: int = 2048, tokenizer: ChineseTokenizer | None = None,
                 cache: bool | None = None):
        if index_type not in INDEX_TYPES or metric not in METRICS:
            raise ValueError(f"index_type must be one of {INDEX_TYPES}, metric one of {METRICS}")
        if not alias.replace("_", "").isalnum() or not alias[0].isalpha():
            raise ValueError("alias: letters, digits and underscores, starting with a letter")
        self.uri = str(uri)
        self.settings = settings
        self.token = token
        self.alias = alias
        self._encoder_arg = encoder
        self.chunk_size = chunk_size or DEFAULT_CHUNK_SIZE
        self.chunk_overlap = DEFAULT_CHUNK_OVERLAP if chunk_overlap is None else chunk_overlap
        self.title_prefix = title_prefix
        self.lexical_title = lexical_title
        self.index_type, self.metric = index_type, metric
        self.hnsw_m, self.hnsw_ef = int(hnsw_m), int(hnsw_ef)
        self.batch_size, self.insert_rows = int(batch_size), max(1, int(insert_rows))
        self._tokenizer = tokenizer
        home_index = getattr(settings, "index_dir", None)
        self._cache_path = (cache_path(settings, home_index) if cache is not False and home_index is not None
                            else None)
        self._client = None
        self.collection: str | None = None
        self.version = ""
        self.manifest: dict[str, Any] = {}
        self._encoder: Encoder | None = None
        self._lock = threading.Lock()
        self._chunks: OrderedDict[str, Chunk] = OrderedDict()
        # article id -> indexed text hash, for articles of recently fetched chunks
        self._shas: OrderedDict[str, str] = OrderedDict()

    @classmethod
    def from_settings(cls, settings: Any, **kwargs) -> "MilvusIndex":
        """The index at ``settings.index_uri`` with ``settings.index_token`` (not connected yet)."""
        uri = str(settings.index_uri)
        if is_lite(uri):
            uri = str(Path(uri).expanduser().absolute())
        return cls(uri, settings, token=getattr(settings, "index_token", None), **kwargs)

    # -- connection ----------------------------------------------------------------------
    def client(self):
        """The MilvusClient (connects on first use; one clear error when it cannot)."""
        if self._client is not None:
            return self._client
        try:
            from pymilvus import MilvusClient
        except ImportError:
            raise SearchIndexError("milvus.extra_missing")
        if is_lite(self.uri):
            Path(self.uri).parent.mkdir(parents=True, exist_ok=True)
        try:
            # lite's in-process server refuses pymilvus' idle keepalive pings (every 10 s)
            # with GOAWAY "too_many_pings", which gRPC logs to stderr: no idle pings for lite
            extra = {"grpc_options": _LITE_GRPC} if is_lite(self.uri) else {}
            self._client = MilvusClient(uri=self.uri, token=self.token or "", timeout=10, **extra)
        except Exception as exc:  # pymilvus raises MilvusException or grpc errors
            if is_lite(self.uri) and "Open local milvus failed" in str(exc):
                raise SearchIndexError("milvus.lite_locked", uri=self.uri)
            raise _connection_error(self.uri, exc)
        return self._client

    def close(self, release: bool = True) -> None:
        """Close the connection; for milvus-lite also stop its in-process server.

        Lite serves a ``.db`` from inside the process that opened it and holds a file lock
        until that server stops, so another process (a CLI run beside ``serve``) can open
        the file only after ``close``. Every MilvusIndex of this process on the same file
        is closed with it, unless ``release`` is False (a short look at the index while an
        assistant of the same process keeps searching it).
        """
        if self._client is None:
            return
        try:
            self._client.close()
        finally:
            self._client = None
            if release and is_lite(self.uri):
                from milvus_lite.server_manager import server_manager_instance

                server_manager_instance.release_server(self.uri)

    @property
    def tokenizer(self) -> ChineseTokenizer:
        if self._tokenizer is None:
            self._tokenizer = ChineseTokenizer.from_settings(self.settings)
        return self._tokenizer

    def live_collection(self) -> str | None:
        """The collection the alias points at (None before the first build)."""
        c = self.client()
        try:
            if self.alias not in (c.list_aliases().get("aliases") or []):
                return None
            return c.describe_alias(self.alias)["collection_name"]
        except Exception as exc:
            raise _connection_error(self.uri, exc)

    def load(self, check_encoder: bool = True) -> "MilvusIndex":
        """Follow the alias, read and check the manifest, load the collection for search.

        Raises:
            SearchIndexError: no index yet, an incomplete one, or one built with another
                encoder or tokenizer (the same one-line messages as the embedded index).
        """
        name = self.live_collection()
        if name is None:
            raise SearchIndexError("index.missing", path=f"{self.uri} ({self.alias})",
                                   command=mf.BUILD_COMMAND)
        manifest = self._read_manifest(name)
        if manifest.get("schema_version") != mf.SCHEMA_VERSION:
            raise SearchIndexError("index.schema_mismatch", found=manifest.get("schema_version"),
                                   expected=mf.SCHEMA_VERSION, command=mf.BUILD_COMMAND)
        if check_encoder:
            wanted = load_encoder(self.settings.encoder, device=getattr(self.settings, "device", None))
            mf.check_encoder(manifest, wanted.name if wanted else "none")
        bigrams = bool((manifest.get("tokenizer") or {}).get("bigrams", True))
        if self._tokenizer is None:
            self._tokenizer = ChineseTokenizer.from_settings(self.settings, bigrams=bigrams)
        mf.check_tokenizer(manifest, self._tokenizer.settings())
        try:
            self.client().load_collection(name)  # not loaded after a reopen (lite)
        except Exception as exc:
            raise _connection_error(self.uri, exc)
        self.collection, self.version, self.manifest = name, name, manifest
        return self

    def describe(self) -> tuple[str, dict[str, Any]] | None:
        """(collection, manifest) the alias points at, unchecked and not loaded; None if none."""
        name = self.live_collection()
        if name is None:
            return None
        try:
            return name, self._read_manifest(name)
        except SearchIndexError:
            raise
        except Exception as exc:
            raise _connection_error(self.uri, exc)

    def _read_manifest(self, name: str) -> dict[str, Any]:
        props = self.client().describe_collection(name).get("properties") or {}
        raw = props.get(MANIFEST_PROPERTY)
        if not raw:
            raise SearchIndexError("index.corrupt", detail=f"{name}: no manifest", command=mf.BUILD_COMMAND)
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise SearchIndexError("index.corrupt", detail=f"{name}: {exc}", command=mf.BUILD_COMMAND)

    def _live(self) -> str:
        if self.collection is None:
            self.load(check_encoder=False)
        assert self.collection is not None  # set by load()
        return self.collection

    # -- IndexBackend --------------------------------------------------------------------
    def __len__(self) -> int:
        return int((self.manifest.get("counts") or {}).get("chunks", 0))

    @property
    def has_dense(self) -> bool:
        return bool(self.manifest.get("dense"))

    @property
    def encoder(self) -> Encoder | None:
        """The encoder the collection was built with (loaded on first use, fingerprint checked)."""
        spec = self.manifest.get("encoder")
        if not spec:
            return None
        if self._encoder is None:
            enc = load_encoder(spec["spec"], device=getattr(self.settings, "device", None))
            assert enc is not None  # the manifest records a real encoder
            enc.load()
            mf.check_fingerprint(self.manifest, enc.fingerprint)
            self._encoder = enc
        return self._encoder

    def attach_encoder(self, encoder: Encoder) -> None:
        """Use an already loaded encoder (it must have the manifest's fingerprint)."""
        mf.check_fingerprint(self.manifest, encoder.fingerprint)
        self._encoder = encoder

    def tokenize(self, text: str) -> list[str]:
        return self.tokenizer.tokenize(text)

    def lexical_search(self, query: str, k: int, filters: FilterSpec | None = None) -> list[ChunkHit]:
        """BM25 top ``k`` over our tokens; [] when the query has no token."""
        tokens = self.tokenize(query)
        if k <= 0 or not tokens:
            return []
        return self._search(escape_tokens(tokens), "sparse", {"metric_type": "BM25"}, k, filters)

    def dense_search(self, query_vec: np.ndarray, k: int, filters: FilterSpec | None = None) -> list[ChunkHit]:
        """Top ``k`` by inner product (or cosine) for a query vector from :attr:`encoder`."""
        if not self.has_dense:
            raise SearchIndexError("index.dense_unavailable")
        if k <= 0:
            return []
        params: dict[str, Any] = {"metric_type": self.manifest["dense"]["metric"]}
        if self.manifest["dense"]["index_type"] == "HNSW":
            params["params"] = {"ef": max(int(k), self.hnsw_ef)}
        vec = np.asarray(query_vec, dtype=np.float32).reshape(-1).tolist()
        return self._search(vec, "vec", params, k, filters)

    def _search(self, data: Any, field: str, params: dict, k: int, filters: FilterSpec | None) -> list[ChunkHit]:
        name = self._live()
        try:
            res = self.client().search(name, data=[data], anns_field=field, limit=min(int(k), MAX_TOPK),
                                       filter=filter_expr(filters), output_fields=["article_id"],
                                       search_params=params)
        except SearchIndexError:
            raise
        except Exception as exc:
            raise _connection_error(self.uri, exc)
        hits = []
        for h in res[0] if res else []:
            score = float(h["distance"])
            if field == "sparse":  # lite reports BM25 negated; Milvus' BM25 carries Lucene's (k1 + 1)
                score = abs(score) / (K1 + 1)
            if field == "sparse" and score <= 0:
                continue
            entity = h.get("entity") or {}
            hits.append(ChunkHit(str(h.get("chunk_id", h.get("id"))), entity.get("article_id", ""), score))
        hits.sort(key=lambda x: (-x.score, x.chunk_id))  # ties: the same order on every call
        return hits

    def get_chunks(self, chunk_ids: Sequence[str]) -> dict[str, Chunk]:
        """The chunks with these ids (missing ids are left out); recent ones come from a cache."""
        ids = list(dict.fromkeys(chunk_ids))
        if not ids:
            return {}
        with self._lock:
            out = {i: self._chunks[i] for i in ids if i in self._chunks}
        wanted = [i for i in ids if i not in out]
        if wanted:
            rows = self._call(lambda c: c.get(self._live(), ids=wanted, output_fields=_OUT))
            fetched = {r["chunk_id"]: _chunk(r) for r in rows}
            with self._lock:
                for r in rows:
                    self._shas[r["article_id"]] = r.get("article_sha") or ""
                    self._shas.move_to_end(r["article_id"])
                while len(self._shas) > CACHE_CHUNKS:
                    self._shas.popitem(last=False)
            self._remember(fetched.values())
            out.update(fetched)
        return {i: out[i] for i in ids if i in out}

    def lede_chunks(self, article_ids: Sequence[str]) -> dict[str, Chunk]:
        """Each article's first chunk (ordinal 0); missing articles are left out."""
        ids = list(dict.fromkeys(article_ids))
        out: dict[str, Chunk] = {}
        for b in range(0, len(ids), 500):
            expr = "ordinal == 0 and article_id in [" + ", ".join(quote(a) for a in ids[b:b + 500]) + "]"
            rows = self._call(lambda c: c.query(self._live(), filter=expr, output_fields=_OUT))
            out.update({r["article_id"]: _chunk(r) for r in rows})
        return out

    def sentence_vectors(self, chunk_id: str) -> np.ndarray | None:
        """None: sentence vectors are not stored in Milvus. As with the embedded index's
        default (``--sentence-vectors off``), the answer stage embeds the few sentences it
        verifies itself (``Assistant._embed_top_sentences``)."""
        return None

    def _remember(self, chunks: Iterable[Chunk]) -> None:
        with self._lock:
            for c in chunks:
                self._chunks[c.id] = c
                self._chunks.move_to_end(c.id)
            while len(self._chunks) > CACHE_CHUNKS:
                self._chunks.popitem(last=False)

    def _call(self, fn):
        """``fn(client)``, with a lost server turned into the one-line error."""
        try:
            return fn(self.client())
        except SearchIndexError:
            raise
        except Exception as exc:
            raise _connection_error(self.uri, exc)

    def indexed_hash(self, article_id: str) -> str | None:
        """The text hash an article was indexed with, known once one of its chunks was
        fetched (``get_chunks``, the last ``CACHE_CHUNKS`` articles); None otherwise. The assistant checks the articles a question
        touches this way instead of scanning every row at open (:meth:`article_hashes`)."""
        with self._lock:
            return self._shas.get(article_id)

    def article_hashes(self) -> dict[str, str] | None:
        """Article id -> hash of the text it was indexed from (a full scan of every row)."""
        out: dict[str, str] = {}
        try:
            for batch in self._scan(["article_id", "article_sha"]):
                for r in batch:
                    out[r["article_id"]] = r["article_sha"]
        except SearchIndexError:
            raise
        except Exception as exc:
            raise _connection_error(self.uri, exc)
        return out

    def _scan(self, fields: list[str], expr: str = "", batch: int = 1000) -> Iterator[list[dict]]:
        """Every row matching ``expr``, in pages of ``batch``.

        A server pages with pymilvus' query iterator; lite pages by offset (it has no
        query window limit, and the iterator's timestamp request makes lite log a warning).
        """
        c, name = self.client(), self._live()
        if is_lite(self.uri):
            offset = 0
            while True:
                rows = c.query(name, filter=expr, output_fields=fields, limit=batch, offset=offset)
                if rows:
                    yield rows
                if len(rows) < batch:
                    return
                offset += batch
        it = c.query_iterator(name, batch_size=batch, filter=expr, output_fields=fields)
        try:
            while True:
                rows = it.next()
                if not rows:
                    return
                yield rows
        finally:
            it.close()

    # -- writing -------------------------------------------------------------------------
    def _encoder_for_build(self) -> Encoder | None:
        enc = self._encoder_arg
        if enc is None or isinstance(enc, str):
            spec = enc if enc is not None else self.settings.encoder
            enc = load_encoder(spec, device=getattr(self.settings, "device", None))
        if enc is not None:
            enc.load()
        return enc

    def _schema(self, dim: int | None):
        from pymilvus import DataType, Function, FunctionType

        c = self.client()
        s = c.create_schema(auto_id=False, enable_dynamic_field=False)
        s.add_field("chunk_id", DataType.VARCHAR, is_primary=True, max_length=64)
        s.add_field("article_id", DataType.VARCHAR, max_length=64)
        s.add_field("ordinal", DataType.INT32)
        s.add_field("start", DataType.INT64)
        s.add_field("end", DataType.INT64)
        s.add_field("text", DataType.VARCHAR, max_length=_VARCHAR_MAX)
        s.add_field("sentences", DataType.VARCHAR, max_length=_VARCHAR_MAX)
        s.add_field("tokens", DataType.VARCHAR, max_length=_VARCHAR_MAX, enable_analyzer=True,
                    analyzer_params={"type": "standard"})
        s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        if dim:
            s.add_field("vec", DataType.FLOAT_VECTOR, dim=dim)
        s.add_field("date", DataType.VARCHAR, max_length=16)
        s.add_field("source", DataType.VARCHAR, max_length=1024)
        s.add_field("title", DataType.VARCHAR, max_length=4096)
        s.add_field("section", DataType.VARCHAR, max_length=1024)
        s.add_field("story_id", DataType.VARCHAR, max_length=64)
        s.add_field("article_sha", DataType.VARCHAR, max_length=64)
        s.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["tokens"],
                                output_field_names=["sparse"]))
        ip = c.prepare_index_params()
        # nested "params": lite drops flat build keys silently (and would score with k1 1.5)
        ip.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                     params={"params": {"bm25_k1": K1, "bm25_b": B}})
        if dim:
            build = {"M": self.hnsw_m, "efConstruction": self.hnsw_ef} if self.index_type == "HNSW" else {}
            ip.add_index(field_name="vec", index_type=self.index_type, metric_type=self.metric,
                         params={"params": build})
        return s, ip

    def _rows(self, articles: Iterable[Article], chunker: Chunker, encoder: Encoder | None,
              canonical: Mapping[str, str], counts: dict) -> Iterator[list[dict]]:
        """Rows in batches of ``insert_rows``: chunks, tokens and vectors as the builder makes them."""
        batch: list[dict] = []
        embed: list[str] = []
        cache = VectorCache(self._cache_path) if encoder is not None and self._cache_path is not None else None

        def flush() -> list[dict]:
            if encoder is not None:
                for row, v in zip(batch, self._vectors(encoder, embed, cache, counts)):
                    row["vec"] = v.tolist()
            out = list(batch)
            batch.clear()
            embed.clear()
            return out

        for art in articles:
            counts["articles"] += 1
            for row, embedded in collection_rows(art, chunker, self.tokenizer, canonical.get(art.id, art.id)):
                batch.append(row)
                embed.append(embedded)
                counts["chunks"] += 1
                if len(batch) >= self.insert_rows:
                    yield flush()
        try:
            if batch:
                yield flush()
        finally:
            if cache is not None:
                cache.close()

    def _vectors(self, encoder: Encoder, texts: list[str], cache: VectorCache | None,
                 counts: dict) -> np.ndarray:
        """Vectors of ``texts``: from the vector cache, else embedded (each batch committed
        to the cache before the next, so a killed build's rerun re-embeds nothing done)."""
        out = np.zeros((len(texts), encoder.dim), dtype=np.float32)
        keys = [content_id(t) for t in texts]
        fp = encoder.fingerprint
        cached = cache.get(fp, keys, encoder.dim) if cache is not None else {}
        todo = []
        for i, k in enumerate(keys):
            if k in cached:
                out[i] = cached[k]
            else:
                todo.append(i)
        counts["reused"] = counts.get("reused", 0) + len(texts) - len(todo)
        for b in range(0, len(todo), self.batch_size):
            idx = todo[b:b + self.batch_size]
            out[idx] = np.asarray(encoder.encode_passages([texts[i] for i in idx]), dtype=np.float32)
            if cache is not None:
                cache.put(fp, [keys[i] for i in idx], out[idx])
        return out

    def _chunker(self) -> Chunker:
        return Chunker(self.chunk_size, self.chunk_overlap, title_prefix=self.title_prefix,
                       lexical_title=self.lexical_title)

    def _make_manifest(self, encoder: Encoder | None, chunker: Chunker, counts: dict, previous: str | None,
                       seconds: float) -> dict[str, Any]:
        dense = {"engine": "milvus", "index_type": self.index_type, "metric": self.metric,
                 **({"hnsw_m": self.hnsw_m, "hnsw_ef": self.hnsw_ef} if self.index_type == "HNSW" else {})}
        manifest = mf.make_manifest(
            encoder=encoder, chunker=chunker.settings(),
            tokenizer=self.tokenizer.settings(),
            lexical={"engine": "milvus-bm25", "k1": K1, "b": B, "method": "lucene", "analyzer": "standard",
                     "token_escape": TOKEN_ESCAPE},
            dense=dense if encoder is not None else None,
            sentence_vectors={"enabled": False, "mode": "off",
                              "reason": "not stored in Milvus: the answer stage embeds the sentences it verifies"},
            counts={"articles": counts["articles"], "chunks": counts["chunks"], "sentences": 0},
            timings={}, seconds=seconds)
        manifest["backend"] = {"kind": "milvus", "lite": is_lite(self.uri), "alias": self.alias,
                               "previous": previous}
        return manifest

    @_guarded
    def build(self, articles: Iterable[Article], canonical: Mapping[str, str] | None = None) -> MilvusReport:
        """A fresh collection from ``articles``, published by moving the alias.

        Args:
            articles: the whole corpus.
            canonical: duplicate article id -> canonical article id (the story id field).
        """
        t0 = time.perf_counter()
        encoder = self._encoder_for_build()
        chunker = self._chunker()
        counts = {"articles": 0, "chunks": 0}
        rows = self._rows(articles, chunker, encoder, canonical or {}, counts)
        return self._publish(rows, encoder, chunker, counts, t0)

    @_guarded
    def build_from_rows(self, batches: Iterable[list[dict[str, Any]]], encoder: Encoder | None,
                        chunker: Chunker, articles: int) -> MilvusReport:
        """A fresh collection from rows made elsewhere, published like :meth:`build`.

        For ``bulk.load``: rows of :func:`collection_rows` with their ``vec`` filled in by a
        parallel export. The caller guarantees they were made with ``encoder``, ``chunker``
        and this index's tokenizer (all three go into the manifest).

        Args:
            batches: rows, a list per insert call.
            encoder: the encoder of the vectors (name, dimension and fingerprint only).
            chunker: the chunker of the rows.
            articles: how many articles the rows came from (the manifest's count).
        """
        t0 = time.perf_counter()
        counts = {"articles": int(articles), "chunks": 0}

        def counted() -> Iterator[list[dict[str, Any]]]:
            for rows in batches:
                counts["chunks"] += len(rows)
                yield rows

        return self._publish(counted(), encoder, chunker, counts, t0)

    def _publish(self, batches: Iterable[list[dict[str, Any]]], encoder: Encoder | None, chunker: Chunker,
                 counts: dict, t0: float) -> MilvusReport:
        """Insert ``batches`` into a new collection, write its manifest, then move the alias."""
        c = self.client()
        previous = self.live_collection()
        self._drop_stale(keep={previous, self._previous_of(previous)})
        name = f"{self.alias}_v{time.strftime('%Y%m%d%H%M%S')}_{secrets.token_hex(3)}"
        schema, index_params = self._schema(encoder.dim if encoder is not None else None)
        try:
            # indexes created without waiting: the wait asks for a timestamp lite does not
            # serve (its gRPC server then logs a traceback); lite indexes at once anyway
            c.create_collection(name, schema=schema)
            c.create_index(name, index_params, sync=False)
            c.load_collection(name)
            for rows in batches:
                c.insert(name, rows)
            manifest = self._make_manifest(encoder, chunker, counts, previous, time.perf_counter() - t0)
            c.flush(name)
            c.alter_collection_properties(name, properties={MANIFEST_PROPERTY: json.dumps(manifest,
                                                                                         ensure_ascii=False)})
            if previous is None:
                c.create_alias(name, self.alias)
            else:
                c.alter_alias(name, self.alias)
        except BaseException:
            try:
                if c.has_collection(name) and self.live_collection() != name:
                    c.drop_collection(name)  # the alias still points at the old collection
            except Exception:  # pragma: no cover - best effort; the next build drops it
                logger.warning("could not drop the unfinished collection %s", name)
            raise
        self._drop_stale(keep={name, previous})
        self.collection, self.version, self.manifest = name, name, manifest
        self._encoder = encoder
        self._forget()
        return MilvusReport(self.uri, name, self.alias, previous, counts["articles"], counts["chunks"],
                            encoder.name if encoder else "none", round(time.perf_counter() - t0, 2),
                            embedded=counts["chunks"], reused=counts.get("reused", 0))

    @_guarded
    def add(self, articles: Iterable[Article], canonical: Mapping[str, str] | None = None) -> MilvusReport:
        """Upsert the chunks of ``articles`` into the live collection (new or changed articles).

        A changed article's old chunks are deleted first (its chunk ids change with its text).
        """
        t0 = time.perf_counter()
        name = self._live()
        articles = list(articles)
        encoder = self.encoder
        self.lexical_title = bool(self.manifest["chunker"].get("lexical_title", True))
        chunker = Chunker(self.manifest["chunker"]["chunk_size"], self.manifest["chunker"]["chunk_overlap"],
                          title_prefix=self.manifest["chunker"]["title_prefix"], lexical_title=self.lexical_title)
        self.delete([a.id for a in articles])  # already subtracts them from the counts
        counts = {"articles": 0, "chunks": 0}
        c = self.client()
        for rows in self._rows(articles, chunker, encoder, canonical or {}, counts):
            c.upsert(name, rows)
        self._update_counts(name, chunks=counts["chunks"], articles=counts["articles"])
        return MilvusReport(self.uri, name, self.alias, None, counts["articles"], counts["chunks"],
                            encoder.name if encoder else "none", round(time.perf_counter() - t0, 2),
                            embedded=counts["chunks"], reused=counts.get("reused", 0))

    @_guarded
    def sync(self, articles: Iterable[Article], canonical: Mapping[str, str] | None = None) -> MilvusReport:
        """Make the live collection hold exactly ``articles``: new and changed ones upserted
        (only their chunks embedded), articles no longer given deleted.

        Returns:
            a report whose ``articles``/``chunks`` are the collection's totals afterwards.
        """
        t0 = time.perf_counter()
        name = self._live()
        indexed = self.article_hashes() or {}
        articles = list(articles)
        wanted = {a.id for a in articles}
        changed = [a for a in articles if indexed.get(a.id) != text_hash(a.text)]
        gone = [a for a in indexed if a not in wanted]
        deleted = self.delete(gone) if gone else 0
        added = self.add(changed, canonical) if changed else None
        counts = self.manifest.get("counts") or {}
        spec = (self.manifest.get("encoder") or {}).get("name") or "none"
        return MilvusReport(self.uri, name, self.alias, None, int(counts.get("articles", 0)),
                            int(counts.get("chunks", 0)), spec, round(time.perf_counter() - t0, 2),
                            embedded=added.embedded if added else 0, deleted=deleted,
                            reused=added.reused if added else 0)

    def _forget(self) -> None:
        """Drop cached chunks and vectors (after a write)."""
        with self._lock:
            self._chunks.clear()

    @_guarded
    def delete(self, article_ids: Iterable[str]) -> int:
        """Delete every chunk of these articles from the live collection; returns the articles found."""
        name = self._live()
        ids = sorted(set(article_ids))
        found = chunks = 0
        c = self.client()
        for b in range(0, len(ids), 500):
            expr = "article_id in [" + ", ".join(quote(a) for a in ids[b:b + 500]) + "]"
            rows = c.query(name, filter=expr, output_fields=["article_id"])
            if not rows:
                continue
            found += len({r["article_id"] for r in rows})
            chunks += len(rows)
            c.delete(name, filter=expr)
        if chunks:
            self._update_counts(name, chunks=-chunks, articles=-found)
            self._forget()
        return found

    def _update_counts(self, name: str, chunks: int, articles: int) -> None:
        manifest = self._read_manifest(name)
        manifest["counts"]["chunks"] += chunks
        manifest["counts"]["articles"] += articles
        self.client().alter_collection_properties(
            name, properties={MANIFEST_PROPERTY: json.dumps(manifest, ensure_ascii=False)})
        self.manifest = manifest

    def _previous_of(self, name: str | None) -> str | None:
        if name is None:
            return None
        try:
            return (self._read_manifest(name).get("backend") or {}).get("previous")
        except SearchIndexError:
            return None

    def _drop_stale(self, keep: set[str | None]) -> None:
        """Drop this alias' collections other than ``keep`` (orphans of killed builds, old versions)."""
        c = self.client()
        prefix = f"{self.alias}_v"
        for n in c.list_collections():
            if n.startswith(prefix) and n not in keep:
                logger.info("dropping old index collection %s", n)
                c.drop_collection(n)


def _chunk(r: Mapping[str, Any]) -> Chunk:
    return Chunk(id=r["chunk_id"], article_id=r["article_id"], ordinal=int(r["ordinal"]), start=int(r["start"]),
                 end=int(r["end"]), text=r["text"], sentences=tuple(tuple(s) for s in json.loads(r["sentences"])))


def _connection_error(uri: str, exc: BaseException) -> SearchIndexError:
    """One line for an unreachable server, refused credentials or a locked lite file."""
    detail = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
    low = detail.lower()
    if any(w in low for w in ("auth", "credential", "password", "permission", "unauthenticated")):
        return SearchIndexError("milvus.auth", uri=uri, detail=detail)
    return SearchIndexError("milvus.unreachable", uri=uri, detail=detail)
