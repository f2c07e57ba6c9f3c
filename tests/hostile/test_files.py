"""Files in every encoding, binary files and empty corpora through ``Ingestor`` and ``corpusqa ingest``."""

from __future__ import annotations

import io
import json
import random
import zipfile

import pytest

from corpusqa.corpus.ingest import Ingestor
from corpusqa.corpus.store import CorpusStore
from corpusqa.settings import Settings
from tests.hostile.conftest import assert_one_error_line, db_counts, spawn

RARE = "\U00020000"  # 𠀀, CJK extension B: four bytes in GB18030 and UTF-8, a surrogate pair in UTF-16
BODY = ("本报呼和浩特6月28日讯 全区建成一站式党群服务中心14542个，覆盖率达到98.9%以上。"
        f"{RARE}字库村的牧民也赶来参加。\n"
        "锡林郭勒盟推进草原生态保护，禁牧面积达到1.2亿亩，牧民收入稳步增长。\n")
GBK_BODY = BODY.replace(RARE, "")  # GBK has no four-byte characters
KEY_PHRASE = "禁牧面积达到1.2亿亩"


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("article.txt", BODY)
    return buf.getvalue()


GOOD = {  # name -> (bytes, text expected inside the stored article)
    "gbk.txt": (GBK_BODY.encode("gbk"), "锡林郭勒盟推进草原生态保护"),
    "gb18030.txt": (BODY.encode("gb18030"), RARE + "字库村"),
    "utf16le_bom.txt": (b"\xff\xfe" + BODY.encode("utf-16-le"), RARE + "字库村"),
    "utf16be_bom.txt": (b"\xfe\xff" + BODY.encode("utf-16-be"), RARE + "字库村"),
    "utf16le_nobom.txt": (BODY.encode("utf-16-le"), RARE + "字库村"),
    "utf16be_nobom.txt": (BODY.encode("utf-16-be"), RARE + "字库村"),
    "utf8_bom.txt": (b"\xef\xbb\xbf" + BODY.encode("utf-8"), RARE + "字库村"),
    "crlf.txt": (BODY.replace("\n", "\r\n").encode("utf-8"), KEY_PHRASE),
}
BAD = {  # name -> (bytes, Chinese message fragment)
    "image.txt": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "PNG 文件"),
    "noise.txt": (random.Random(8).randbytes(4096), "不是文本文件"),
    "archive.txt": (_zip(), "ZIP 文件"),
    "empty.txt": (b"", "文件是空的"),
    "blank.txt": (b" \r\n\t\n\xe3\x80\x80\n", "文件是空的"),
    "fake.docx": (b"PK\x03\x04 not really a docx", "Word 文件已损坏"),
    "fake.pdf": (b"%PDF-1.4 garbage", "PDF"),
}
UNSUPPORTED = {"data.bin": (b"\x00\x01", "不支持的文件类型")}  # named alone: reported; in a folder: skipped


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(home=tmp_path / "home", encoder="none", progress=False)


