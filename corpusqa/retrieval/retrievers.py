"""Lexical, dense and hybrid retrievers over one index backend.

All three share the ``Retriever`` protocol and the same post-processing: the backend
applies the filters and returns chunk references (ids and scores, never a backend's row
numbers), the chunks are fetched by id, and near-duplicate articles are collapsed
afterwards (the canonical copy is shown, the others kept in ``Hit.also_in``). The
embedded index (``LoadedIndex``) and Milvus (``MilvusIndex``) go through the same code.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol, Sequence

import numpy as np

from corpusqa.chinese_script import to_simplified, to_traditional
from corpusqa.errors import EncoderError
from corpusqa.index.backend import ChunkHit, EmbeddedBackend, IndexBackend
from corpusqa.models import Chunk, Hit
from corpusqa.retrieval import lexical_boost as lb
from corpusqa.retrieval.filters import Filters
from corpusqa.retrieval import romanized
from corpusqa.retrieval.fusion import (CROSS_SCRIPT_LEXICAL, RRF_K, cross_script, lexical_anchor,
                                      rrf_by_story)

log = logging.getLogger(__name__)

#: Articles whose title and lede the boosted lexical retriever keeps ready.
LEDE_CACHE_SIZE = 20_000


class Retriever(Protocol):
    """Anything that turns a query into ranked chunk hits."""

    name: str

    def retrieve(self, query: str, k: int, filters: Filters | None = None) -> list[Hit]:
        ...


@dataclass
class SearchContext:
    """What every retriever needs besides the index itself.

    Attributes:
        index: a loaded index: ``corpusqa.index.store.LoadedIndex`` (wrapped in an
            ``EmbeddedBackend``) or any :class:`~corpusqa.index.backend.IndexBackend`
            (``MilvusIndex``); :attr:`backend` is what the retrievers search.
        article_meta: article id -> {"date", "source", "title", "section"}.
        canonical: duplicate article id -> canonical article id.
    """

    index: Any
    article_meta: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    canonical: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        copies: dict[str, list[str]] = {}
        for dup, canon in self.canonical.items():
            copies.setdefault(canon, []).append(dup)
        self._copies = {c: sorted(d) for c, d in copies.items()}
        if isinstance(self.index, IndexBackend):
            self.backend = self.index
        else:
            self.backend = EmbeddedBackend(self.index, self.article_meta)

    def also_in(self, article_id: str) -> tuple[str, ...]:
        """Ids of the other copies of an article's story."""
        canon = self.canonical.get(article_id, article_id)
        group = [canon, *self._copies.get(canon, [])]
        return tuple(a for a in group if a != article_id)


def collapse_duplicates(hits: Sequence[Hit], ctx: SearchContext) -> list[Hit]:
    """Keep one hit per story when near-duplicate articles both match.

    A hit from a duplicate article is dropped when a hit from another copy of the
    same story ranks higher; surviving hits list the other copies in ``also_in``.
    Ranks are renumbered from 1.
    """
    out: list[Hit] = []
    story_best: dict[str, str] = {}  # canonical story -> article id shown
    for h in hits:
        story = ctx.canonical.get(h.article_id, h.article_id)
        shown = story_best.get(story)
        if shown is not None and shown != h.article_id:
            continue
        story_best[story] = h.article_id
        out.append(Hit(h.chunk_id, h.article_id, h.score, len(out) + 1, h.retriever,
                       h.start, h.end, h.text, ctx.also_in(h.article_id)))
    return out


class _IndexRetriever:
    """Shared plumbing: backend search (filters applied there) -> chunks by id -> collapsed hits."""

    name = "base"
    overfetch = 3

    def __init__(self, ctx: SearchContext):
        self.ctx = ctx

    def _search(self, query: str, k: int, filters: Filters | None,
                chunks: dict[str, Chunk]) -> list[ChunkHit]:
        """Top ``k`` chunk references; may fill ``chunks`` with the chunks it fetched."""
        raise NotImplementedError

    def retrieve(self, query: str, k: int, filters: Filters | None = None) -> list[Hit]:
        if k <= 0:
            return []
        chunks: dict[str, Chunk] = {}
        raw = self._search(query, k * self.overfetch, filters, chunks)
        missing = [h.chunk_id for h in raw if h.chunk_id not in chunks]
        if missing:
            chunks.update(self.ctx.backend.get_chunks(missing))
        hits = [self._hit(chunks[h.chunk_id], h.score, rank)
                for rank, h in enumerate(raw, start=1) if h.chunk_id in chunks]
        return collapse_duplicates(hits, self.ctx)[:k]

    def _hit(self, c: Chunk, score: float, rank: int) -> Hit:
        return Hit(c.id, c.article_id, float(score), rank, self.name, c.start, c.end, c.text)


