"""What the web chat does, without Gradio: ask, rate, comment, upload, remove, describe the corpus.

``ChatService`` is shared by all browser sessions and the HTTP API; it holds only the
live assistant (read-only while answering, swapped when the home changes) and the
``Workspace`` of its home. Conversation state is passed in and returned (a list of
``Turn``), so each session keeps its own.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping, Sequence

from corpusqa.errors import CorpusError, CorpusQAError, InputError
from corpusqa.i18n import t
from corpusqa.models import Answer, Article
from corpusqa.settings import Settings
from corpusqa.ui.feedback import FeedbackStore
from corpusqa.ui.session import Turn, history_for, parse_filters, replace_turn
from corpusqa.workspace import RemoveReport, Workspace
from corpusqa.workspace.live import DEFAULT_INTERVAL_S, LiveAssistant

log = logging.getLogger(__name__)

AssistantFactory = Callable[[Settings], Any]
IndexUpdater = Callable[[Settings], None]
WARM_UP_QUESTION = "全区建成了多少个一站式党群服务中心？"


def default_assistant_factory(settings: Settings):
    """The real assistant over ``settings.home``, loaded."""
    return Workspace(settings).open_assistant()


def default_index_updater(settings: Settings) -> None:
    """Bring the index up to date with the corpus: only new or changed text is embedded."""
    Workspace(settings).update_index(progress=False)


@dataclass(frozen=True)
class RemovalPreview:
    """What a removal would delete, resolved without changing anything.

    Attributes:
        targets: exact source names and full article ids (a typed prefix resolved); the
            confirmation passes them to :meth:`ChatService.remove`, so it deletes what was shown.
        sources: (name, number of articles) of each whole source file.
        articles: number of articles deleted in all, the sources' included.
        singles: (id, title, source) of each article named on its own.
    """

    targets: tuple[str, ...]
    sources: tuple[tuple[str, int], ...]
    articles: int
    singles: tuple[tuple[str, str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"targets": list(self.targets), "articles": self.articles,
                "sources": [{"name": n, "articles": k} for n, k in self.sources],
                "singles": [{"id": i, "title": title, "source": src} for i, title, src in self.singles]}


def removal_summary(report: RemoveReport, language: str) -> str:
    """One line for the admin: sources and articles removed, and what happened to the index."""
    key, params = report.index_message()
    return t("ui.remove.done", language, sources=len(report.sources), articles=len(report.articles),
             index=t(key, language, **params))


def _warm(assistant, question: str = WARM_UP_QUESTION) -> None:
    """Answer one question so lazily loaded parts load now, not in a user's wait."""
    try:
        assistant.ask(question)
    except Exception:  # a failed warm-up only costs time later
        log.warning("warm-up question failed", exc_info=True)


