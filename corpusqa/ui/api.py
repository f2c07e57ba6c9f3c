"""The HTTP API for the newsroom's other systems: ask, health, open a cited article.

``POST /api/ask`` returns exactly what ``corpusqa ask --json`` prints (``Answer.to_dict``),
answered by the same ``ChatService`` (so the same live assistant) as the web chat.
Every error is one line in Chinese or English (``?lang=`` or ``Accept-Language``) with a
4xx status; an unexpected failure is a 500 with one line, never a traceback.

When a login is configured, every ``/api`` route needs HTTP Basic with the chat's
credentials or ``Authorization: Bearer $CORPUSQA_API_TOKEN``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import threading
from typing import Any, Callable, Literal

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from corpusqa.answers.assistant import MAX_QUESTION_CHARS, check_question
from corpusqa.errors import CorpusQAError, InputError
from corpusqa.i18n import LANGUAGES, t
from corpusqa.ui.service import ChatService
from corpusqa.ui.session import parse_filters

log = logging.getLogger(__name__)

PREFIX = "/api"
MAX_BODY_BYTES = 256 * 1024   # a question is at most MAX_QUESTION_CHARS; history adds a little
ASK_CONCURRENCY = 2           # questions the API answers at once (CPU-bound), beside the chat's
Checker = Callable[[str, str], bool]


# -- request and response models ----------------------------------------------------

class HistoryTurn(BaseModel):
    """One earlier turn of the conversation, oldest first (as ``ask --history``)."""

    question: str
    rewritten_question: str | None = None
    answer: str | None = None


class AskFilters(BaseModel):
    """Metadata filters (as ``ask --date-from/--date-to/--source/--title``)."""

    model_config = ConfigDict(extra="forbid")

    date_from: str | None = Field(None, description="YYYY-MM-DD, inclusive", examples=["2021-01-01"])
    date_to: str | None = Field(None, description="YYYY-MM-DD, inclusive", examples=["2022-12-31"])
    sources: list[str] | None = Field(None, description="source file names")
    title_contains: str | None = None


class AskRequest(BaseModel):
    question: str = Field(..., description=f"in Chinese (or English), at most {MAX_QUESTION_CHARS} characters",
                          examples=["全区建成了多少个一站式党群服务中心？"])
    history: list[HistoryTurn] | None = None
    filters: AskFilters | None = None


class SpanOut(BaseModel):
    text: str
    start: int
    end: int


class CitationOut(BaseModel):
    doc_id: str
    title: str
    date: str | None
    source: str
    paragraph: int | None
    start: int
    end: int
    quote: str = Field(description="article.text[start:end], verbatim")
    score: float


class PassageOut(BaseModel):
    doc_id: str
    chunk_id: str
    text: str
    score: float
    rank: int
    title: str = ""
    start: int = 0
    end: int = 0
    also_in: list[str] = []


class AnswerOut(BaseModel):
    """The JSON of ``corpusqa ask --json``."""

    model_config = ConfigDict(extra="allow")

    question: str
    rewritten_question: str
    answer: str | None = Field(description="the verbatim sentence; null when the corpus holds no answer")
    abstained: bool
    confidence: float = Field(description="probability that the quoted sentence holds the answer")
    answerable: float | None = Field(default=None, description="the answer gate's probability that the corpus "
                                     "holds an answer (questions with Chinese); null without a gate")
    unsure: bool = Field(default=False, description="answered because the article should hold the answer, "
                         "although this sentence may not: check the source")
    refusal: str | None = Field(default=None, description="why it refused, when a rule decided it: no_figure "
                                "(the best-matching sentences do not give the figure or year asked for), "
                                "other_place (no article found names the question's place); null otherwise")
    highlight: SpanOut | None
    question_type: str | None = None
    citations: list[CitationOut]
    passages: list[PassageOut]
    timings_ms: dict[str, float]


class IndexOut(BaseModel):
    version: str = Field(description="the live version directory (its build id)")
    built_at: str | None
    encoder: str
    chunks: int


class HealthOut(BaseModel):
    status: Literal["ok", "unavailable"]
    serving_version: str | None = Field(description="the index version answering questions now")
    index: IndexOut | None
    articles: int
    sources: int


class ArticleOut(BaseModel):
    id: str
    title: str
    date: str | None
    source: str
    text: str


class ErrorOut(BaseModel):
    code: str = Field(description="message key, e.g. answers.empty_question")
    detail: str = Field(description="one line for a person, in zh or en")


# -- helpers ------------------------------------------------------------------------

class ApiError(Exception):
    """An HTTP error with a catalog message."""

    def __init__(self, status: int, key: str, headers: dict[str, str] | None = None, **params):
        super().__init__(key)
        self.status, self.key, self.params, self.headers = status, key, params, headers


def request_language(request: Request, default: str) -> str:
    """``?lang=`` first, then the first zh/en of ``Accept-Language``, else ``default``."""
    lang = (request.query_params.get("lang") or "").lower()[:2]
    if lang in LANGUAGES:
        return lang
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return default


def _error(request: Request, status: int, key: str, default_lang: str, headers=None, **params) -> JSONResponse:
    text = " ".join(t(key, request_language(request, default_lang), **params).split())  # one line
    return JSONResponse({"code": key, "detail": text}, status_code=status, headers=headers)


def _validation_key(exc: RequestValidationError) -> tuple[int, str, dict[str, Any]]:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return 400, "api.bad_json", {}
    first = errors[0] if errors else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
    return 422, "api.bad_field", {"field": where, "detail": str(first.get("msg", ""))[:120]}


def make_login(checker: Checker | None, token: str | None, realm: str = "corpusqa"):
    """A dependency that enforces the login when one is configured (no-op otherwise)."""
    token_bytes = token.encode("utf-8") if token else None
    challenge = {"WWW-Authenticate": f'Basic realm="{realm}"' if checker else "Bearer"}

    def require_login(request: Request) -> None:
        if checker is None and token_bytes is None:
            return
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        scheme, value = scheme.lower(), value.strip()
        if scheme == "bearer" and token_bytes is not None:
            if hmac.compare_digest(value.encode("utf-8"), token_bytes):
                return
        elif scheme == "basic" and checker is not None:
            try:
                user, sep, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                user, sep, password = "", "", ""
            if sep and checker(user, password):
                return
        raise ApiError(401, "api.unauthorized", headers=challenge)

    return require_login


# -- the API ------------------------------------------------------------------------

def install_api(app: FastAPI, service: ChatService, checker: Checker | None = None,
                token: str | None = None) -> FastAPI:
    """Add the ``/api`` routes and their error handling to ``app``; returns ``app``.

    Args:
        app: the FastAPI app the Gradio chat is (or will be) mounted on.
        service: the chat's back end (one live assistant for the chat and the API).
        checker: the chat's login check (``auth.make_checker``); None = no Basic login.
        token: the bearer token (``CORPUSQA_API_TOKEN``); None = no token login.
    """
    lang = service.language
    slots = threading.BoundedSemaphore(ASK_CONCURRENCY)
    errors: dict[int | str, dict[str, Any]] = {400: {"model": ErrorOut}, 401: {"model": ErrorOut},
                                                422: {"model": ErrorOut}}
    router = APIRouter(prefix=PREFIX, dependencies=[Depends(make_login(checker, token))],
                       responses={401: {"model": ErrorOut}}, tags=["corpusqa"])

    @router.post("/ask", response_model=AnswerOut, responses=errors,
                 summary="Answer a question (the JSON of `corpusqa ask --json`)")
    def ask(body: AskRequest) -> dict[str, Any]:
        question = check_question(body.question)  # empty or too long: before any work
        filters = parse_filters(body.filters.date_from, body.filters.date_to, body.filters.sources) \
            if body.filters else None
        if body.filters and body.filters.title_contains:
            filters = {**(filters or {}), "title_contains": body.filters.title_contains}
        history = [h.model_dump(exclude_none=True) for h in body.history or []]
        with slots:
            answer = service.ask(question, filters=filters, history=history or None)
        return answer.to_dict()

    @router.get("/health", response_model=HealthOut, summary="Index version and corpus counts")
    def health() -> dict[str, Any]:
        stats = service.workspace.corpus_stats()
        info = service.workspace.index_info(size=False)
        index = None
        if info is not None:
            index = {"version": info.version, "built_at": info.built_at, "encoder": info.encoder,
                     "chunks": int(info.chunks)}
        return {"status": "ok" if index and service.live.loaded else "unavailable",
                "serving_version": service.live.version, "index": index,
                "articles": int(stats.get("articles", 0)), "sources": int(stats.get("sources", 0))}

    @router.get("/articles/{article_id}", response_model=ArticleOut, responses={404: {"model": ErrorOut}},
                summary="A stored article (to open a citation's doc_id)")
    def article(article_id: str) -> dict[str, Any]:
        found = service.workspace.get_articles([article_id]).get(article_id)
        if found is None:
            raise ApiError(404, "api.no_article", id=article_id[:80])
        return {"id": found.id, "title": found.title, "date": found.date, "source": found.source,
                "text": found.text}

    app.include_router(router)
    _install_handlers(app, lang)
    return app


class BodyLimit:
    """Refuse an ``/api`` request body over ``max_bytes`` (413) before it is read.

    A plain ASGI middleware: the chat's streaming routes pass through untouched.
    """

    def __init__(self, app, max_bytes: int, language: str):
        self.app, self.max_bytes, self.language = app, max_bytes, language

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope.get("path", "").startswith(PREFIX + "/"):
            size = dict(scope.get("headers") or []).get(b"content-length")
            if size is not None and (not size.isdigit() or int(size) > self.max_bytes):
                request = Request(scope)
                response = _error(request, 413, "api.too_large", self.language,
                                  max_kb=self.max_bytes // 1024)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _install_handlers(app: FastAPI, lang: str) -> None:
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES, language=lang)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        return _error(request, exc.status, exc.key, lang, headers=exc.headers, **exc.params)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        status, key, params = _validation_key(exc)
        return _error(request, status, key, lang, **params)

    @app.exception_handler(CorpusQAError)
    async def corpusqa_error(request: Request, exc: CorpusQAError):
        status = 400 if isinstance(exc, InputError) else 503  # no usable index or a locked corpus
        return _error(request, status, exc.key, lang, **exc.params)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.error("HTTP API request %s failed", request.url.path, exc_info=exc)
        return _error(request, 500, "ui.unexpected", lang, detail=type(exc).__name__)