class LexicalRetriever(_IndexRetriever):
    """BM25 over the index's Chinese-aware tokens, optionally re-scored.

    Args:
        ctx: the index and article metadata.
        boost: re-score the BM25 top ``depth`` with the proximity and exact-match
            bonuses of :mod:`corpusqa.retrieval.lexical_boost` (on by default: it measured
            better on the bundled gold set and the synthetic news set and no worse on
            CMRC 2018 trial; that module lists the figures). Scores are then BM25
            divided by the top score plus the bonuses, not raw BM25.
        depth, proximity_weight, exact_weight: the re-scoring's constants.
        places: the place tagger (default: one per process, with the bundled dictionary).
    """

    name = "lexical"

    def __init__(self, ctx: SearchContext, boost: bool = True, depth: int = lb.DEPTH,
                 proximity_weight: float = lb.PROXIMITY_WEIGHT,
                 exact_weight: float = lb.EXACT_WEIGHT, places: lb.PlaceTagger | None = None):
        super().__init__(ctx)
        if depth < 1:
            raise ValueError("depth must be >= 1")
        self.boost = bool(boost)
        self.depth = depth
        self.proximity_weight = proximity_weight
        self.exact_weight = exact_weight
        self._places = places
        self._ledes: dict[str, str] = {}
        self._lede_places: dict[str, tuple[str, ...]] = {}

    def load(self) -> "LexicalRetriever":
        """Build the place tagger's dictionary now (about two seconds, once per process),
        not on the first boosted question."""
        if self.boost:
            self._tagger().load()
        return self

    def _tagger(self) -> lb.PlaceTagger:
        if self._places is None:
            self._places = lb.bundled_place_tagger()
        return self._places

    def _search(self, query, k, filters, chunks):
        backend = self.ctx.backend
        if not self.boost:
            return backend.lexical_search(query, k, filters)
        raw = backend.lexical_search(query, max(k, self.depth), filters)
        if not raw:
            return raw
        head, tail = raw[:self.depth], raw[self.depth:]
        chunks.update(backend.get_chunks([h.chunk_id for h in head]))
        head = [h for h in head if h.chunk_id in chunks]
        forms = self._forms(query)
        texts = [lb.normalize_stored(chunks[h.chunk_id].text) for h in head]
        if any(f.places for f in forms):
            ledes = self._lede_texts([h.article_id for h in head])
        else:
            ledes = [""] * len(head)
        article = {h.chunk_id: h.article_id for h in head}
        rescored = lb.rescore([(h.chunk_id, h.score) for h in head], texts, ledes, forms,
                              self.proximity_weight, self.exact_weight)
        top = max((h.score for h in head), default=0.0) or 1.0
        return ([ChunkHit(cid, article[cid], s) for cid, s in rescored]
                + [ChunkHit(h.chunk_id, h.article_id, h.score / top) for h in tail])[:k]

    def lede_places(self, article_ids: Sequence[str]) -> list[tuple[str, ...]]:
        """The places each article names in its title, byline and lede (cached)."""
        missing = [a for a in dict.fromkeys(article_ids) if a not in self._lede_places]
        if missing:
            if len(self._lede_places) + len(missing) > LEDE_CACHE_SIZE:
                self._lede_places.clear()
            tagger = self._tagger()
            for a, text in zip(missing, self._lede_texts(missing)):
                self._lede_places[a] = tuple(dict.fromkeys(tagger.places(text)))
        return [self._lede_places[a] for a in article_ids]

    def _forms(self, query: str) -> list[lb.Evidence]:
        """The question's evidence in Simplified and in Traditional script."""
        simp = to_simplified(query)
        places = self._tagger().places(simp)
        forms = [lb.question_evidence(simp, places)]
        trad = to_traditional(simp)
        if trad != simp:
            forms.append(lb.question_evidence(trad, [to_traditional(p) for p in places]))
        return forms

    def _lede_texts(self, article_ids: Sequence[str]) -> list[str]:
        """Each article's title, byline and first chunk: where a story names its place
        (cached). A page of regional reports names each report's place only in its byline
        (乌兰察布市委书记 艾丽华)."""
        missing = [a for a in dict.fromkeys(article_ids) if a not in self._ledes]
        if missing:
            firsts = self.ctx.backend.lede_chunks(missing)
            if len(self._ledes) + len(missing) > LEDE_CACHE_SIZE:
                self._ledes.clear()
            for a in missing:
                title = (self.ctx.article_meta.get(a) or {}).get("title") or ""
                byline = getattr(self.ctx.article_meta, "byline", lambda _: None)(a) or ""
                lede = firsts[a].text if a in firsts else ""
                self._ledes[a] = lb.normalize_stored(title + "\n" + byline + "\n" + lede)
        return [self._ledes[a] for a in article_ids]


class DenseRetriever(_IndexRetriever):
    """Inner product of normalised embeddings (FAISS, or Milvus' vector field)."""

    name = "dense"

    #: Query vectors kept (a question is embedded once for search and sentence features).
    CACHE_SIZE = 256

    def __init__(self, ctx: SearchContext):
        super().__init__(ctx)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def query_vector(self, query: str) -> np.ndarray:
        """The query embedding (the last ``CACHE_SIZE`` query texts are remembered)."""
        with self._lock:
            vec = self._cache.get(query)
            if vec is not None:
                self._cache.move_to_end(query)
                return vec
        encoder = self.ctx.backend.encoder
        if encoder is None:
            raise EncoderError("retrieval.no_dense")
        vec = encoder.encode_queries([query])[0]
        with self._lock:
            self._cache[query] = vec
            while len(self._cache) > self.CACHE_SIZE:
                self._cache.popitem(last=False)
        return vec

    def _search(self, query, k, filters, chunks):
        if not query.strip():
            return []
        return self.ctx.backend.dense_search(self.query_vector(query), k, filters)


