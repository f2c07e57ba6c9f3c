"""`corpusqa serve` (the web chat) and `corpusqa feedback export`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for the network: set a login first).")
@click.option("--port", default=7860, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option("--share/--no-share", default=False, show_default=True,
              help="Create a public gradio.live link (sends traffic through Gradio's servers).")
@click.option("--auth-file", type=click.Path(dir_okay=False, path_type=Path), envvar="CORPUSQA_AUTH_FILE",
              help="File of user:password lines for the login. Env: CORPUSQA_AUTH_FILE (or CORPUSQA_AUTH).")
@click.pass_obj
def serve_command(obj, host, port, share, auth_file):
    """Open the web chat and the HTTP API (http://127.0.0.1:7860, API under /api, docs at /docs).

    The running server follows the home: an `ingest` + `index update` made by another
    process is answered within seconds, without a restart.
    """
    from corpusqa.netguard import install_from_env

    install_from_env()  # CORPUSQA_NETGUARD=1: refuse any connection beyond loopback
    # Before gradio is imported: no usage analytics, no model hub calls.
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    # Gradio's local monitoring summarises up to 10,000 past events with pandas after *every*
    # event; every 100th over the last 1,000 costs a fifth less CPU per question under load
    # (corpusqa bench load, 20 users: 45 -> 36-39 ms of server CPU per question).
    os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "100")
    os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "1000")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from corpusqa.ui.app import build_app, launch
    from corpusqa.ui.auth import is_local, load_credentials, make_checker
    from corpusqa.ui.server import serve
    from corpusqa.ui.service import ChatService

    settings = obj.settings.with_(progress=False)
    auth = make_checker(load_credentials(os.environ, auth_file))
    token = os.environ.get("CORPUSQA_API_TOKEN") or None
    if auth is None and not is_local(host):
        click.echo(obj.msg("ui.serve.no_auth", host=host), err=True)
    service = ChatService(settings)
    service.assistant()  # load now: a missing index is reported here, not at the first question
    service.warm_up()    # the encoder loads on first use; do it before the first user waits
    app = build_app(settings, service=service)
    url = f"http://{host}:{port}"
    click.echo(obj.msg("ui.serve.open", url=url), err=True)
    if share:  # a gradio.live link needs Gradio's own server: the chat only
        click.echo(obj.msg("ui.serve.share_no_api"), err=True)
        service.watch()
        launch(app, host=host, port=port, share=share, auth=auth, language=settings.language, quiet=True)
        return
    click.echo(obj.msg("ui.serve.api", url=url), err=True)
    serve(app, service, host=host, port=port, checker=auth, token=token)


@click.group("feedback")
def feedback_group():
    """Feedback given in the web chat (👍/👎)."""


@feedback_group.command("export")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="JSONL file to write (default: print to stdout).")
@click.pass_obj
def feedback_export(obj, output):
    """Write feedback as gold-set candidates (qid, question, gold_pids, answers, feedback, comment)."""
    from corpusqa.ui.feedback import FeedbackStore, gold_candidates

    store = FeedbackStore(obj.settings.feedback_db_path)
    if output is None:
        for item in gold_candidates(store.rows()):
            click.echo(json.dumps(item, ensure_ascii=False))
        return
    n = store.export(output)
    click.echo(obj.msg("ui.feedback.exported", n=n, path=str(output)), err=True)


def register(group: click.Group) -> None:
    group.add_command(serve_command)
    group.add_command(feedback_group)
