"""Big5/CP950 files are read as Traditional Chinese, GBK files still as GBK (issue 15, item 5).

Almost every Big5 byte pair is also a valid GB18030 pair, so a Big5 file used to be
"decoded" as GB18030 into garbage (臺灣的報紙 -> 籓芖厨さ祇).
"""

from __future__ import annotations

import pytest

from corpusqa.corpus.loaders import decode_bytes, load_file

SHORT_TRAD = "臺灣的報紙今年發行量增加了三成。"
LONG_TRAD = (
    "本報訊 臺灣的報紙今年發行量增加了三成。記者從行政院新聞局獲悉，各大報社紛紛擴充編輯部門，"
    "並增聘專業攝影記者，以因應讀者對深度報導的需求。\n"
    "業者表示，網路新聞雖然普及，但紙本報紙在中南部鄉鎮仍有穩定的訂戶，"
    "尤其是年長讀者，每天早上都要看報才安心。"
)
SIMP = (
    "本报讯 呼伦贝尔市今年新建草原书屋三百二十个。全区建成一站式党群服务中心14542个，"
    "覆盖率达到98.9%以上，牧民读书看报更方便了。"
)


@pytest.mark.parametrize("text", [SHORT_TRAD, LONG_TRAD])
@pytest.mark.parametrize("codec", ["big5", "cp950"])
def test_big5_bytes_decode_as_traditional_chinese(text, codec):
    data = text.encode(codec)
    assert data.decode("gb18030") != text  # the old reading: valid GB18030, but garbage
    decoded, encoding = decode_bytes(data, "taiwan.txt")
    assert decoded == text
    assert encoding in ("big5", "cp950", "big5hkscs")


def test_cp950_only_characters_are_read_with_cp950():
    text = "歐元區物價上漲，一杯咖啡要價 €5，消費者叫苦連天。"
    data = text.encode("cp950")
    with pytest.raises(UnicodeDecodeError):
        data.decode("big5")  # the euro sign is a CP950 extension
    assert decode_bytes(data, "euro.txt") == (text, "cp950")


@pytest.mark.parametrize("text", [SIMP, "今年发行量增加", "大学教授在北京开会说明"])
def test_gbk_bytes_still_decode_as_gbk(text):
    data = text.encode("gbk")
    decoded, encoding = decode_bytes(data, "news.txt")
    assert (decoded, encoding) == (text, "gb18030")


def test_gbk_bytes_that_are_also_valid_big5_stay_gbk():
    text = "今年发行量增加"
    data = text.encode("gbk")
    assert data.decode("cp950") != text  # valid Big5 too, but it reads as nonsense there
    assert decode_bytes(data, "news.txt")[0] == text


def test_a_big5_file_is_loaded_with_its_encoding_recorded(tmp_path):
    path = tmp_path / "taiwan.txt"
    path.write_bytes(LONG_TRAD.replace("\n", "\r\n").encode("big5"))
    loaded = load_file(path)
    assert loaded.error is None
    assert loaded.encoding == "big5"
    assert loaded.pages == (LONG_TRAD,)
