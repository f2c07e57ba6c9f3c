"""`corpusqa serve` options and wiring, without starting a server."""

import subprocess
import sys

from click.testing import CliRunner

from corpusqa.cli import cli


def test_serve_defaults_local_no_share_and_reads_login(monkeypatch, tmp_path):
    import corpusqa.ui.server as server_mod
    from corpusqa.ui.service import ChatService

    served = {}
    monkeypatch.setattr(ChatService, "assistant", lambda self: object())
    monkeypatch.setattr(ChatService, "warm_up", lambda self: None)
    monkeypatch.setattr(server_mod, "serve", lambda app, service, **kw: served.update(kw, app=app))
    monkeypatch.setenv("CORPUSQA_AUTH", "editor:pw")
    monkeypatch.delenv("CORPUSQA_API_TOKEN", raising=False)
    result = CliRunner().invoke(cli, ["--home", str(tmp_path), "serve"])
    assert result.exit_code == 0, result.output
    assert (served["host"], served["port"], served["token"]) == ("127.0.0.1", 7860, None)
    assert served["checker"]("editor", "pw") and not served["checker"]("editor", "nope")
    assert "127.0.0.1:7860" in result.output and "/api" in result.output


def test_serve_share_uses_gradios_own_server_for_the_chat_only(monkeypatch, tmp_path):
    import corpusqa.ui.app as app_mod
    from corpusqa.ui.service import ChatService

    launched = {}
    monkeypatch.setattr(ChatService, "assistant", lambda self: object())
    monkeypatch.setattr(ChatService, "warm_up", lambda self: None)
    monkeypatch.setattr(ChatService, "watch", lambda self: None)
    monkeypatch.setattr(app_mod, "launch", lambda app, **kw: launched.update(kw))
    result = CliRunner().invoke(cli, ["--home", str(tmp_path), "serve", "--share"])
    assert result.exit_code == 0, result.output
    assert launched["share"] is True


def test_serve_warns_when_open_to_the_network_without_login(monkeypatch, tmp_path):
    import corpusqa.ui.server as server_mod
    from corpusqa.ui.service import ChatService

    monkeypatch.setattr(ChatService, "assistant", lambda self: object())
    monkeypatch.setattr(ChatService, "warm_up", lambda self: None)
    monkeypatch.setattr(server_mod, "serve", lambda app, service, **kw: None)
    monkeypatch.delenv("CORPUSQA_AUTH", raising=False)
    monkeypatch.delenv("CORPUSQA_AUTH_FILE", raising=False)
    result = CliRunner().invoke(cli, ["--home", str(tmp_path), "serve", "--host", "0.0.0.0", "--port", "8080"])
    assert result.exit_code == 0 and "未设置登录" in result.output


def test_cli_startup_does_not_import_gradio():
    code = "import sys, corpusqa.cli; print('gradio' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_app_keeps_conversation_in_per_session_state(settings, fake_assistant):
    import gradio as gr

    from corpusqa.ui.app import build_app

    app = build_app(settings, lambda s: fake_assistant, index_updater=None)
    assert isinstance(app, gr.Blocks)
    states = [b for b in app.blocks.values() if isinstance(b, gr.State)]
    # the conversation, the answer a comment is for, a removal waiting for its confirmation
    assert len(states) == 3 and all(s.value in ([], None) for s in states)
    ids = {getattr(b, "elem_id", None) for b in app.blocks.values()}
    assert {"cqa-question-input", "cqa-transcript-box", "cqa-upload", "cqa-rewrite-input",
            "cqa-remove-sources", "cqa-remove-run", "cqa-remove-confirm", "cqa-remove-cancel"} <= ids
