import pytest

from corpusqa.errors import SearchIndexError
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
    with pytest.raises(SearchIndexError) as exc:
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


# -- Traditional and Simplified fold to the same tokens (tokenizer v3) -------------------------

SIMPLIFIED = [
    "全区建成了多少个一站式党群服务中心？",
    "鄂尔多斯市的嘎查村与锡林郭勒盟、呼伦贝尔的最强党支部实行一肩挑，他们说这个办法好。",
    "改造老旧小区1.1万户，总投资约110亿元，建成14,542个。",
]
TRADITIONAL = [
    "全區建成了多少個一站式黨群服務中心？",
    "鄂爾多斯市的嘎查村與錫林郭勒盟、呼倫貝爾的最強黨支部實行一肩挑，他們說這個辦法好。",
    "改造老舊小區1.1萬戶，總投資約110億元，建成14,542個。",
]


@pytest.mark.parametrize("simplified, traditional", list(zip(SIMPLIFIED, TRADITIONAL)))
def test_traditional_and_simplified_text_give_the_same_tokens(tok, simplified, traditional):
    assert tok.tokenize(traditional) == tok.tokenize(simplified)


def test_folded_tokens_keep_words_numbers_and_stopwords_right(tok):
    tokens = tok.tokenize(TRADITIONAL[1] + TRADITIONAL[2])
    assert {"鄂尔多斯市", "锡林郭勒盟", "呼伦贝尔", "最强党支部", "1.1万", "110亿", "14542"} <= set(tokens)
    assert not {"他們", "这个", "這個", "们", "個"} & set(tokens)  # folded, then dropped as stopwords
    assert "1.1" not in tokens and "萬戶" not in tokens


def test_every_sample_paragraph_in_traditional_tokenizes_like_the_original(tok, sample_dir):
    from corpusqa.answers.variants import to_traditional

    paras = [p for f in sorted(sample_dir.glob("*.txt"))
             for p in f.read_text(encoding="utf-8").splitlines() if p.strip()]
    same = sum(tok.tokenize(to_traditional(p)) == tok.tokenize(p) for p in paras)
    # OpenCC's round trip is not exact for a handful of words (坐标 -> 座標 -> 座标)
    assert same >= 0.99 * len(paras) and len(paras) > 500


def test_settings_record_the_fold_and_the_converter(tok):
    s = tok.settings()
    assert s["version"] >= 3 and s["fold"] == "t2s" and s["opencc"].startswith("opencc")


@pytest.fixture(scope="module")
def traditional_home(tmp_path_factory):
    """A tiny index over Traditional articles (hash encoder: no model)."""
    from corpusqa.answers.variants import to_traditional
    from corpusqa.index.builder import IndexBuilder
    from corpusqa.models import Article
    from corpusqa.settings import Settings
    from tests.index.conftest import ARTICLES

    # s2t keeps the length of these texts, so the paragraph offsets still hold
    articles = [Article(id=a.id, source=a.source, position=a.position, title=to_traditional(a.title),
                        text=to_traditional(a.text), paragraphs=a.paragraphs) for a in ARTICLES]
    assert all(len(a.text) == len(b.text) for a, b in zip(articles, ARTICLES))
    settings = Settings(home=tmp_path_factory.mktemp("trad"), encoder="hash:32", progress=False)
    IndexBuilder(settings.index_dir, settings).build(articles)
    return settings, articles


@pytest.mark.parametrize("question", ["全区建成了多少个一站式党群服务中心？", "全區建成了多少個一站式黨群服務中心？"])
def test_a_traditional_corpus_answers_both_scripts_and_keeps_its_text(traditional_home, question):
    from corpusqa.index.store import open_index

    settings, articles = traditional_home
    idx = open_index(settings.index_dir, settings)
    (row, score), *_ = idx.lexical_search(question, 3)
    chunk = idx.chunks[row]
    by_id = {a.id: a for a in articles}
    assert score > 0 and "服務中心14542個" in chunk.text  # stored in Traditional, not folded
    assert by_id[chunk.article_id].text[chunk.start:chunk.end] == chunk.text


def test_an_index_tokenized_before_folding_is_refused_with_the_update_command(traditional_home, tmp_path):
    import json
    import shutil

    from corpusqa.index.store import open_index
    from corpusqa.index.versions import current_dir

    settings, _ = traditional_home
    old = settings.with_(home=tmp_path / "old")
    shutil.copytree(settings.home, old.home)
    manifest = current_dir(old.index_dir) / "manifest.json"
    m = json.loads(manifest.read_text())
    m["tokenizer"]["version"] = 2
    for key in ("fold", "opencc"):
        m["tokenizer"].pop(key)
    manifest.write_text(json.dumps(m))
    with pytest.raises(SearchIndexError) as exc:
        open_index(old.index_dir, old)
    assert exc.value.key == "index.tokenizer_mismatch"
    assert "version" in exc.value.message("en") and "corpusqa index update" in exc.value.message("zh")
