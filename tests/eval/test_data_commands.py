"""`corpusqa data`: the evaluation-set tools as subcommands, on tiny inputs."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from corpusqa.cli import cli, main
from corpusqa.errors import InputError
from corpusqa.eval.gold import load_gold

SHIPPED_GOLD = Path(__file__).resolve().parents[2] / "corpusqa" / "eval" / "data" / "gold.jsonl"
NEWS = ("内蒙古建成党群服务中心\n\n"
        "去年，全区建成一站式党群服务中心14542个，覆盖率达到98.9%以上。\n"
        "内蒙古支线供水工程总投资约110亿元，计划2026年底建设完成并具备输水条件。\n")


def run(*args: str):
    return CliRunner().invoke(cli, ["--lang", "en", *args])


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def test_resolve_gold_reproduces_the_shipped_gold_set(tmp_path):
    out = tmp_path / "gold.jsonl"
    res = run("data", "resolve-gold", "--out", str(out))
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8") == SHIPPED_GOLD.read_text(encoding="utf-8")
    assert "0 unresolved" in res.output


def test_crosslingual_joins_english_questions_to_chinese_gold(tmp_path):
    en = write_jsonl(tmp_path / "en.jsonl", [
        {"qid": "1", "question": "How many service centres?", "lang": "en"},
        {"qid": "2", "question": "No Chinese twin", "lang": "en"}])
    zh = write_jsonl(tmp_path / "zh.jsonl", [
        {"qid": "1", "question": "建成了多少个服务中心？", "gold_pids": ["zh-0"], "answers": ["14542个"]}])
    out = tmp_path / "out" / "en-on-zh.jsonl"
    res = run("data", "crosslingual", str(en), str(zh), str(out))
    assert res.exit_code == 0, res.output
    assert read_jsonl(out) == [{"qid": "1", "question": "How many service centres?",
                                "gold_pids": ["zh-0"], "answers": ["14542个"], "question_lang": "en"}]
    assert "1 questions written" in res.output


def test_crosslingual_reports_a_missing_file_and_a_bad_line_as_input_errors(tmp_path):
    zh = write_jsonl(tmp_path / "zh.jsonl", [{"qid": "1", "gold_pids": [], "answers": []}])
    res = run("data", "crosslingual", str(tmp_path / "nope.jsonl"), str(zh), str(tmp_path / "o.jsonl"))
    assert isinstance(res.exception, InputError) and res.exception.key == "data.file_missing"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"qid": "1", "question": "x"}\n{"qid": "2"\n', encoding="utf-8")
    res = run("data", "crosslingual", str(bad), str(zh), str(tmp_path / "o.jsonl"))
    assert isinstance(res.exception, InputError) and res.exception.key == "data.bad_line"
    assert res.exception.params["line"] == 2
    assert not (tmp_path / "o.jsonl").exists()


def test_script_copy_converts_texts_and_keeps_ids_and_offsets(tmp_path):
    passages = write_jsonl(tmp_path / "t.passages.jsonl", [
        {"pid": "p1", "title": "党群服务中心", "text": "全区建成一站式党群服务中心14542个。"}])
    questions = write_jsonl(tmp_path / "t.questions.jsonl", [
        {"qid": "q1", "question": "全区建成了多少个党群服务中心？", "gold_pids": ["p1"],
         "answers": [{"text": "14542个", "answer_start": 13}]}])
    out = tmp_path / "trad"
    res = run("data", "script-copy", str(out), "--to", "traditional",
              "--passages", str(passages), "--questions", str(questions))
    assert res.exit_code == 0, res.output
    assert json.loads(res.output) == {"passages": 1, "questions": 1, "misplaced": 0}
    [p] = read_jsonl(out / "t.passages.jsonl")
    [q] = read_jsonl(out / "t.questions.jsonl")
    assert p["pid"] == "p1" and p["text"] == "全區建成一站式黨羣服務中心14542個。"
    assert q["question"] == "全區建成了多少個黨羣服務中心？" and q["gold_pids"] == ["p1"]
    assert q["answers"] == [{"text": "14542個", "answer_start": 13}]


def test_script_copy_without_files_is_one_line_in_the_users_language(tmp_path, capsys):
    assert main(["--lang", "zh", "data", "script-copy", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "错误: 没有要转换的文件：请给出 --passages、--questions 或两者。"
    assert main(["--lang", "en", "data", "script-copy", str(tmp_path / "out")]) == 1
    assert "Nothing to convert" in capsys.readouterr().err


def test_news_questions_writes_a_gold_file_eval_can_read(tmp_path):
    (tmp_path / "news.txt").write_text(NEWS, encoding="utf-8")
    out = tmp_path / "syn.jsonl"
    res = run("data", "news-questions", "--out", str(out), "--corpus", str(tmp_path / "news.txt"),
              "--drop", "0", "--seed", "3", "--limit", "3")
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output)
    assert summary["questions"] == 3 and summary["out"] == str(out)
    items = load_gold(out)
    assert len(items) == 3 and all("synthetic" in i.tags and i.gold_pids for i in items)
    assert {i.question for i in items} <= {
        "全区建成一站式党群服务中心多少个？", "全区建成一站式党群服务中心，覆盖率达到多少？",
        "内蒙古支线供水工程总投资多少亿元？", "计划哪一年底建设完成并具备输水条件？"}


def test_news_questions_rejects_bad_options_before_reading_the_corpus(tmp_path):
    out = str(tmp_path / "syn.jsonl")
    for args, key in ((["--drop", "1"], "data.bad_drop"), (["--limit", "0"], "data.bad_limit"),
                      (["--corpus", str(tmp_path / "missing")], "data.corpus_missing")):
        res = run("data", "news-questions", "--out", out, *args)
        assert isinstance(res.exception, InputError) and res.exception.key == key, args
    assert not Path(out).exists()


def test_resolve_gold_takes_another_raw_set(tmp_path):
    raw = write_jsonl(tmp_path / "raw.jsonl", [
        {"qid": "x1", "question": "全区建成了多少个一站式党群服务中心？", "answers": ["14542个"],
         "evidence": "全区建成一站式党群服务中心14542个"},
        {"qid": "x2", "question": "包头市呢？", "answers": [], "evidence": ""}])
    out = tmp_path / "x.jsonl"
    res = run("data", "resolve-gold", "--raw", str(raw), "--out", str(out))
    assert res.exit_code == 0, res.output
    rows = read_jsonl(out)
    assert [r["qid"] for r in rows] == ["x1", "x2"]
    assert rows[0]["gold_pids"] and rows[1]["gold_pids"] == []
    assert run("data", "resolve-gold", "--raw", str(raw)).exit_code != 0  # --out is needed
