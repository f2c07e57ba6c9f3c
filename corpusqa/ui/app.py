"""The Gradio app: layout and event wiring only.

Work happens in ``ChatService`` (plain Python) and HTML comes from the pure
functions in ``render`` / ``panels``. Conversation state lives in a ``gr.State``,
so every browser session has its own; nothing here is module-level mutable state.
Import this module only after ``GRADIO_ANALYTICS_ENABLED`` is set (``serve`` does).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import gradio as gr

from corpusqa.errors import CorpusQAError
from corpusqa.i18n import t
from corpusqa.settings import Settings
from corpusqa.ui import panels, render
from corpusqa.ui.service import (AssistantFactory, ChatService, IndexUpdater, default_assistant_factory,
                                 default_index_updater, removal_summary)
from corpusqa.ui.style import CSS, FEEDBACK_JS
from corpusqa.ui.uploads import ALLOWED_SUFFIXES, MAX_UPLOAD_MB, summary

log = logging.getLogger(__name__)

CONCURRENCY_LIMIT = 2   # questions answered at once (CPU-bound; more only queues on 2 cores)
QUEUE_SIZE = 64         # waiting requests beyond which users are told to retry
_PRIVATE: dict[str, Any] = {"api_visibility": "private"}
# Enter and "new chat" are also callable by Gradio API clients (gradio_client; the load test
# drives the app this way): same queue, limits, login and per-session state as the browser.
# Undocumented: not listed on the API page.
_CHAT_API: dict[str, Any] = {"api_visibility": "undocumented"}


def build_app(settings: Settings, assistant_factory: AssistantFactory = default_assistant_factory,
              index_updater: IndexUpdater | None = default_index_updater,
              service: ChatService | None = None) -> gr.Blocks:
    """The web chat for ``settings`` (not launched; see ``launch``)."""
    svc = service or ChatService(settings, assistant_factory, index_updater)
    lang = settings.language

    def msg(key: str, **params) -> str:
        return t(key, lang, **params)

    def transcript_of(turns) -> str:
        return render.render_transcript(turns, lang)

    def rewrite_updates(turns):
        last = turns[-1] if turns else None
        if last is None or last.answer is None:
            return gr.update(visible=False), gr.update()
        return gr.update(visible=True), gr.update(value=last.answer.rewritten_question)

    # -- callbacks (wiring only) -------------------------------------------------
    def on_start(question, turns):
        turns = svc.start(turns, question)
        return turns, transcript_of(turns), ""

    def on_answer(turns, date_from, date_to, sources, standalone=False):
        turns = svc.answer_pending(turns, date_from, date_to, sources, standalone=standalone)
        return (turns, transcript_of(turns), *rewrite_updates(turns))

    def on_answer_edited(turns, date_from, date_to, sources):
        return on_answer(turns, date_from, date_to, sources, standalone=True)

    def on_new_chat():
        return [], transcript_of([]), gr.update(visible=False), gr.update(value=""), \
            gr.update(visible=False), None

    def on_vote(turns, evt: gr.EventData):
        data: Any = getattr(evt, "_data", None) or {}  # the event's raw JSON payload
        try:
            index, vote = int(data.get("turn")), str(data.get("vote"))
        except (TypeError, ValueError):
            return turns, gr.update(), gr.update(), gr.update(), None
        turns = svc.vote(turns, index, vote)
        rated = 0 <= index < len(turns) and turns[index].vote == vote
        # the page script already shows the vote; not re-rendering keeps expanded citations open
        return (turns, gr.update(), gr.update(visible=rated),
                gr.update(value="", label=msg("ui.feedback.comment", n=index + 1)), index if rated else None)

    def on_comment(text, turns, target):
        if target is not None and svc.comment(turns, int(target), text):
            gr.Info(msg("ui.feedback.comment_saved"))
            return gr.update(value=""), gr.update(visible=False)
        return gr.update(), gr.update()

    def on_corpus(filter_value=None, remove_value=None):
        """The corpus panel, and both source dropdowns listing the current sources (a selected
        source that is gone is unselected: Gradio refuses a value that is not a choice)."""
        try:
            stats, sources, indexed = svc.corpus_info()
        except CorpusQAError as exc:
            return render.esc(exc.message(lang)), gr.update(), gr.update()
        names = [s["name"] for s in sources]

        def choices(value):
            return gr.update(choices=names, value=[v for v in value or [] if v in names])

        return (panels.render_corpus_panel(stats, sources, indexed, lang), choices(filter_value),
                choices(remove_value))

    def on_upload(files, filter_value, remove_value, progress=gr.Progress()):
        if not files:
            none = panels.render_upload_report([], msg("ui.upload.none"), lang)
            return none, *on_corpus(filter_value, remove_value)
        pairs = [(str(f), Path(str(f)).name) for f in files]
        outcome = svc.upload(pairs, lambda frac, desc: progress(frac, desc=desc))
        report = panels.render_upload_report([f.to_row() for f in outcome.files], summary(outcome, lang), lang)
        return report, *on_corpus(filter_value, remove_value)

    def removal_error(exc: Exception) -> str:
        if isinstance(exc, CorpusQAError):
            return panels.render_removal_result(exc.message(lang), ok=False)
        log.exception("removal failed")  # never show a traceback in the page
        return panels.render_removal_result(msg("ui.unexpected", detail=type(exc).__name__), ok=False)

    def on_remove_preview(sources, article_id):
        """Show what would be removed and reveal the confirmation; nothing is removed yet."""
        try:
            preview = svc.preview_removal(sources, article_id)
        except Exception as exc:
            return None, "", gr.update(visible=False), removal_error(exc)
        return (list(preview.targets), panels.render_removal_preview(preview.to_dict(), lang),
                gr.update(visible=True), "")

    def on_remove_cancel():
        return None, "", gr.update(visible=False)

    def on_remove_confirm(targets, filter_value, remove_value):
        try:
            report = svc.remove(targets or [])
        except Exception as exc:
            return None, "", removal_error(exc), gr.update(), *on_corpus(filter_value, remove_value)
        result = panels.render_removal_result(removal_summary(report, lang), ok=True)
        return None, "", result, gr.update(value=""), *on_corpus(filter_value, remove_value)

    # -- layout ------------------------------------------------------------------
    # delete_cache: Gradio's copies of uploaded files are removed after an hour.
    with gr.Blocks(title=msg("ui.title"), analytics_enabled=False, delete_cache=(3600, 3600)) as app:
        turns = gr.State([])
        comment_target = gr.State(None)
        source_names = svc.source_names()
        gr.HTML(f'<h2 class="cqa-title-bar">{render.esc(msg("ui.title"))}</h2>'
                f'<p class="cqa-intro">{render.esc(msg("ui.intro"))}</p>', js_on_load=None)
        removal_targets = gr.State(None)  # what the shown preview would remove, until confirmed
        with gr.Tabs():
            with gr.Tab(msg("ui.tab.chat"), id="chat"):
                with gr.Row():
                    with gr.Column(scale=4):
                        transcript = gr.HTML(transcript_of([]), js_on_load=FEEDBACK_JS,
                                             elem_id="cqa-transcript-box", autoscroll=True)
                        with gr.Row(visible=False) as comment_row:
                            comment_box = gr.Textbox(label=msg("ui.feedback.comment", n=1), scale=4,
                                                     elem_id="cqa-comment")
                            comment_btn = gr.Button(msg("ui.feedback.send"), scale=1, elem_id="cqa-comment-send")
                        question = gr.Textbox(label=msg("ui.question"), placeholder=msg("ui.question.placeholder"),
                                              lines=1, max_lines=4, elem_id="cqa-question-input", autofocus=True)
                        with gr.Row():
                            ask_btn = gr.Button(msg("ui.ask"), variant="primary", elem_id="cqa-ask")
                            new_btn = gr.Button(msg("ui.new_chat"), elem_id="cqa-new-chat")
                        with gr.Row(visible=False) as rewrite_row:
                            rewrite_box = gr.Textbox(label=msg("ui.rewrite.label"), scale=4,
                                                     elem_id="cqa-rewrite-input")
                            rewrite_btn = gr.Button(msg("ui.rewrite.ask"), scale=1, elem_id="cqa-rewrite-ask")
                    with gr.Column(scale=1, min_width=220):
                        with gr.Accordion(msg("ui.filters"), open=True):
                            date_from = gr.Textbox(label=msg("ui.date_from"), placeholder="2021-01-01",
                                                   elem_id="cqa-date-from")
                            date_to = gr.Textbox(label=msg("ui.date_to"), placeholder="2022-12-31",
                                                 elem_id="cqa-date-to")
                            source_filter = gr.Dropdown(choices=source_names, multiselect=True,
                                                        label=msg("ui.source_filter"), elem_id="cqa-source-filter")
            with gr.Tab(msg("ui.tab.corpus"), id="corpus") as corpus_tab:
                corpus_html = gr.HTML(js_on_load=None, elem_id="cqa-corpus-box")
                refresh_btn = gr.Button(msg("ui.corpus.refresh"), elem_id="cqa-corpus-refresh")
            with gr.Tab(msg("ui.tab.admin"), id="admin") as admin_tab:
                upload_files = gr.File(label=msg("ui.upload.files"), file_count="multiple",
                                       file_types=list(ALLOWED_SUFFIXES), type="filepath", elem_id="cqa-upload")
                upload_btn = gr.Button(msg("ui.upload.run"), variant="primary", elem_id="cqa-upload-run")
                upload_report = gr.HTML(js_on_load=None, elem_id="cqa-upload-report-box")
                gr.HTML(f'<h3 class="cqa-remove-title">{render.esc(msg("ui.remove.title"))}</h3>'
                        f'<p class="cqa-intro">{render.esc(msg("ui.remove.intro"))}</p>', js_on_load=None)
                with gr.Row():
                    remove_sources = gr.Dropdown(choices=source_names, multiselect=True, scale=3,
                                                 label=msg("ui.remove.sources"), elem_id="cqa-remove-sources")
                    remove_id = gr.Textbox(label=msg("ui.remove.article_id"), scale=2, elem_id="cqa-remove-id")
                remove_btn = gr.Button(msg("ui.remove.run"), variant="stop", elem_id="cqa-remove-run")
                remove_preview = gr.HTML(js_on_load=None, elem_id="cqa-remove-preview-box")
                with gr.Row(visible=False) as confirm_row:
                    confirm_btn = gr.Button(msg("ui.remove.confirm"), variant="stop", elem_id="cqa-remove-confirm")
                    cancel_btn = gr.Button(msg("ui.remove.cancel"), elem_id="cqa-remove-cancel")
                remove_result = gr.HTML(js_on_load=None, elem_id="cqa-remove-result-box")

        # -- events --------------------------------------------------------------
        filters = [date_from, date_to, source_filter]
        answer_out = [turns, transcript, rewrite_row, rewrite_box]
        for trigger, api in ((question.submit, True), (ask_btn.click, False)):
            start_api: dict[str, Any] = {"api_name": "chat_start", **_CHAT_API} if api else _PRIVATE
            answer_api: dict[str, Any] = {"api_name": "chat_answer", **_CHAT_API} if api else _PRIVATE
            trigger(on_start, [question, turns], [turns, transcript, question], queue=False, **start_api).then(
                on_answer, [turns, *filters], answer_out, concurrency_id="ask", show_progress="minimal",
                **answer_api)
        rewrite_btn.click(on_start, [rewrite_box, turns], [turns, transcript, question], queue=False,
                          **_PRIVATE).then(on_answer_edited, [turns, *filters], answer_out,
                                           concurrency_id="ask", show_progress="minimal", **_PRIVATE)
        new_btn.click(on_new_chat, None, [turns, transcript, rewrite_row, rewrite_box, comment_row, comment_target],
                      queue=False, api_name="chat_new", **_CHAT_API)
        transcript.feedback(on_vote, [turns], [turns, transcript, comment_row, comment_box, comment_target],
                            **_PRIVATE)
        comment_btn.click(on_comment, [comment_box, turns, comment_target], [comment_box, comment_row], **_PRIVATE)
        comment_box.submit(on_comment, [comment_box, turns, comment_target], [comment_box, comment_row], **_PRIVATE)
        dropdowns = [source_filter, remove_sources]
        corpus_out = [corpus_html, *dropdowns]
        for trigger in (corpus_tab.select, refresh_btn.click, admin_tab.select):
            trigger(on_corpus, dropdowns, corpus_out, **_PRIVATE)
        upload_btn.click(on_upload, [upload_files, *dropdowns], [upload_report, *corpus_out],
                         concurrency_limit=1, concurrency_id="admin", **_PRIVATE)
        # removal: preview -> confirm (or cancel); changing the selection withdraws the preview
        preview_out = [removal_targets, remove_preview, confirm_row, remove_result]
        for trigger in (remove_btn.click, remove_id.submit):
            trigger(on_remove_preview, [remove_sources, remove_id], preview_out,
                    concurrency_limit=1, concurrency_id="admin", **_PRIVATE)
        for trigger in (cancel_btn.click, remove_sources.input, remove_id.input):
            trigger(on_remove_cancel, None, [removal_targets, remove_preview, confirm_row], queue=False, **_PRIVATE)
        # hidden at once, so a second click cannot queue a second removal
        confirm_btn.click(lambda: gr.update(visible=False), None, [confirm_row], queue=False, **_PRIVATE).then(
            on_remove_confirm, [removal_targets, *dropdowns],
            [removal_targets, remove_preview, remove_result, remove_id, *corpus_out],
            concurrency_limit=1, concurrency_id="admin", **_PRIVATE)
    return app


def launch(app: gr.Blocks, host: str = "127.0.0.1", port: int = 7860, share: bool = False,
           auth: Any = None, language: str = "zh", block: bool = True, quiet: bool = False):
    """Queue and start the server (``share`` off unless asked); returns Gradio's (app, url, share_url)."""
    _warm_gradio()
    app.queue(default_concurrency_limit=CONCURRENCY_LIMIT, max_size=QUEUE_SIZE)
    return app.launch(
        server_name=host, server_port=port, share=share, auth=auth,
        auth_message=t("ui.auth.prompt", language) if auth else None,
        css=CSS, show_error=False, max_file_size=f"{MAX_UPLOAD_MB}mb", ssr_mode=False, mcp_server=False,
        prevent_thread_lock=not block, quiet=quiet, inbrowser=False, footer_links=["settings"],
    )


def _warm_gradio() -> None:
    """Gradio switches matplotlib's backend around every event; the first switch imports
    matplotlib and its fonts (about a second). Do it now, not in the first user's wait."""
    try:
        from gradio.utils import MatplotlibBackendMananger

        with MatplotlibBackendMananger():
            pass
    except Exception:  # an internal helper: its absence only costs that second
        log.debug("could not pre-load matplotlib for Gradio", exc_info=True)
