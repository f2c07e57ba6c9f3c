"""``corpusqa ingest`` and ``corpusqa corpus stats|list|show`` as a user runs them."""

from __future__ import annotations

import json
import shutil

import pytest

from corpusqa.cli import main

MAIN_000 = "000_1a2e3e8d63f9a08f.txt"


@pytest.fixture(scope="module")
def counts(sample_dir) -> dict[str, int]:
    """Articles per sample file, as the segmenter finds them (its numbers, not ours)."""
    from corpusqa.corpus.segment import segment_page

    return {p.name: len(segment_page(p.read_text(encoding="utf-8"), p.name))
            for p in sorted(sample_dir.glob("*.txt"))}


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.delenv("CORPUSQA_LANG", raising=False)


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["--silent", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def ingested(home, sample_dir, capsys):
    code, _, _ = run(capsys, "ingest", str(sample_dir))
    assert code == 0
    return home


def test_ingest_prints_one_line_per_file_and_a_summary(home, sample_dir, counts, capsys):
    code, out, err = run(capsys, "ingest", str(sample_dir))
    lines = out.strip().splitlines()
    assert code == 0 and err == ""
    assert lines[:5] == [f"新增  {name}  {n} 篇" for name, n in counts.items()]
    assert lines[5] == (f"共 5 个文件：新增 5，更新 0，未变 0，失败 0。库中现有 {sum(counts.values())} 篇文章，"
                        "其中 1 篇是近似重复。")
    assert (home / "corpus.db").exists()
    code, out, _ = run(capsys, "ingest", str(sample_dir))
    assert code == 0 and [lk.split()[0] for lk in out.splitlines()[:5]] == ["未变"] * 5


def test_ingest_json_and_a_bad_file_gives_exit_code_1_after_all_results(home, sample_dir, tmp_path, capsys):
    corpus = tmp_path / "corpus"
    shutil.copytree(sample_dir, corpus)
    (corpus / "scan.txt").write_bytes(b"%PDF-1.4\n" + bytes(50))
    code, out, err = run(capsys, "ingest", "--json", str(corpus))
    report = json.loads(out)
    assert code == 1
    assert report["counts"] == {"added": 5, "updated": 0, "unchanged": 0, "error": 1}
    bad = next(f for f in report["files"] if f["status"] == "error")
    assert bad["name"] == "scan.txt" and "不是文本文件" in out  # ensure_ascii=False keeps Chinese readable
    assert err.strip().count("\n") == 0 and "1 个未能入库" in err and "Traceback" not in err


def test_ingest_human_output_names_the_bad_file_with_its_hint(home, tmp_path, capsys):
    (tmp_path / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(50))
    (tmp_path / "ok.txt").write_text("# 标题\n\n正文一段，内容充实。", encoding="utf-8")
    code, out, err = run(capsys, "ingest", str(tmp_path / "photo.txt"), str(tmp_path / "ok.txt"))
    assert code == 1
    assert "失败  photo.txt：这不是文本文件，而是 PNG 文件。请先转换为 UTF-8 文本再入库。" in out
    assert "新增  ok.txt  1 篇" in out


def test_stats_in_chinese_english_and_json(ingested, counts, capsys):
    n = sum(counts.values())
    code, out, _ = run(capsys, "corpus", "stats")
    assert code == 0 and f"文章 {n} 篇（去重后 {n - 1} 篇，近似重复 1 篇）" in out and "来源文件 5 个" in out
    code, out, _ = run(capsys, "--lang", "en", "corpus", "stats")
    assert f"{n} articles ({n - 1} after removing 1 near-duplicates)" in out
    code, out, _ = run(capsys, "corpus", "stats", "--json")
    data = json.loads(out)
    assert (data["articles"], data["canonical_articles"], data["sources"], data["duplicates"]) == (n, n - 1, 5, 1)


def test_stats_on_an_empty_corpus_says_how_to_ingest(home, capsys):
    code, out, _ = run(capsys, "corpus", "stats")
    assert code == 0 and "corpusqa ingest" in out


def test_list_marks_duplicates_and_copies(ingested, counts, capsys):
    code, out, _ = run(capsys, "corpus", "list")
    lines = out.strip().splitlines()
    assert code == 0 and len(lines) == sum(counts.values())
    dup = next(lk for lk in lines if f"{MAIN_000}#0" in lk)
    canonical_id = dup.split("重复，见 ")[1].rstrip("]")
    canonical = next(lk for lk in lines if lk.startswith(canonical_id))
    assert "一贯彻到底强“堡垒”" in canonical and f"另见 {dup.split()[0]}" in canonical
    code, out, _ = run(capsys, "corpus", "list", "--source", MAIN_000, "--limit", "1", "--json")
    [row] = json.loads(out)
    assert row["source"] == MAIN_000 and row["canonical_id"] == canonical_id and row["also_in"] == [canonical_id]


def test_show_prints_metadata_and_paragraph_offsets(ingested, capsys):
    _, out, _ = run(capsys, "corpus", "list", "--json")
    row = next(r for r in json.loads(out) if r["title"] == "一贯彻到底强“堡垒”")
    code, out, _ = run(capsys, "corpus", "show", row["id"][:6])  # a unique prefix is enough
    lines = out.splitlines()
    assert code == 0 and lines[0] == "# 一贯彻到底强“堡垒”" and lines[1] == f"id: {row['id']}"
    assert f"另见: {row['also_in'][0]}" in out and "段落（序号 起止位置）：" in out
    assert any(lk.startswith("[0] 0-") for lk in lines)
    code, out, _ = run(capsys, "corpus", "show", row["id"], "--json")
    data = json.loads(out)
    assert data["also_in"] == row["also_in"] and data["canonical_id"] is None
    for p in data["paragraphs"]:
        assert data["text"][p["start"]:p["end"]] == p["text"]


def test_show_unknown_id_is_one_line_error(ingested, capsys):
    code, out, err = run(capsys, "corpus", "show", "doesnotexist")
    assert code == 1 and out == ""
    assert err.strip() == "错误: 没有编号为 doesnotexist 的文章。可用 corpusqa corpus list 查看编号。"


def test_many_bad_jsonl_lines_are_summarised_not_flooded(home, tmp_path, capsys):
    lines = ["{bad"] * 5 + ['{"id": "d1", "text": "唯一可用的一行。"}']
    (tmp_path / "docs.jsonl").write_text("\n".join(lines), encoding="utf-8")
    code, out, _ = run(capsys, "ingest", str(tmp_path / "docs.jsonl"))
    assert code == 0 and "新增  docs.jsonl  1 篇" in out
    assert out.count("不是有效的 JSON") == 3 and "另有 2 条提示" in out
    code, out, _ = run(capsys, "corpus", "show", "d1", "--json")
    assert json.loads(out)["text"] == "唯一可用的一行。"
