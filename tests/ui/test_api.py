"""The HTTP API over a real server: httpx against uvicorn on a free port, a real lexical index
of the sample corpus, the login of the chat (HTTP Basic) and a bearer token."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import httpx
import pytest

from corpusqa.cli import main
from corpusqa.settings import Settings

QUESTION = "全区建成了多少个一站式党群服务中心？"
USER, PASSWORD = "editor", "编辑部-pw"
TOKEN = "s3cret-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(home: Path, *args: str) -> int:
    return main(["--home", str(home), "--encoder", "none", "--silent", *args])


@pytest.fixture(scope="module")
def api_home(tmp_path_factory, sample_dir) -> Path:
    """The sample corpus with a lexical-only index (built in seconds)."""
    home = tmp_path_factory.mktemp("api") / "home"
    assert cli(home, "ingest", str(sample_dir)) == 0
    assert cli(home, "index", "build") == 0
    return home


@pytest.fixture(scope="module")
def server(api_home):
    """`corpusqa serve`'s server (chat mounted on FastAPI) with a login and an API token."""
    from corpusqa.ui.app import build_app
    from corpusqa.ui.auth import make_checker
    from corpusqa.ui.server import serve
    from corpusqa.ui.service import ChatService

    settings = Settings.from_env(home=api_home).with_(progress=False, language="zh", encoder="none")
    service = ChatService(settings)
    service.warm_up()
    running = serve(build_app(settings, service=service), service, port=free_port(), block=False,
                    checker=make_checker({USER: PASSWORD}), token=TOKEN)
    yield running
    running.close()


@pytest.fixture
def client(server):
    with httpx.Client(base_url=server.url, auth=(USER, PASSWORD), timeout=60) as c:
        yield c


def one_line_error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code
    assert "\n" not in body["detail"] and "Traceback" not in response.text
    return body["detail"]


def test_ask_returns_the_json_of_ask_json(client, api_home, capsys):
    r = client.post("/api/ask", json={"question": QUESTION})
    assert r.status_code == 200, r.text
    got = r.json()
    assert "14542个" in got["answer"] and got["highlight"]["text"] == "14542个"
    capsys.readouterr()
    assert cli(api_home, "ask", "--json", QUESTION) == 0
    expected = json.loads(capsys.readouterr().out)
    got.pop("timings_ms"), expected.pop("timings_ms")
    assert got == expected


def test_filters_and_history_reach_the_assistant(client):
    r = client.post("/api/ask", json={"question": QUESTION, "filters": {"date_from": "2099-01-01"}})
    assert r.status_code == 200 and r.json()["abstained"] is True  # no article that late
    first = client.post("/api/ask", json={"question": QUESTION}).json()
    r = client.post("/api/ask", json={"question": "覆盖率呢？", "history": [
        {"question": QUESTION, "answer": first["answer"]}]})
    assert r.status_code == 200 and r.json()["rewritten_question"] != "覆盖率呢？"


def test_a_cited_article_can_be_opened(client):
    cite = client.post("/api/ask", json={"question": QUESTION}).json()["citations"][0]
    r = client.get(f"/api/articles/{cite['doc_id']}")
    assert r.status_code == 200
    art = r.json()
    assert art["id"] == cite["doc_id"] and art["title"] == cite["title"] and art["source"] == cite["source"]
    assert art["text"][cite["start"]:cite["end"]] == cite["quote"]


def test_unknown_article_is_a_404_with_one_line(client):
    zh = one_line_error(client.get("/api/articles/no-such-id"), 404, "api.no_article")
    en = one_line_error(client.get("/api/articles/no-such-id?lang=en"), 404, "api.no_article")
    assert "找不到文章 no-such-id" in zh and en.startswith("No article no-such-id")


def test_health_reports_the_live_version_and_counts(client, api_home):
    r = client.get("/api/health")
    assert r.status_code == 200
    health = r.json()
    current = (api_home / "index" / "CURRENT").read_text(encoding="utf-8").strip()
    assert health["status"] == "ok"
    assert health["index"]["version"] == current == health["serving_version"]
    assert health["articles"] == 28 and health["sources"] == 5 and health["index"]["chunks"] > 28
    assert health["index"]["encoder"] == "none"


def test_bad_json_is_a_400(client):
    r = client.post("/api/ask", content=b'{"question": "', headers={"content-type": "application/json"})
    assert "JSON" in one_line_error(r, 400, "api.bad_json")


def test_empty_and_huge_questions_are_400_in_the_asked_language(client):
    zh = one_line_error(client.post("/api/ask", json={"question": "   "}), 400, "answers.empty_question")
    assert zh.startswith("问题为空")
    r = client.post("/api/ask", json={"question": "问" * 501}, headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert "501 characters, limit 500" in one_line_error(r, 400, "answers.question_too_long")
    r = client.post("/api/ask", json={"question": "问" * 400_000})
    assert "256 KB" in one_line_error(r, 413, "api.too_large")


def test_missing_or_mistyped_fields_are_422(client):
    assert "question" in one_line_error(client.post("/api/ask", json={"q": QUESTION}), 422, "api.bad_field")
    r = client.post("/api/ask?lang=en", json={"question": QUESTION, "filters": {"colour": "red"}})
    assert one_line_error(r, 422, "api.bad_field").startswith("Bad request field filters.colour")
    r = client.post("/api/ask", json={"question": QUESTION, "filters": {"date_to": "2022-02-30"}})
    assert "2022-02-30" in one_line_error(r, 400, "ui.bad_date")


def test_wrong_or_missing_credentials_are_401(server):
    cases = [None, (USER, "wrong"), ("nobody", PASSWORD)]
    for auth in cases:
        r = httpx.post(f"{server.url}/api/ask", json={"question": QUESTION}, auth=auth, timeout=30)
        detail = one_line_error(r, 401, "api.unauthorized")
        assert "登录" in detail and r.headers["www-authenticate"].startswith("Basic")
    r = httpx.get(f"{server.url}/api/health", headers={"Authorization": "Bearer wrong"}, timeout=30)
    one_line_error(r, 401, "api.unauthorized")
    r = httpx.get(f"{server.url}/api/health", headers={"Authorization": "Basic !!!"}, timeout=30)
    one_line_error(r, 401, "api.unauthorized")


def test_the_api_token_opens_the_api(server):
    r = httpx.post(f"{server.url}/api/ask", json={"question": QUESTION},
                   headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
    assert r.status_code == 200 and "14542个" in r.json()["answer"]


def test_openapi_page_and_the_chat_share_the_server(server):
    assert httpx.get(f"{server.url}/docs", timeout=30).status_code == 200
    spec = httpx.get(f"{server.url}/openapi.json", timeout=30).json()
    assert {"/api/ask", "/api/health", "/api/articles/{article_id}"} <= set(spec["paths"])
    assert "AskRequest" in spec["components"]["schemas"]
    # the answer gate's fields are documented (README "HTTP API")
    assert {"confidence", "answerable", "unsure", "refusal"} <= set(spec["components"]["schemas"]["AnswerOut"]["properties"])
    # the chat is mounted at / behind the same login
    assert httpx.get(f"{server.url}/config", timeout=30).status_code == 401
    with httpx.Client(base_url=server.url, timeout=30) as browser:
        assert browser.post("/login", data={"username": USER, "password": PASSWORD}).status_code == 200
        assert browser.get("/config").status_code == 200
