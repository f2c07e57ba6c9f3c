"""Plain-text rendering of an Answer for the terminal (pure functions)."""

from __future__ import annotations

from typing import Callable

from corpusqa.i18n import t
from corpusqa.models import Answer


def mark_highlight(answer: Answer, style: Callable[[str], str] | None = None) -> str:
    """The answer text with its highlight marked (ANSI via ``style``, else 【】)."""
    text = answer.answer or ""
    h = answer.highlight
    if h is None:
        return text
    marked = style(h.text) if style else f"【{h.text}】"
    return text[: h.start] + marked + text[h.end:]


def render_answer(answer: Answer, language: str = "zh",
                  style: Callable[[str], str] | None = None) -> str:
    """A readable multi-line rendering: answer, sources, or abstention + related."""
    lines: list[str] = []
    if answer.rewritten_question != answer.question:
        lines.append(f"{t('answers.rewritten', language)}: {answer.rewritten_question}")
    if answer.abstained:
        lines.append(t("answers.abstain", language))
        if answer.refusal:
            lines.append(t(f"answers.refusal.{answer.refusal}", language))
        if answer.passages:
            lines.append("")
            lines.append(t("answers.related", language) + ":")
            for p in answer.passages:
                snippet = p.text.replace("\n", " ")
                snippet = snippet[:80] + ("…" if len(snippet) > 80 else "")
                lines.append(f"  [{p.rank}] 《{p.title}》 {snippet}")
        return "\n".join(lines)
    conf = f"{t('answers.confidence', language)} {answer.confidence:.2f}"
    if answer.unsure:
        conf += f"; {t('answers.unsure', language)}"
    lines.append(f"{t('answers.answer', language)} ({conf}):")
    for i, line in enumerate(mark_highlight(answer, style).split("\n"), start=1):
        lines.append(f"  {line} [{i}]")
    lines.append("")
    lines.append(t("answers.sources", language) + ":")
    for i, c in enumerate(answer.citations, start=1):
        date = c.date or t("answers.no_date", language)
        para = t("answers.paragraph", language, n=(c.paragraph or 0) + 1) \
            if c.paragraph is not None else ""
        chars = t("answers.chars", language, start=c.start, end=c.end)
        lines.append(f"  [{i}] 《{c.title}》 {date} · {c.source} · {para} · {chars}")
    return "\n".join(lines)
