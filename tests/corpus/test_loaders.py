"""Loading files of every supported format and encoding, and refusing the others clearly."""

from __future__ import annotations

import io
import json

import pytest

from corpusqa.corpus.loaders import decode_bytes, html_text, load_file, load_path
from corpusqa.errors import InputError

PAGE = "# 草原新闻\n\n记者走进嘎查，了解牧民生活。\n\n全区建成党群服务中心14542个。"


def make_pdf(lines: list[str]) -> bytes:
    """A one-page PDF whose text layer holds ``lines`` (Chinese via a ToUnicode CMap, no font file)."""
    chars = sorted({c for line in lines for c in line})
    ops = ["BT /F1 12 Tf 14 TL 72 770 Td"]
    ops += ["<" + "".join(f"{ord(c):04X}" for c in line) + "> Tj T*" for line in lines]
    content = "\n".join([*ops, "ET"]).encode()
    cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap "
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def "
            "/CMapName /Adobe-Identity-UCS def /CMapType 2 def "
            "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            f"{len(chars)} beginbfchar\n" + "".join(f"<{ord(c):04X}> <{ord(c):04X}>\n" for c in chars)
            + "endbfchar endcmap CMapName currentdict /CMap defineresource pop end end").encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >>"
        b" /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H"
        b" /DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo"
        b" << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# -- encodings ---------------------------------------------------------------

@pytest.mark.parametrize("data, encoding", [
    (PAGE.encode("utf-8"), "utf-8"),
    (b"\xef\xbb\xbf" + PAGE.encode("utf-8"), "utf-8-sig"),
    (PAGE.encode("utf-16"), "utf-16"),  # with BOM
    (PAGE.encode("utf-16-le"), "utf-16-le"),  # no BOM: found through the NUL bytes of "\n"
    (PAGE.encode("utf-16-be"), "utf-16-be"),
    (PAGE.encode("gbk"), "gb18030"),
    (PAGE.encode("gb18030"), "gb18030"),
])
def test_decode_bytes_reads_each_encoding_to_the_same_text(data, encoding):
    text, found = decode_bytes(data, "page.txt")
    assert text == PAGE
    assert found == encoding


def test_decode_bytes_keeps_mostly_ascii_gbk_as_gbk():
    # ASCII pairs read as UTF-16 look like CJK; a GBK file with few Chinese words must stay GBK.
    text = "Report 2021\nline two with words\n内蒙古\n"
    assert decode_bytes(text.encode("gbk"), "a.txt") == (text, "gb18030")


def test_decode_bytes_turns_windows_line_ends_into_newlines():
    assert decode_bytes("第一段\r\n第二段\r".encode("utf-8"), "a.txt")[0] == "第一段\n第二段\n"


@pytest.mark.parametrize("data, key", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "corpus.load.binary"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "corpus.load.binary"),
    (b"PK\x03\x04\x14\x00\x00\x00", "corpus.load.binary"),
    (bytes(range(256)) * 4, "corpus.load.binary_nul"),
])
def test_binary_data_is_refused_with_a_hint(data, key):
    with pytest.raises(InputError) as err:
        decode_bytes(data, "photo.txt")
    assert err.value.key == key
    message = err.value.message("zh")
    assert "photo.txt" in message and "UTF-8" in message


# -- formats -----------------------------------------------------------------

def test_txt_and_md_pages_keep_their_text(tmp_path):
    (tmp_path / "a.txt").write_text(PAGE, encoding="utf-8")
    (tmp_path / "b.md").write_text(PAGE, encoding="utf-8")
    loaded = load_path(tmp_path)
    assert [(f.name, f.format, f.pages) for f in loaded] == [
        ("a.txt", "text", (PAGE,)), ("b.md", "markdown", (PAGE,))]
    assert loaded[0].sha256 == loaded[1].sha256 and loaded[0].size == len(PAGE.encode())


def test_form_feed_splits_a_text_file_into_pages(tmp_path):
    (tmp_path / "two.txt").write_text("第一版正文。\f第二版正文。", encoding="utf-8")
    assert load_file(tmp_path / "two.txt").pages == ("第一版正文。", "第二版正文。")


def test_html_keeps_headings_and_paragraphs_and_drops_scripts():
    html = """<html><head><title>T</title><style>p{}</style></head><body>
      <nav>首页 | 新闻</nav><script>var x = "不要";</script>
      <h1>草原<br>新闻</h1>
      <p>记者走进嘎查，
         了解牧民生活。</p><p>第二段<br>第三段</p><div>Hello   world</div></body></html>"""
    assert html_text(html) == "# 草原 新闻\n\n记者走进嘎查，了解牧民生活。\n\n第二段\n\n第三段\n\nHello world"


