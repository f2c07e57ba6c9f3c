"""One web server for the chat and the HTTP API: a FastAPI app with the Gradio chat mounted at ``/``.

``/api/*`` (``api.py``) and the OpenAPI page ``/docs`` are FastAPI routes; everything else
is the Gradio app, with the same queue limits, login and settings as ``app.launch``.
Both share one ``ChatService``, hence one live assistant that follows the home.
Import this module only after ``GRADIO_ANALYTICS_ENABLED`` is set (``serve`` does).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import gradio as gr
import uvicorn
from fastapi import FastAPI

from corpusqa import __version__
from corpusqa.i18n import t
from corpusqa.ui.api import Checker, install_api
from corpusqa.ui.app import CONCURRENCY_LIMIT, QUEUE_SIZE, _warm_gradio
from corpusqa.ui.service import ChatService
from corpusqa.ui.style import CSS
from corpusqa.ui.uploads import MAX_UPLOAD_MB

log = logging.getLogger(__name__)

API_DESCRIPTION = (
    "Cited extractive answers from the corpus. `POST /api/ask` returns the JSON of "
    "`corpusqa ask --json`; errors are `{\"code\", \"detail\"}` with one line in zh or en "
    "(`?lang=en` or `Accept-Language`). With a login configured, use HTTP Basic (the chat's "
    "credentials) or `Authorization: Bearer $CORPUSQA_API_TOKEN`."
)


def build_server(blocks: gr.Blocks, service: ChatService, *, checker: Checker | None = None,
                 token: str | None = None, host: str = "127.0.0.1", port: int = 7860) -> FastAPI:
    """The FastAPI app: ``/api`` routes and ``/docs``, with ``blocks`` mounted at ``/``.

    Args:
        blocks: the chat (``app.build_app``), built over ``service``.
        service: the back end shared by the chat and the API.
        checker: the login check (``auth.make_checker``) for the chat and the API; None = no login.
        token: bearer token for the API (``CORPUSQA_API_TOKEN``); None = none.
        host, port: where it will listen (Gradio builds its links from them).
    """
    api = FastAPI(title="corpusqa", version=__version__, description=API_DESCRIPTION,
                  docs_url="/docs", redoc_url=None, openapi_url="/openapi.json")
    install_api(api, service, checker=checker, token=token)
    blocks.queue(default_concurrency_limit=CONCURRENCY_LIMIT, max_size=QUEUE_SIZE)
    language = service.language
    return gr.mount_gradio_app(
        api, blocks, path="/", server_name=host, server_port=port, footer_links=["settings"],
        auth=checker, auth_message=t("ui.auth.prompt", language) if checker else None,
        show_error=False, max_file_size=f"{MAX_UPLOAD_MB}mb", ssr_mode=False, mcp_server=False, css=CSS,
    )


@dataclass
class Running:
    """A server started in a background thread (tests, ``bench load``): ``close()`` stops it."""

    url: str
    server: uvicorn.Server
    service: ChatService
    blocks: gr.Blocks

    def close(self) -> None:
        self.service.close()
        self.server.should_exit = True
        thread = getattr(self.server, "thread", None)
        if thread is not None:
            thread.join(timeout=10)


def serve(blocks: gr.Blocks, service: ChatService, *, host: str = "127.0.0.1", port: int = 7860,
          checker: Checker | None = None, token: str | None = None, block: bool = True) -> Running | None:
    """Serve the chat and the API; follow the home for changes made by other processes.

    Blocks until interrupted when ``block``; otherwise returns a ``Running`` handle once the
    server accepts connections.
    """
    _warm_gradio()
    app = build_server(blocks, service, checker=checker, token=token, host=host, port=port)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    service.watch()
    if block:
        try:
            uvicorn.Server(config).run()
        finally:
            service.close()
        return None
    from gradio.http_server import Server  # uvicorn without signal handlers, run in a thread

    server = Server(config)
    server.run_in_thread()
    return Running(f"http://{host}:{port}", server, service, blocks)