def _write(folder, files: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (data, _) in files.items():
        (folder / name).write_bytes(data)


def _texts(settings: Settings) -> dict[str, str]:
    with CorpusStore(settings.db_path) as store:
        return {a.source: a.text for a in store.iter_articles()}


@pytest.mark.parametrize("name", list(GOOD))
def test_each_encoding_is_decoded_and_stored_verbatim(settings, tmp_path, name):
    data, expected = GOOD[name]
    _write(tmp_path / "in", {name: GOOD[name]})
    report = Ingestor(settings).ingest([tmp_path / "in" / name])
    assert report.counts()["added"] == 1, report.to_dict()
    text = _texts(settings)[name]
    assert expected in text and KEY_PHRASE in text and "\ufffd" not in text


@pytest.mark.parametrize("name", list(BAD) + list(UNSUPPORTED))
def test_each_bad_file_is_reported_by_name_with_a_reason(settings, tmp_path, name):
    bad = {**BAD, **UNSUPPORTED}[name]
    _write(tmp_path / "in", {name: bad})
    report = Ingestor(settings).ingest([tmp_path / "in" / name])
    (result,) = report.files
    assert result.status == "error" and name in result.error.text("zh")
    assert bad[1] in result.error.text("zh")
    assert result.error.text("en") != result.error.text("zh")
    assert report.articles == 0


def test_a_folder_of_good_and_bad_files_keeps_the_good_ones(cli, tmp_path):
    home = tmp_path / "home"
    _write(tmp_path / "in", {**GOOD, **BAD, **UNSUPPORTED})
    res = cli(home, "ingest", str(tmp_path / "in"))
    err = assert_one_error_line(res, f"{len(BAD)} 个未能入库")
    assert "其余文件已入库" in err
    lines = res.out.splitlines()
    for name in GOOD:
        assert any(line.startswith("新增") and name in line for line in lines), name
    for name, (_, reason) in BAD.items():
        assert any(line.startswith("失败") and name in line and reason in line for line in lines), name
    assert "data.bin" not in res.out  # not a corpus file: a folder may hold other things
    counts = db_counts(home)
    assert counts["sources"] == len(GOOD) and counts["torn_sources"] == 0
    again = cli(home, "ingest", str(tmp_path / "in"), lang="en")  # rerun: unchanged, same failures
    assert again.err.startswith("Error:")
    assert sum(line.startswith("unchanged") for line in again.out.splitlines()) == len(GOOD)
    assert db_counts(home) == counts


def test_a_real_process_prints_one_error_line_and_no_library_warnings(tmp_path):
    """Library loggers (pypdf's "EOF marker not found") must not add lines to stderr."""
    _write(tmp_path / "in", {k: BAD[k] for k in ("fake.pdf", "fake.docx", "noise.txt")})
    proc = spawn(tmp_path / "home", "ingest", str(tmp_path / "in"), encoder="none")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert err.strip().splitlines() == ["错误: 没有文件入库（3 个文件均失败，原因见上方），语料库没有变化。"]
    assert out.count("失败") == 4  # three files and the summary


def test_markup_and_sql_inside_articles_are_stored_verbatim_and_retrievable(cli, tmp_path):
    home = tmp_path / "home"
    script, sql = "<script>alert(1)</script>", "'; DROP TABLE articles; --"
    page = (f"本报讯 网信办提醒，钓鱼网页常嵌入 {script} 这类脚本，窃取牧民的登录信息。\n"
            f"有人在留言框里输入 {sql} 企图删除数据库，系统已拦截。\n")
    html = ("<html><body><h1>网络安全提醒</h1><p>网页里出现 &lt;b&gt;加粗&lt;/b&gt; 这类文字时照原样保存。</p>"
            "<script>document.write('gone')</script></body></html>")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "security.txt").write_text(page, encoding="utf-8")
    (tmp_path / "in" / "page.html").write_text(html, encoding="utf-8")
    assert cli(home, "ingest", str(tmp_path / "in")).code == 0
    shown = cli(home, "corpus", "list", "--json")
    texts = {}
    for row in json.loads(shown.out):
        article = json.loads(cli(home, "corpus", "show", row["id"], "--json").out)
        texts[row["source"]] = article["text"]
    assert script in texts["security.txt"] and sql in texts["security.txt"]
    assert "<b>加粗</b>" in texts["page.html"] and "gone" not in texts["page.html"]  # script code is not text
    assert db_counts(home)["articles"] == 2
    assert cli(home, "index", "build", encoder="none").code == 0
    res = cli(home, "ask", "钓鱼网页嵌入什么脚本窃取牧民的登录信息？", "--json", encoder="none")
    data = json.loads(res.out)
    assert res.code == 0 and any(script in p["text"] for p in data["passages"])
    res = cli(home, "ask", "有人在留言框里输入什么企图删除数据库？", "--json", encoder="none")
    assert any(sql in p["text"] for p in json.loads(res.out)["passages"])
    assert db_counts(home)["articles"] == 2  # the text was never executed


def test_all_files_failing_is_said_plainly_and_the_sample_is_not_indexed_instead(cli, tmp_path):
    home = tmp_path / "home"
    _write(tmp_path / "in", {"empty.txt": BAD["empty.txt"], "blank.txt": BAD["blank.txt"]})
    assert_one_error_line(cli(home, "ingest", str(tmp_path / "in")), "没有文件入库", "2 个文件均失败")
    assert_one_error_line(cli(home, "index", "build"), "没有文章", "corpusqa ingest")
    assert_one_error_line(cli(home, "ask", "全区建成了多少个党群服务中心？"), "尚未建立索引", "corpusqa index build")
    assert db_counts(home)["articles"] == 0
    en = cli(home, "ingest", str(tmp_path / "in"), lang="en")
    assert_one_error_line(en, "No file was ingested (2 failed", lang="en")


def test_a_folder_without_supported_files_is_one_clear_error(cli, tmp_path):
    home = tmp_path / "home"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    assert_one_error_line(cli(home, "ingest", str(tmp_path / "in")), "没有找到可入库的文件", ".txt")
    assert_one_error_line(cli(home, "index", "build"), "没有文章")


def test_a_fresh_home_still_indexes_the_bundled_sample(cli, tmp_path):
    """The empty-corpus error is only for homes where someone ingested: `make run` keeps working."""
    home = tmp_path / "home"
    assert cli(home, "index", "build", encoder="none").code == 0
    assert db_counts(home)["articles"] == 28
