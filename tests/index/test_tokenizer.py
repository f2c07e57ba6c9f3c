import sys
from collections import Counter

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


# -- the segmenter: rjieba (jieba-rs) when installed, jieba otherwise --------------------------

# tests/conftest.py's shared_jieba fixture replaces ChineseTokenizer.load for the session
# (every default-dictionary tokenizer then shares one segmenter); these tests compare
# segmenters, so they call the real one, taken before any fixture ran.
_LOAD = ChineseTokenizer.load
NEWSROOM = "鄂尔多斯市的嘎查村与锡林郭勒盟、呼伦贝尔、巴彦淖尔、乌兰察布的最强党支部实行一肩挑"
NEWSROOM_WORDS = ("鄂尔多斯市", "嘎查村", "锡林郭勒盟", "呼伦贝尔", "巴彦淖尔", "乌兰察布", "最强党支部", "一肩挑")


def _loaded(**kw) -> ChineseTokenizer:
    return _LOAD(ChineseTokenizer(**kw))


@pytest.fixture(scope="module")
def by_segmenter():
    return {seg: _loaded(segmenter=seg) for seg in ("jieba", "rjieba")}


def test_rjieba_is_the_default_segmenter_and_keeps_newsroom_words_whole():
    fast = _loaded()
    assert fast.segmenter == "rjieba"  # rjieba is a dependency: missing means a broken install
    tokens = fast.tokenize(NEWSROOM)
    for word in NEWSROOM_WORDS:
        assert word in tokens


def test_without_rjieba_the_tokenizer_falls_back_to_jieba(monkeypatch, tok):
    import jieba

    monkeypatch.setitem(sys.modules, "rjieba", None)  # `import rjieba` raises ImportError
    plain = _loaded()
    assert plain.segmenter == "jieba" and isinstance(plain._jieba, jieba.Tokenizer)
    assert set(NEWSROOM_WORDS) <= set(plain.tokenize(NEWSROOM))
    assert plain.tokenize(NEWSROOM) == tok.tokenize(NEWSROOM)
    assert "segmenter" not in plain.settings()  # the settings of tokenizer v3: old indexes stay valid
    with pytest.raises(ImportError):
        _loaded(segmenter="rjieba")


EQUAL_CASES = SIMPLIFIED + TRADITIONAL + [
    "森林步道和海上步道都禁止开放。",  # decided by the dictionary total (步道 10 vs 步 x 道), see _load_rjieba
    "有机金属化学与最近的无机主族元素聚合物相关的偶联反应",
    "㐀㐁乌拉盖管理区鿖的牧民用鐩取火",  # Extension A, U+9FD6 and 鐩 -> 𬭼 (outside the BMP): jieba emits them alone
    "汉族人民在二〇二三年举办那达慕大会，吸引游客20万人次。",
]


@pytest.mark.parametrize("text", EQUAL_CASES)
def test_rjieba_gives_the_tokens_jieba_gives(by_segmenter, text):
    assert by_segmenter["rjieba"].tokenize(text) == by_segmenter["jieba"].tokenize(text)


def test_the_one_known_difference_is_a_near_tie_in_the_hmm(by_segmenter):
    # jieba-rs's HMM scores 常在 one part in 10^8 higher than jieba's does (3 CJK runs in
    # 320,000 of CMRC and synthetic text, scripts/tokenizer-bench.py equality); bigrams
    # still hold 常在, so a document keeps matching
    text = "常在矮灌木及小乔木上结群营巢"
    jb, rs = by_segmenter["jieba"].tokenize(text), by_segmenter["rjieba"].tokenize(text)
    assert (Counter(jb) - Counter(rs), Counter(rs) - Counter(jb)) == (Counter(["常"]), Counter(["常在"]))


def test_every_sample_paragraph_gets_the_same_tokens_from_both_segmenters(by_segmenter, sample_dir):
    paras = [p for f in sorted(sample_dir.glob("*.txt"))
             for p in f.read_text(encoding="utf-8").splitlines() if p.strip()]
    jb, rs = by_segmenter["jieba"], by_segmenter["rjieba"]
    assert len(paras) > 500
    assert [p for p in paras if jb.tokenize(p) != rs.tokenize(p)] == []


def test_user_dictionary_words_with_and_without_frequency_load_into_rjieba(tmp_path):
    extra = tmp_path / "dict.txt"
    extra.write_text("# newsroom additions\n乌拉盖管理区 1000 ns\n贺斯格乌拉\n", encoding="utf-8")
    fast, plain = _loaded(user_dict=extra, segmenter="rjieba"), _loaded(user_dict=extra, segmenter="jieba")
    text = "乌拉盖管理区的牧民在贺斯格乌拉牧场放牧"
    assert {"乌拉盖管理区", "贺斯格乌拉"} <= set(fast.tokenize(text))
    assert fast.tokenize(text) == plain.tokenize(text)


def test_a_word_deleted_with_frequency_zero_needs_jieba(tmp_path):
    extra = tmp_path / "dict.txt"
    extra.write_text("呼伦贝尔 0\n", encoding="utf-8")
    auto = _loaded(user_dict=extra)
    assert auto.segmenter == "jieba"  # rjieba cannot delete a word
    assert "呼伦贝尔" not in auto.tokenize("呼伦贝尔市的草原")
    with pytest.raises(ValueError, match="frequency 0"):
        ChineseTokenizer(user_dict=extra, segmenter="rjieba").segmenter


def test_an_index_segmented_by_jieba_is_refused_under_rjieba(by_segmenter):
    from corpusqa.index import manifest as mf

    built, now = by_segmenter["jieba"].settings(), by_segmenter["rjieba"].settings()
    assert now["segmenter"].startswith("rjieba ")
    mf.check_tokenizer({"tokenizer": built}, built)  # same segmenter: accepted
    with pytest.raises(SearchIndexError) as exc:
        mf.check_tokenizer({"tokenizer": built}, now)
    assert exc.value.key == "index.tokenizer_mismatch" and "segmenter" in exc.value.message("en")


def test_an_unknown_segmenter_is_refused():
    with pytest.raises(ValueError, match="segmenter"):
        ChineseTokenizer(segmenter="pkuseg")