class ChatService:
    """Shared back end of the web chat and the HTTP API.

    The assistant follows its home (``LiveAssistant``): an index version published or a
    corpus written by another process (``corpusqa ingest`` + ``corpusqa index update``)
    is swapped in within ``reload_interval`` seconds, or on the next question after it.

    Args:
        settings: data directory, language, encoder.
        assistant_factory: builds a loaded assistant (``ask(question, filters, history)``).
        index_updater: updates the index after uploads; None disables uploads' indexing.
        reload_interval: seconds between two checks of the home for changes made elsewhere.
    """

    def __init__(self, settings: Settings, assistant_factory: AssistantFactory = default_assistant_factory,
                 index_updater: IndexUpdater | None = default_index_updater,
                 reload_interval: float = DEFAULT_INTERVAL_S):
        self.settings = settings
        self.language = settings.language
        self.workspace = Workspace(settings)
        self.feedback = FeedbackStore(settings.feedback_db_path)
        self._updater = index_updater
        self.live = LiveAssistant(settings, assistant_factory, interval=reload_interval, warm=_warm)

    # -- the assistant -----------------------------------------------------------
    def assistant(self):
        """The current assistant (built on first use; errors reach the caller)."""
        return self.live.get()

    def warm_up(self, question: str = WARM_UP_QUESTION) -> None:
        """Load the assistant and answer one question, so models load before the first user."""
        with self.live.use() as assistant:  # loading errors (no index...) reach the caller
            _warm(assistant, question)

    def reload(self) -> None:
        """Load a fresh assistant now (after an upload); the old one serves until it is ready."""
        self.live.refresh(force=True)

    def watch(self) -> None:
        """Follow changes made by other processes in the background (``corpusqa serve``)."""
        self.live.start()

    def close(self) -> None:
        """Stop following the home."""
        self.live.stop()

    def ask(self, question: str, filters: Mapping[str, Any] | None = None,
            history: Sequence[Mapping[str, Any]] | None = None) -> Answer:
        """One answer on the version current when the question starts (the HTTP API's path).

        Raises:
            CorpusQAError: bad input (empty or too long question) or no usable index.
        """
        with self.live.use() as assistant:
            return assistant.ask(question, filters=filters, history=list(history) if history else None)

    # -- asking ------------------------------------------------------------------
    @staticmethod
    def start(turns: Sequence[Turn], question: str) -> list[Turn]:
        """Append a pending turn for ``question`` (shown while the answer is computed)."""
        return [*turns, Turn(question=(question or "").strip())]

    def answer_pending(self, turns: Sequence[Turn], date_from: str | None = None, date_to: str | None = None,
                       sources: Sequence[str] | None = None, standalone: bool = False) -> list[Turn]:
        """Answer every pending turn, oldest first; errors become a one-line message in the turn.

        Several turns can be pending when the user sends a second question before
        the first is answered; none is left waiting.

        Args:
            standalone: ignore the conversation (the user edited the rewritten question).
        """
        out = list(turns)
        for i, turn in enumerate(out):
            if turn.pending:
                out[i] = self._answer(out, i, date_from, date_to, sources, standalone)
        return out

    def _answer(self, turns: list[Turn], i: int, date_from, date_to, sources, standalone: bool) -> Turn:
        turn = turns[i]
        history = [] if standalone else history_for(turns[:i])
        started = time.perf_counter()
        try:
            filters = parse_filters(date_from, date_to, sources)
            answer = self.ask(turn.question, filters=filters, history=history or None)
        except CorpusQAError as exc:
            return replace(turn, error=exc.message(self.language))
        except Exception as exc:  # never show a traceback in the chat
            log.exception("answering %r failed", turn.question)
            return replace(turn, error=t("ui.unexpected", self.language, detail=type(exc).__name__))
        elapsed = (time.perf_counter() - started) * 1000
        articles = self.articles([c.doc_id for c in answer.citations])
        return replace(turn, answer=answer, articles=articles, elapsed_ms=elapsed)

    def articles(self, ids: Sequence[str]) -> dict[str, Article]:
        """Stored articles by id (missing ones left out) for passages and context."""
        try:
            return self.workspace.get_articles(ids)
        except CorpusQAError:
            log.warning("could not read cited articles", exc_info=True)
            return {}

    # -- feedback ----------------------------------------------------------------
    def vote(self, turns: Sequence[Turn], index: int, vote: str) -> list[Turn]:
        """Record 👍/👎 on turn ``index`` (one row per answer; voting again changes it)."""
        if not (0 <= index < len(turns)) or turns[index].answer is None or vote not in ("up", "down"):
            return list(turns)
        turn = turns[index]
        assert turn.answer is not None  # checked above
        if turn.feedback_id is not None:
            self.feedback.update(turn.feedback_id, vote=vote)
            return replace_turn(turns, index, vote=vote)
        row = self.feedback.record(turn.answer, vote, history=history_for(turns[:index]))
        return replace_turn(turns, index, vote=vote, feedback_id=row)

    def comment(self, turns: Sequence[Turn], index: int, text: str) -> bool:
        """Attach a comment to the feedback row of turn ``index``; False when not rated yet."""
        if not (0 <= index < len(turns)) or turns[index].feedback_id is None or not (text or "").strip():
            return False
        feedback_id = turns[index].feedback_id
        assert feedback_id is not None  # checked above
        self.feedback.update(feedback_id, comment=text)
        return True

    # -- corpus and uploads -------------------------------------------------------
    def corpus_info(self) -> tuple[dict, list[dict], str | None]:
        """(stats, sources, last indexed time) for the corpus panel."""
        home = self.workspace.stats()
        return home.corpus, home.sources, home.index.built_at if home.index else None

    def source_names(self) -> list[str]:
        """Source file names for the filter dropdown."""
        try:
            return [s["name"] for s in self.corpus_info()[1]]
        except CorpusQAError:
            return []

    def upload(self, files: Sequence[tuple[str, str]], progress=None):
        """Ingest uploaded files and update the index; reloads the assistant on change."""
        from corpusqa.ui.uploads import process_uploads

        outcome = process_uploads(files, self.settings, self._updater, progress)
        if outcome.index_updated:
            try:
                self.reload()
            except CorpusQAError:
                log.warning("reloading the assistant after an upload failed", exc_info=True)
        return outcome

    # -- removals -----------------------------------------------------------------
    def preview_removal(self, sources: Sequence[str] | None, article_id: str | None = None) -> RemovalPreview:
        """What removing ``sources`` and the article ``article_id`` would delete; changes nothing.

        Args:
            sources: source file names (the corpus panel's).
            article_id: an article id, or a unique prefix of 4+ characters (a source name works too).

        Raises:
            InputError: nothing chosen (``ui.remove.none``), a name or id that matches nothing
                (``ui.remove.unknown``), an id prefix that matches several articles, or every
                article of the corpus (``ui.remove.everything``).
            CorpusError: the corpus database cannot be read.
        """
        typed = (article_id or "").strip()
        names = [n for n in dict.fromkeys(sources or ()) if n]
        if not names and not typed:
            raise InputError("ui.remove.none")
        with self.workspace.corpus() as store:
            if typed:
                one = _resolve(self.workspace, [typed])
                names += [n for n in one.sources if n not in names]
                singles = [] if one.sources else list(one.articles)
            else:
                singles = []
            whole = _resolve(self.workspace, names)
            singles = [i for i in singles if i not in set(whole.articles)]
            plan = _resolve(self.workspace, [*names, *singles])
            if len(plan.articles) >= store.stats()["articles"]:
                raise InputError("ui.remove.everything")
            counts = {s["name"]: s["n_articles"] for s in store.sources()}
            found = {i: store.get_article(i) for i in singles}
        return RemovalPreview(
            targets=(*plan.sources, *singles), articles=len(plan.articles),
            sources=tuple((n, int(counts.get(n, 0))) for n in plan.sources),
            singles=tuple((i, a.title, a.source) for i in singles if (a := found[i]) is not None))

    def remove(self, targets: Sequence[str]) -> RemoveReport:
        """Remove a confirmed preview's ``targets``: the index first, then the corpus.

        The assistant is reloaded on the new index version, so a removed article is never
        retrieved or cited again (as ``corpusqa corpus remove`` guarantees for the CLI).

        Raises:
            InputError: as :meth:`preview_removal` (the corpus may have changed since).
            CorpusError: another writer kept the home busy (``corpus.home.busy``), or the
                corpus database is broken.
        """
        targets = [x for x in dict.fromkeys(targets or ()) if x]
        if not targets:
            raise InputError("ui.remove.none")
        with self.workspace.corpus() as store:  # the same refusals as the preview
            if len(_resolve(self.workspace, targets).articles) >= store.stats()["articles"]:
                raise InputError("ui.remove.everything")
        try:
            report = self.workspace.remove(targets, progress=False)
        except CorpusError as exc:
            raise _for_the_web(exc) from None
        try:
            self.reload()
        except CorpusQAError:
            log.warning("reloading the assistant after a removal failed", exc_info=True)
        return report


def _resolve(workspace: Workspace, targets: Sequence[str]):
    """``Workspace.plan_removal`` (the resolver ``remove`` uses, so a preview names exactly what
    the removal deletes) with the web chat's wording for a name or id that matches nothing."""
    try:
        return workspace.plan_removal(targets)
    except CorpusError as exc:
        raise _for_the_web(exc) from None


def _for_the_web(exc: CorpusError) -> CorpusQAError:
    """The CLI's "unknown target" points to CLI commands; the admin tab says what to pick instead."""
    if exc.key == "corpus.remove.unknown":
        return InputError("ui.remove.unknown", target=exc.params.get("target", ""))
    return exc
