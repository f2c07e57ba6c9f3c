"""`corpusqa ask`: one question, or a JSONL batch, answered by ``Workspace.open_assistant``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from corpusqa.errors import InputError


def _style(text: str) -> str:
    return click.style(text, fg="yellow", bold=True, underline=True)


@click.command("ask")
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.option("--batch", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSONL file, one {\"qid\", \"question\"} per line; writes one JSON answer per line.")
@click.option("--mode", type=click.Choice(["hybrid", "lexical", "dense"]), default=None,
              help="Retrieval mode (default hybrid; lexical when the index has no vectors).")
@click.option("--date-from", help="Only articles dated on/after YYYY-MM-DD.")
@click.option("--date-to", help="Only articles dated on/before YYYY-MM-DD.")
@click.option("--source", "sources", multiple=True, help="Only this source file (repeatable).")
@click.option("--title", "title_contains", help="Only articles whose title contains this text.")
@click.option("--history", "history_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON list of previous turns [{\"question\": ...}] for a follow-up.")
@click.pass_obj
def ask_command(obj, question, as_json, batch, mode, date_from, date_to, sources, title_contains,
                history_file):
    """Ask a question; prints the verbatim answer sentence with its citation."""
    from corpusqa.netguard import install_from_env

    install_from_env()  # CORPUSQA_NETGUARD=1: refuse any connection beyond loopback

    from corpusqa.answers.assistant import AskConfig, check_question
    from corpusqa.answers.render import render_answer
    from corpusqa.workspace.home import Workspace

    date_from, date_to = _check_date(date_from), _check_date(date_to)
    if date_from and date_to and date_from > date_to:
        raise InputError("answers.bad_filter_date", value=f"{date_from} > {date_to}")
    if not batch:
        check_question(question)  # empty, no words or too long: before loading any model
    filters = {"date_from": date_from, "date_to": date_to, "sources": list(sources),
               "title_contains": title_contains}
    history = _read_history(history_file) if history_file else None
    if batch:
        for _ in _read_batch(batch):  # every line checked before loading anything
            pass
    config = AskConfig.calibrated(obj.settings.encoder, mode) if mode else None
    assistant = Workspace(obj.settings).open_assistant(config)
    if batch:
        # Streams: one line read, answered and written (click.echo flushes) at a time,
        # nothing kept, so memory stays flat however long the file is.
        for n, item in enumerate(_read_batch(batch), start=1):
            ans = assistant.ask(item["question"], filters, item.get("history"))
            record = {"qid": item.get("qid", str(n)), **ans.to_dict()}
            click.echo(json.dumps(record, ensure_ascii=False))
        return
    ans = assistant.ask(question, filters, history)
    if as_json:
        click.echo(json.dumps(ans.to_dict(), ensure_ascii=False, indent=2))
    else:
        styled = _style if sys.stdout.isatty() else None
        click.echo(render_answer(ans, obj.settings.language, styled))


def _check_date(value: str | None) -> str | None:
    """``YYYY-MM-DD`` exactly (stored dates compare as text), or None."""
    import datetime as dt
    import re

    if not value:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise InputError("answers.bad_filter_date", value=value)
    try:
        return dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise InputError("answers.bad_filter_date", value=value) from None


def _valid_history(history, where: str) -> list[dict]:
    if history is None:
        return []
    if not isinstance(history, list) or not all(
            isinstance(t, dict) and isinstance(t.get("question"), str) for t in history):
        raise InputError("answers.bad_history", detail=where)
    return history


def _read_history(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError("answers.bad_history", detail=f"{path.name}: {str(exc)[:80]}") from None
    return _valid_history(data, path.name)


def _read_batch(path: Path):
    """The batch's items, one line at a time (the file is never held in memory whole)."""
    with path.open("rb") as lines:
        for n, raw in enumerate(lines, start=1):
            try:
                line = raw.decode("utf-8-sig" if n == 1 else "utf-8")  # not UTF-8: reported with its line
                if not line.strip():
                    continue
                item = json.loads(line)
                if not isinstance(item, dict) or not isinstance(item.get("question"), str):
                    raise ValueError("missing 'question'")
                if not any(ch.isalnum() for ch in item["question"]):
                    raise ValueError("empty 'question'")
                _valid_history(item.get("history"), f"line {n}")
            except ValueError as exc:  # UnicodeDecodeError included
                raise InputError("answers.batch_bad_line", file=path.name, line=n,
                                 detail=str(exc)[:100]) from None
            yield item


def register(group: click.Group) -> None:
    """Add the ``ask`` command to the ``corpusqa`` group."""
    group.add_command(ask_command)