class HybridRetriever:
    """Lexical and dense candidates fused with weighted reciprocal rank fusion.

    With ``lexical_gate``, a lexical first hit that scores ``lexical_gate`` times the
    second stays first whatever the dense run says (:func:`fusion.lexical_anchor`).
    A question without Chinese characters follows the dense run
    (:func:`fusion.cross_script`).

    Args:
        lexical, dense: the two retrievers (dense may be None: lexical only).
        rrf_k: RRF constant.
        depth: candidates taken from each retriever before fusion.
        weights: (lexical, dense) weights in RRF.
        lexical_gate: see above; None: plain weighted RRF.
        exonyms: English place names for questions without Chinese
            (:func:`romanized.load_exonyms`; None: the bundled table).
    """

    name = "hybrid"

    def __init__(self, lexical: LexicalRetriever, dense: DenseRetriever | None,
                 rrf_k: int = RRF_K, depth: int = 50, weights: tuple[float, float] = (1.0, 1.0),
                 lexical_gate: float | None = None, exonyms: romanized.Exonyms | None = None):
        if depth < 1:
            raise ValueError("depth must be >= 1")
        self.lexical = lexical
        self.dense = dense
        self.rrf_k = rrf_k
        self.depth = depth
        self.weights = weights
        self.lexical_gate = lexical_gate
        self.exonyms = exonyms

    def retrieve(self, query: str, k: int, filters: Filters | None = None) -> list[Hit]:
        return self.retrieve_anchored(query, k, filters)[0]

    def retrieve_anchored(self, query: str, k: int,
                          filters: Filters | None = None) -> tuple[list[Hit], bool | None]:
        """The fused hits, and whether the lexical anchor fixed the first of them (a clear
        BM25 first hit: right for 99% of the questions of every set measured, docs/retrieval.md
        "Passage rerank"), so that a later stage can leave that order alone. None when
        no anchor test was made: no gate, no dense run, or a question without Chinese."""
        if k <= 0:
            return [], None
        depth = max(self.depth, k)
        runs = [self.lexical.retrieve(query, depth, filters)]
        weights = [self.weights[0]]
        gate = self.lexical_gate
        if self.dense is not None:
            runs.append(self.dense.retrieve(query, depth, filters))
            weights.append(self.weights[1])
            if cross_script(query):  # BM25 matches only Latin names in Chinese text
                weights = [CROSS_SCRIPT_LEXICAL * self.weights[1], self.weights[1]]
                gate = None
                if weights[0] <= 0.0:
                    runs, weights = runs[1:], weights[1:]
        by_id: dict[str, Hit] = {}
        for run in runs:
            for h in run:
                by_id.setdefault(h.chunk_id, h)
        # near-duplicate stories: one vote per story, whichever copy each run showed
        fused = rrf_by_story([[(h.chunk_id, h.article_id) for h in run] for run in runs],
                             self.lexical.ctx.canonical, k=self.rrf_k, weights=weights)
        anchored = (lexical_anchor([h.score for h in runs[0][:2]], gate)
                    if len(runs) > 1 and gate is not None and gate > 1.0 else None)
        if anchored:
            # a clear lexical first hit keeps rank 1; the dense vote orders the rest
            top = runs[0][0].chunk_id
            fused = [f for f in fused if f[0] == top] + [f for f in fused if f[0] != top]
        if self.dense is not None and cross_script(query):
            fused = self._romanized_first(query, fused, by_id)
        hits = [
            Hit(cid, by_id[cid].article_id, score, rank, self.name, by_id[cid].start,
                by_id[cid].end, by_id[cid].text, by_id[cid].also_in)
            for rank, (cid, score) in enumerate(fused, start=1)
        ]
        return collapse_duplicates(hits, self.lexical.ctx)[:k], anchored

    def _romanized_first(self, query: str, fused: list[tuple[str, float]],
                         by_id: Mapping[str, Hit]) -> list[tuple[str, float]]:
        """For a question without Chinese: the top hits whose article names a place the
        question spells in pinyin (Tongliao: 通辽) go first, in their order
        (:mod:`corpusqa.retrieval.romanized`)."""
        names = romanized.question_names(query)
        if not names or not fused:
            return fused
        head, tail = fused[:romanized.DEPTH], fused[romanized.DEPTH:]
        places = self.lexical.lede_places([by_id[c].article_id for c, _ in head])
        match = [romanized.names_match(names, p, self.exonyms) for p in places]
        if not any(match):
            return fused
        return ([f for f, m in zip(head, match) if m] + [f for f, m in zip(head, match) if not m]
                + tail)
