"""Near-duplicate detection on tiny inline articles (and its speed on a large synthetic corpus)."""

from __future__ import annotations

import random

import pytest

from corpusqa.corpus.dedupe import (DEFAULT_THRESHOLD, DuplicateLink, containment,
                                    find_near_duplicates, shingles)
from corpusqa.models import Article

FULL = ("基层党组织是党在社会基层组织中的战斗堡垒，是党执政大厦的地基和党的肌体神经末梢。"
        "近年来，全区各级党组织深入学习贯彻习近平总书记关于党的建设和组织工作的重要思想，"
        "坚持五化协同、大抓基层，注重打基础、补短板、扬优势、强功能。"
        "自治区制定实施抓党建促脱贫攻坚制度机制，选派9640名第一书记、8689支驻村工作队开展帮扶工作。"
        "去年，各地建成一站式党群服务中心14542个，覆盖率达到98.9%以上，真正把服务办到家门口。")
# Another edit of the same story: shortened, reworded in places, ASCII punctuation.
EDIT = ("基层党组织是党在社会基层组织中的战斗堡垒,是党执政大厦的地基和党的肌体神经末梢。"
        "全区各级党组织深入学习贯彻习近平总书记关于党的建设和组织工作的重要思想,"
        "选派9640名第一书记、8689支驻村工作队开展帮扶工作,把组织优势转化为攻坚力量。"
        "各地建成一站式党群服务中心14542个,覆盖率达到98.9%以上。")
OTHER = ("鄂尔多斯市以绣花般的功夫，在四连冠的基础上进一步明确坐标、明确路径，"
         "坚持两手抓两手硬，视精神文明和物质文明建设为城市发展的两翼，朝着既定方向阔步前进。"
         "今年，鄂尔多斯市委召开创建全国文明城市动员大会，拨付创建经费1亿元。")


def art(aid: str, source: str, text: str) -> Article:
    return Article(id=aid, source=source, position=0, title="", text=text, paragraphs=())


def test_shingles_ignore_punctuation_and_spaces():
    assert list(shingles("选派9640名, 第一书记")) == list(shingles("选派9640名，第一书记"))
    assert len(shingles("太短")) == 0
    assert containment(shingles(FULL), shingles("")) == 0.0


def test_an_edited_copy_in_another_file_links_to_the_longer_text():
    links = find_near_duplicates([art("e", "000.txt", EDIT), art("f", "001.txt", FULL),
                                  art("o", "003.txt", OTHER)])
    assert [(lk.article_id, lk.canonical_id, lk.method) for lk in links] == [("e", "f", "shingle5-containment")]
    assert DEFAULT_THRESHOLD <= links[0].score <= 1.0
    assert containment(shingles(EDIT), shingles(OTHER)) < 0.1


def test_copies_within_one_file_are_left_alone_by_default():
    articles = [art("e", "same.txt", EDIT), art("f", "same.txt", FULL)]
    assert find_near_duplicates(articles) == []
    assert len(find_near_duplicates(articles, across_sources_only=False)) == 1


def test_short_captions_are_never_linked_even_when_contained():
    caption = "选派9640名第一书记、8689支驻村工作队开展帮扶工作。"
    assert containment(shingles(caption), shingles(FULL)) == 1.0
    assert find_near_duplicates([art("c", "a.txt", caption), art("f", "b.txt", FULL)]) == []


def test_same_length_copies_pick_the_smaller_id_and_never_chain():
    articles = [art("z", "c.txt", FULL), art("m", "b.txt", FULL), art("a", "a.txt", FULL),
                art("e", "d.txt", EDIT)]
    links = find_near_duplicates(articles)
    assert {(lk.article_id, lk.canonical_id) for lk in links} == {("m", "a"), ("z", "a"), ("e", "a")}
    assert links[0].score == 1.0 or links[0].article_id == "e"


def test_result_does_not_depend_on_input_order():
    articles = [art(f"id{i}", f"s{i % 3}.txt", text) for i, text in enumerate([FULL, EDIT, OTHER, FULL, EDIT])]
    expected = find_near_duplicates(articles)
    rng = random.Random(7)
    for _ in range(5):
        shuffled = articles[:]
        rng.shuffle(shuffled)
        assert find_near_duplicates(shuffled) == expected


def test_threshold_is_validated():
    with pytest.raises(ValueError):
        find_near_duplicates([], threshold=0)
    assert find_near_duplicates([]) == []


def test_ten_thousand_articles_in_seconds():
    rng = random.Random(0)
    alphabet = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    texts = ["".join(rng.choice(alphabet) for _ in range(400)) for _ in range(6700)]
    articles = [art(f"a{i}", f"s{i % 50}.txt", t) for i, t in enumerate(texts)]
    # Every second text reprinted in another file with a tenth cut out.
    articles += [art(f"b{i}", f"reprint{i % 50}.txt", t[:100] + t[140:]) for i, t in enumerate(texts[::2])]
    links = find_near_duplicates(articles)  # speed belongs in benchmarks, not here
    assert len(articles) == 10050 and len(links) == 3350
    assert all(lk.canonical_id == "a" + str(2 * int(lk.article_id[1:])) for lk in links)


def test_link_is_a_plain_record():
    assert DuplicateLink("a", "b", 0.5).to_dict() == {"article_id": "a", "canonical_id": "b", "score": 0.5,
                                                      "method": "shingle5-containment"}
