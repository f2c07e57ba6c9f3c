import pytest

from corpusqa.errors import IndexError_
from corpusqa.index.tokenizer import ChineseTokenizer


@pytest.fixture(scope="module")
def tok():
    return ChineseTokenizer().load()


def test_numbers_percentages_and_wan_stay_whole(tok):
    tokens = tok.tokenize("建成14542个，覆盖率达到98.9%以上，改造1.1万户，占比40％。")
    for t in ("14542", "98.9%", "1.1万", "40%"):
        assert t in tokens
    assert "98" not in tokens and "9" not in tokens


def test_latin_is_lowercased_and_punctuation_dropped(tok):
    tokens = tok.tokenize("COVID-19疫情，5G网络！Hello World？")
    assert {"covid-19", "5g", "hello", "world"} <= set(tokens)
    assert not any(t in "，！？,.!?" for t in tokens)


def test_punctuation_only_or_empty_text_has_no_tokens(tok):
    assert tok.tokenize("？！。，……“”") == []
    assert tok.tokenize("") == []
    assert tok.tokenize("   ") == []


def test_stopwords_and_question_words_are_dropped(tok):
    tokens = tok.tokenize("全区建成了多少个一站式党群服务中心？")
    for t in ("了", "多少", "个", "的"):
        assert t not in tokens
    assert {"全区", "建成", "服务", "中心"} <= set(tokens)


def test_newsroom_dictionary_keeps_place_names_whole(tok):
    tokens = tok.tokenize("鄂尔多斯市的嘎查村与锡林郭勒盟、呼伦贝尔、巴彦淖尔、乌兰察布的最强党支部实行一肩挑")
    for word in ("鄂尔多斯市", "嘎查村", "锡林郭勒盟", "呼伦贝尔", "巴彦淖尔", "乌兰察布", "最强党支部", "一肩挑"):
        assert word in tokens


def test_names_missing_from_the_dictionary_still_share_bigrams(tok):
    doc = set(tok.tokenize("乌拉盖管理区的牧民赶来参加。"))
    query = set(tok.tokenize("乌拉盖"))
    assert query & doc  # matched through character bigrams (乌拉, 拉盖)


def test_bigrams_can_be_turned_off():
    plain = ChineseTokenizer(bigrams=False).load()
    assert "务中" not in plain.tokenize("服务中心")
    assert plain.settings()["bigrams"] is False


def test_extra_user_dictionary_changes_segmentation_and_settings(tmp_path, tok):
    extra = tmp_path / "dict.txt"
    extra.write_text("# newsroom additions\n乌拉盖管理区 1000 ns\n", encoding="utf-8")
    custom = ChineseTokenizer(user_dict=extra).load()
    assert "乌拉盖管理区" in custom.tokenize("乌拉盖管理区的牧民")
    assert "乌拉盖管理区" not in tok.tokenize("乌拉盖管理区的牧民")
    assert custom.settings()["dict_hash"] != tok.settings()["dict_hash"]
    assert "#" not in custom.tokenize("# 注释")


def test_missing_user_dictionary_is_a_clear_error(tmp_path):
    with pytest.raises(IndexError_) as exc:
        ChineseTokenizer(user_dict=tmp_path / "nope.txt")
    assert exc.value.key == "index.user_dict_missing"
    assert "nope.txt" in exc.value.message("zh")


def test_settings_are_stable_and_name_the_jieba_version(tok):
    s = tok.settings()
    assert s == ChineseTokenizer().settings()
    assert s["jieba"] and s["bigrams"] is True and len(s["dict_hash"]) == 16


def test_loading_is_quiet(capfd):
    ChineseTokenizer().load().tokenize("测试")
    out, err = capfd.readouterr()
    assert "prefix dict" not in err and "Loading model" not in err
    assert out == ""


def test_thousands_separators_do_not_split_a_number():
    from corpusqa.index.tokenizer import ChineseTokenizer

    tok = ChineseTokenizer().load()
    assert "14542" in tok.tokenize("建成14,542个") and "542" not in tok.tokenize("建成14,542个")
    assert "1234567" in tok.tokenize("共1,234,567元")
    assert {"2023", "100"} <= set(tok.tokenize("2023,100"))  # a year and a number stay apart
