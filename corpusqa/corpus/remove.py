"""What a removal deletes: ``corpus remove SOURCE|ID`` and ``ingest --prune FOLDER``.

Resolving is read-only; ``Workspace.remove`` runs the plan (index first, then the
database, see ``workspace/home.py``) so that a removed article is never cited again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from corpusqa.corpus.store import CorpusStore
from corpusqa.errors import CorpusError, InputError

MIN_PREFIX = 4  # characters of an article id a user may type instead of the whole id


@dataclass(frozen=True)
class RemovalPlan:
    """Whole sources to delete, and every article id the removal deletes (theirs included)."""

    sources: tuple[str, ...] = ()
    articles: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.sources or self.articles)

    def to_dict(self) -> dict[str, Any]:
        return {"sources": list(self.sources), "articles": list(self.articles)}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "RemovalPlan":
        data = data or {}
        return cls(tuple(data.get("sources") or ()), tuple(data.get("articles") or ()))


def resolve_targets(store: CorpusStore, targets: Iterable[str]) -> RemovalPlan:
    """Sources (by name) and articles (by id, or a unique prefix of 4+ characters) to remove.

    Every target is checked before anything is removed.

    Raises:
        CorpusError: a target names no source and no article (``corpus.remove.unknown``).
        InputError: an id prefix matches several articles (``corpus.show.ambiguous_id``).
    """
    names = {s["name"] for s in store.sources()}
    sources: list[str] = []
    singles: list[str] = []
    for raw in targets:
        target = raw.strip()
        if target in names:
            sources.append(target)
        elif store.owners([target]):
            singles.append(target)
        else:
            matches = store.find_ids(target) if len(target) >= MIN_PREFIX else []
            if len(matches) > 1:
                raise InputError("corpus.show.ambiguous_id", id=target, ids=", ".join(matches[:5]))
            if not matches:
                raise CorpusError("corpus.remove.unknown", target=target)
            singles.append(matches[0])
    sources = list(dict.fromkeys(sources))
    articles = list(dict.fromkeys([*store.source_articles(sources), *singles]))
    return RemovalPlan(tuple(sources), tuple(articles))


def gone_sources(store: CorpusStore, folders: Iterable[Path | str]) -> list[str]:
    """Names of stored sources whose file was under one of ``folders`` and no longer exists.

    A path given as a file (not a folder) prunes nothing. Sources are matched by the path
    recorded at ingest; a relative path counts from the current directory, as it did then.
    """
    roots = [Path(f).resolve() for f in folders if Path(f).is_dir()]
    if not roots:
        return []
    gone = []
    for source in store.sources():
        if not source.get("path"):
            continue
        path = Path(source["path"]).resolve()
        if any(root in path.parents for root in roots) and not path.exists():
            gone.append(source["name"])
    return gone


def apply_removal(store: CorpusStore, plan: RemovalPlan) -> None:
    """Delete the plan's sources and articles, and update the near-duplicate links.

    Clears the pending-removal mark in the same transaction. The home stays one that
    was ingested into, so an emptied corpus is not refilled with the sample pages.
    """
    from corpusqa.corpus.ingest import REQUESTED

    store.remove(plan.sources, plan.articles)
    store.set_meta(REQUESTED, "1")