def test_html_file_in_gbk(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes('<meta charset="gbk"><h2>标题</h2><p>正文一段。</p>'.encode("gbk"))
    loaded = load_file(path)
    assert loaded.error is None and loaded.encoding == "gb18030"
    assert loaded.pages == ("# 标题\n\n正文一段。",)


def test_docx_headings_become_markdown_headings(tmp_path):
    import docx

    document = docx.Document()
    document.add_heading("草原新闻", level=1)
    document.add_paragraph("记者走进嘎查，了解牧民生活。")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "服务中心", "14542个"
    document.save(tmp_path / "news.docx")
    loaded = load_file(tmp_path / "news.docx")
    assert loaded.error is None and loaded.format == "docx"
    assert loaded.pages == ("# 草原新闻\n\n记者走进嘎查，了解牧民生活。\n\n服务中心 14542个",)


def test_zip_that_is_not_docx_is_reported(tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "fake.docx", "w") as z:
        z.writestr("hello.txt", "hi")
    loaded = load_file(tmp_path / "fake.docx")
    assert loaded.error is not None and loaded.error.key == "corpus.load.bad_docx"
    assert "fake.docx" in loaded.error.text("zh")


def test_pdf_text_layer_is_read_page_by_page(tmp_path):
    (tmp_path / "page.pdf").write_bytes(make_pdf(["# 草原新闻", "全区建成服务中心14542个。"]))
    loaded = load_file(tmp_path / "page.pdf")
    assert loaded.error is None and loaded.format == "pdf"
    assert loaded.pages[0].split() == ["#", "草原新闻", "全区建成服务中心14542个。"]


def test_pdf_without_text_layer_asks_whether_it_is_scanned(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    (tmp_path / "scan.pdf").write_bytes(buffer.getvalue())
    loaded = load_file(tmp_path / "scan.pdf")
    assert loaded.error.key == "corpus.load.pdf_no_text"
    assert "扫描" in loaded.error.text("zh") and "scanned PDF" in loaded.error.text("en")


def test_jsonl_keeps_good_lines_and_reports_bad_ones_by_line_number(tmp_path):
    lines = [
        json.dumps({"pid": "p1", "title": "标题一", "text": "第一段。\n第二段。", "date": "2021-06-30"},
                   ensure_ascii=False),
        "{not json",
        json.dumps({"id": "p2", "title": "无正文"}, ensure_ascii=False),
        "",
        json.dumps({"id": 3, "text": "编号是数字。", "source": "内蒙古日报"}, ensure_ascii=False),
        json.dumps({"id": "p1", "text": "重复编号。"}, ensure_ascii=False),
    ]
    (tmp_path / "docs.jsonl").write_text("\n".join(lines), encoding="utf-8")
    loaded = load_file(tmp_path / "docs.jsonl")
    assert loaded.error is None
    assert [(d["id"], d["title"], d["line"]) for d in loaded.documents] == [("p1", "标题一", 1), ("3", "", 5)]
    assert loaded.documents[0]["date"] == "2021-06-30" and loaded.documents[1]["source"] == "内蒙古日报"
    assert [(w.key, w.params["line"]) for w in loaded.warnings] == [
        ("corpus.jsonl.bad_json", 2), ("corpus.jsonl.no_text", 3), ("corpus.jsonl.duplicate_id", 6)]
    assert "第 2 行" in loaded.warnings[0].text("zh")


def test_jsonl_with_no_usable_line_is_an_error(tmp_path):
    (tmp_path / "bad.jsonl").write_text("[1, 2]\n{oops\n", encoding="utf-8")
    loaded = load_file(tmp_path / "bad.jsonl")
    assert loaded.error.key == "corpus.jsonl.no_documents" and len(loaded.warnings) == 2


# -- folders and unreadable files ----------------------------------------------

def test_folder_is_walked_recursively_sorted_skipping_hidden_and_unsupported(tmp_path, caplog):
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "b" / "z.txt").write_text("乙", encoding="utf-8")
    (tmp_path / "a.txt").write_text("甲", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("隐藏", encoding="utf-8")
    (tmp_path / ".git" / "c.txt").write_text("隐藏", encoding="utf-8")
    (tmp_path / "notes.xlsx").write_bytes(b"PK\x03\x04")
    with caplog.at_level("INFO"):
        loaded = load_path(tmp_path)
    assert [f.name for f in loaded] == ["a.txt", "b/z.txt"]
    assert "notes.xlsx" in caplog.text


def test_missing_empty_and_unsupported_files_are_errors_not_exceptions(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"  \n")
    (tmp_path / "table.xlsx").write_bytes(b"PK\x03\x04")
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    keys = {name: load_file(tmp_path / name).error.key
            for name in ("missing.txt", "empty.txt", "table.xlsx", "image.txt")}
    assert keys == {"missing.txt": "corpus.load.not_found", "empty.txt": "corpus.load.empty",
                    "table.xlsx": "corpus.load.unsupported", "image.txt": "corpus.load.binary"}
    assert "PNG" in load_file(tmp_path / "image.txt").error.text("zh")
