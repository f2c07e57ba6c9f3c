"""Uploads: names are sanitized, nothing is written outside the uploads directory,
each file is ingested on its own, and the index is updated once."""

import os

import pytest

from corpusqa.errors import InputError
from corpusqa.ui.service import ChatService
from corpusqa.ui.uploads import process_uploads, safe_name, save_upload, summary

PAGE = ("内蒙古日报 2022年6月28日\n"
        "全区建成一站式党群服务中心\n"
        "本报呼和浩特6月27日讯 全区建成一站式党群服务中心14542个，覆盖率达到98.9%以上。"
        "各地持续推进基层党建工作，服务群众能力不断提升。\n")


@pytest.mark.parametrize("given, expected", [
    ("report.txt", "report.txt"),
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\..\\evil.md", "evil.md"),
    ("/abs/path/x.PDF", "x.pdf"),
    ("内蒙古日报 2022.html", "内蒙古日报 2022.html"),
    ("a;rm -rf $HOME.txt", "a_rm -rf _HOME.txt"),
    ("..", None),
    (".hidden.txt", "hidden.txt"),
    ("bad\x00name\n.txt", "badname.txt"),
    ("", None),
])
def test_safe_name(given, expected):
    assert safe_name(given) == expected


def test_long_names_keep_their_extension():
    name = safe_name("长" * 500 + ".docx")
    assert name.endswith(".docx") and len(name) <= 120


def test_save_refuses_a_name_with_a_path_and_writes_nothing(tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("正文", encoding="utf-8")
    up = tmp_path / "data" / "uploads"
    for name in ("../../../outside.txt", "..\\outside.txt", "/etc/outside.txt", "out\x00side.txt"):
        with pytest.raises(InputError) as exc:
            save_upload(src, name, up)
        assert exc.value.key == "ui.upload.path_refused"
    assert not (tmp_path / "outside.txt").exists() and not (up.exists() and list(up.iterdir()))
    dest = save_upload(src, "outside.txt", up)
    assert dest.parent == up.resolve() and dest.read_text(encoding="utf-8") == "正文"
    assert [p.name for p in up.iterdir()] == ["outside.txt"]  # no temporary file left behind


def test_save_replaces_a_symlink_not_its_target(tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("keep", encoding="utf-8")
    up = tmp_path / "uploads"
    up.mkdir()
    os.symlink(target, up / "a.txt")
    src = tmp_path / "new.txt"
    src.write_text("新内容", encoding="utf-8")
    dest = save_upload(src, "a.txt", up)
    assert target.read_text(encoding="utf-8") == "keep"
    assert not dest.is_symlink() and dest.read_text(encoding="utf-8") == "新内容"


def test_rejects_bad_type_and_oversized_files(tmp_path):
    src = tmp_path / "x.exe"
    src.write_bytes(b"MZ" * 10)
    with pytest.raises(InputError) as e:
        save_upload(src, "x.exe", tmp_path / "up")
    assert "不支持" in e.value.message("zh")
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * 2048)
    with pytest.raises(InputError) as e:
        save_upload(big, "big.txt", tmp_path / "up", max_bytes=1024)
    assert "太大" in e.value.message("zh")


def test_each_file_is_reported_and_good_files_are_kept(settings, tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(PAGE, encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ")
    updates, steps = [], []
    outcome = process_uploads([(good, "good.txt"), (empty, "empty.txt"), (exe, "tool.exe")], settings,
                              update_index=updates.append, progress=lambda f, d: steps.append(f))
    by_name = {f.name: f for f in outcome.files}
    assert by_name["good.txt"].status == "added" and by_name["good.txt"].articles >= 1
    assert by_name["empty.txt"].status == "error" and by_name["empty.txt"].message
    assert by_name["tool.exe"].status == "rejected" and ".pdf" in by_name["tool.exe"].message
    assert outcome.articles >= 1 and outcome.index_updated and updates == [settings]
    assert steps == sorted(steps) and steps[-1] == 1.0
    assert "1 个文件成功，2 个失败" in summary(outcome, "zh")
    assert (settings.uploads_dir / "good.txt").is_file()


def test_unchanged_upload_does_not_rebuild_and_index_failure_is_reported(settings, tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(PAGE, encoding="utf-8")

    def broken(_settings):
        raise RuntimeError("disk full")

    first = process_uploads([(good, "good.txt")], settings, update_index=broken)
    assert first.files[0].status == "added" and not first.index_updated
    assert "corpusqa index build" in first.index_error
    calls = []
    again = process_uploads([(good, "good.txt")], settings, update_index=calls.append)
    assert again.files[0].status == "unchanged" and calls == []


def test_service_reloads_the_assistant_after_an_index_update(settings, tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(PAGE, encoding="utf-8")
    built = []
    svc = ChatService(settings, lambda s: built.append(1) or object(), index_updater=lambda s: None)
    svc.assistant()
    svc.upload([(str(good), "good.txt")])
    assert len(built) == 2
