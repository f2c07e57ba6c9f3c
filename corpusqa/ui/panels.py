"""HTML for the corpus panel, the upload report and removals (pure functions)."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from corpusqa.i18n import t
from corpusqa.ui.render import esc


def _when(value: str | None, language: str) -> str:
    """An ISO timestamp shortened to minutes, or 'never'."""
    if not value:
        return t("ui.corpus.never", language)
    return str(value).replace("T", " ")[:16]


def render_corpus_panel(stats: Mapping[str, Any], sources: Sequence[Mapping[str, Any]],
                        last_indexed: str | None, language: str) -> str:
    """Counts (duplicates collapsed), last ingest/index times and the source files."""
    facts = [
        ("ui.corpus.articles", stats.get("articles", 0), "articles"),
        ("ui.corpus.canonical", stats.get("canonical_articles", 0), "canonical"),
        ("ui.corpus.duplicates", stats.get("duplicates", 0), "duplicates"),
        ("ui.corpus.sources", stats.get("sources", 0), "sources"),
        ("ui.corpus.last_ingested", _when(stats.get("last_ingested"), language), "last-ingested"),
        ("ui.corpus.last_indexed", _when(last_indexed, language), "last-indexed"),
    ]
    cards = "".join(
        f'<div class="cqa-fact" data-testid="cqa-fact-{name}"><div class="cqa-fact-value">{esc(value)}</div>'
        f'<div class="cqa-fact-label">{esc(t(key, language))}</div></div>'
        for key, value, name in facts)
    head = "".join(f"<th>{esc(t(k, language))}</th>" for k in (
        "ui.corpus.col.name", "ui.corpus.col.format", "ui.corpus.col.articles", "ui.corpus.col.ingested"))
    rows = "".join(
        f'<tr><td class="cqa-source">{esc(s.get("name"))}</td><td>{esc(s.get("format") or "")}</td>'
        f'<td>{esc(s.get("n_articles", 0))}</td><td>{esc(_when(s.get("ingested_at"), language))}</td></tr>'
        for s in sources)
    return (f'<div class="cqa-corpus" data-testid="cqa-corpus"><div class="cqa-facts">{cards}</div>'
            f'<table class="cqa-sources-table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>')


def render_upload_report(rows: Sequence[Mapping[str, Any]], summary: str | None, language: str) -> str:
    """One row per uploaded file: status, article count, and the error or warning text."""
    head = "".join(f"<th>{esc(t(k, language))}</th>" for k in (
        "ui.upload.col.file", "ui.upload.col.status", "ui.upload.col.articles"))
    body = []
    for r in rows:
        status = r.get("status", "error")
        cls = "cqa-upload-error" if status in ("error", "rejected") else "cqa-upload-ok"
        message = r.get("message") or ""
        detail = f'<div class="cqa-upload-message">{esc(message)}</div>' if message else ""
        body.append(f'<tr class="{cls}" data-status="{esc(status)}"><td class="cqa-source">{esc(r.get("name"))}'
                    f'{detail}</td><td>{esc(t("ui.upload.status." + status, language))}</td>'
                    f'<td>{esc(r.get("articles", 0))}</td></tr>')
    summary_html = f'<div class="cqa-upload-summary">{esc(summary)}</div>' if summary else ""
    return (f'<div class="cqa-upload-report" data-testid="cqa-upload-report">{summary_html}'
            f'<table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def render_removal_preview(preview: Mapping[str, Any], language: str) -> str:
    """What a removal would delete (``RemovalPreview.to_dict()``), shown before it is confirmed."""
    sources = preview.get("sources") or []
    singles = preview.get("singles") or []
    articles = preview.get("articles", 0)
    head = t("ui.remove.preview", language, sources=len(sources), articles=articles)
    items = []
    for s in sources:
        line = t("ui.remove.preview.source", language, name=s.get("name"), n=s.get("articles", 0))
        items.append(f'<li class="cqa-remove-source" data-source="{esc(s.get("name"))}">{esc(line)}</li>')
    for a in singles:
        line = t("ui.remove.preview.article", language, id=a.get("id"), title=a.get("title"),
                 source=a.get("source"))
        items.append(f'<li class="cqa-remove-article" data-doc-id="{esc(a.get("id"))}">{esc(line)}</li>')
    return (f'<div class="cqa-remove-preview" data-testid="cqa-remove-preview" data-articles="{esc(articles)}">'
            f'<p>{esc(head)}</p><ul>{"".join(items)}</ul>'
            f'<p class="cqa-remove-warning">{esc(t("ui.remove.preview.warning", language))}</p></div>')


def render_removal_result(text: str, ok: bool) -> str:
    """The one line a removal (or its refusal) ends with."""
    status = "ok" if ok else "error"
    return (f'<div class="cqa-remove-result cqa-remove-{status}" data-testid="cqa-remove-result" '
            f'data-status="{status}">{esc(text)}</div>')
