"""The index side of a removal: a version without the removed articles, published first.

``Workspace.remove`` and ``Workspace.ingest(prune=True)`` mark the removal pending in the
corpus, call :func:`reindex_without`, then delete the articles from the database. Readers
therefore see the old state or the new one: the live index never names an article the
corpus has lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from corpusqa.errors import CorpusQAError
from corpusqa.index.builder import BuildReport, IndexBuilder
from corpusqa.index.versions import retire

if TYPE_CHECKING:
    from corpusqa.workspace.home import Workspace


@dataclass(frozen=True)
class RemoveReport:
    """What a removal deleted, and the index update that made it final.

    Attributes:
        sources: whole source files removed.
        articles: every article id removed (those of the sources included).
        index: the index update (None when there was no index to update).
        index_retired: True when nothing was left to index and the index was taken down.
    """

    sources: tuple[str, ...]
    articles: tuple[str, ...]
    index: BuildReport | None = None
    index_retired: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"sources": list(self.sources), "articles": list(self.articles),
                "index": self.index.to_dict() if self.index else None, "index_retired": self.index_retired}

    def index_message(self) -> tuple[str, dict[str, Any]]:
        """The message key and parameters saying what happened to the index (CLI and web chat)."""
        if self.index is not None:
            return "corpus.remove.index_updated", {"chunks": self.index.chunks}
        if self.index_retired:
            return "corpus.remove.index_retired", {}
        return "corpus.remove.no_index", {}


def reindex_without(workspace: Workspace, removed: set[str],
                    progress: bool | None) -> tuple[BuildReport | None, bool]:
    """Publish an index version without the ``removed`` articles; returns (report, retired).

    The live index's encoder and sentence-vector mode are kept (a removal never switches
    encoder), so every kept vector is reused. (None, False) when there is no index yet;
    (None, True) when no article is left and the index was taken down.
    """
    if workspace.remote_index:
        from corpusqa.workspace import milvus_home

        return milvus_home.remove(workspace.settings, removed), False
    try:
        live = workspace.index_info(size=False)
    except (CorpusQAError, OSError):
        live = None  # an unreadable index is rebuilt by ``index build``; nothing to keep
    if live is None:
        return None, False
    articles = [a for a in workspace.articles() if a.id not in removed]
    if not articles:
        retire(workspace.settings.index_dir)
        return None, True
    spec = (live.manifest.get("encoder") or {}).get("spec") or "none"
    # BuildOptions left at None: the live version's (chunking, sentence vectors, FAISS kind)
    builder = IndexBuilder(workspace.settings.index_dir, workspace.settings.with_(encoder=spec), progress=progress)
    return builder.update(articles), False
