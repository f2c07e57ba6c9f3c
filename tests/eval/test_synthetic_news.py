"""Synthetic news questions: figures asked back with their context, only where unambiguous."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from corpusqa.cli import cli
from corpusqa.eval.gold import GoldItem, load_gold
from corpusqa.eval.synthetic_news import build_questions, corpus_articles
from corpusqa.models import Article, Paragraph


def article(aid: str, *paragraphs: str, title: str = "标题") -> Article:
    spans, pos = [], 0
    for i, p in enumerate(paragraphs):
        spans.append(Paragraph(i, pos, pos + len(p)))
        pos += len(p) + 1
    return Article(aid, f"{aid}.txt", 0, title, "\n".join(paragraphs), tuple(spans))


def by_answer(records):
    return {r["answers"][0]: r for r in records}


def test_each_kind_of_figure_becomes_a_question_with_its_gold_article():
    arts = [
        article("a1", "去年，全区建成一站式党群服务中心14542个，覆盖率达到98.9%以上。"),
        article("a2", "内蒙古支线供水工程总投资约110亿元，计划2026年底建设完成并具备输水条件。"),
    ]
    got = by_answer(build_questions(arts, drop=0))
    assert got["14542个"]["question"] == "全区建成一站式党群服务中心多少个？"
    assert got["14542个"]["answers"] == ["14542个", "14542"]
    # the other figure is deleted from the context, not quoted
    assert got["98.9%"]["question"] == "全区建成一站式党群服务中心，覆盖率达到多少？"
    assert got["98.9%"]["answers"] == ["98.9%", "98.9%以上"]
    assert got["110亿元"]["question"] == "内蒙古支线供水工程总投资多少亿元？"
    assert got["2026年"]["question"].endswith("计划哪一年底建设完成并具备输水条件？")
    assert {r["gold_pids"][0] for r in got.values()} == {"a1", "a2"}
    assert got["14542个"]["gold_pids"] == ["a1"] and got["110亿元"]["gold_pids"] == ["a2"]
    for r in got.values():
        assert r["tags"][0] == "synthetic"
        item = GoldItem.from_dict(r)  # the format `corpusqa eval --gold` reads
        assert item.answerable and item.gold_pids


def test_small_counts_are_asked_with_ji():
    [r] = build_questions([article("a1", "通辽市常态化组建6个实地督导专班。")], drop=0)
    assert r["question"] == "通辽市常态化组建几个实地督导专班？"


def test_the_same_wording_with_another_figure_elsewhere_is_skipped():
    arts = [article("a1", "全市嘎查村共划分网格16635个，村干部平均年龄44岁。"),
            article("a2", "全市嘎查村共划分网格6702个，工作扎实推进。")]
    assert "16635个" not in by_answer(build_questions(arts, drop=0))
    assert "6702个" not in by_answer(build_questions(arts, drop=0))


def test_a_story_printed_twice_gives_one_question_with_both_articles():
    text = "全区建成一站式党群服务中心14542个，真正把服务办到家门口。"
    records = build_questions([article("a1", text), article("a2", "去年，" + text)], drop=0)
    [r] = [r for r in records if r["answers"][0] == "14542个"]
    assert r["gold_pids"] == ["a1", "a2"]
    assert "duplicated" in r["tags"]


def test_figures_that_cannot_be_asked_alone_are_left_out():
    arts = [article("a1",
                    "本报6月28日讯（记者 王坤）呼和浩特市共有托育机构120家。",   # dateline
                    "兴安盟打造“10分钟消费圈”，服务全盟群众。",              # a name in quotes
                    "鄂尔多斯党员教育微平台位列全国排行第18位。",             # an ordinal
                    "租房补贴标准本科生和硕士研究生每月分别补贴500元、800元。")]  # 分别
    assert build_questions(arts, drop=0) == []


def test_dropout_is_seeded_and_keeps_the_question_word_and_its_neighbours():
    arts = [article("a1", "自治区选派9640名第一书记深入嘎查村开展帮扶工作，推动脱贫攻坚。")]
    full = build_questions(arts, drop=0)[0]["question"]
    a = build_questions(arts, seed=1, drop=0.9)
    assert a == build_questions(arts, seed=1, drop=0.9)
    q = a[0]["question"]
    assert "选派多少名第一书记" in q and len(q) < len(full)


def test_limit_draws_a_seeded_sample_in_corpus_order():
    arts = [article(f"a{i}", f"全旗今年新建村级{name}{i + 10}个，服务群众。")
            for i, name in enumerate(["活动阵地", "党建指导站", "网格党支部", "服务驿站",
                                      "图书室", "卫生室"])]
    every = build_questions(arts, drop=0)
    assert len(every) == 6
    some = build_questions(arts, seed=3, limit=3, drop=0)
    assert len(some) == 3 and all(r in every for r in some)
    assert [every.index(r) for r in some] == sorted(every.index(r) for r in some)
    assert some == build_questions(arts, seed=3, limit=3, drop=0)


@pytest.fixture(scope="module")
def sample_records():
    articles = corpus_articles()
    return articles, build_questions(articles)


def test_the_bundled_sample_gives_a_set_whose_answers_are_in_their_gold_articles(sample_records):
    articles, records = sample_records
    texts = {a.id: a.text for a in articles}
    assert len(records) >= 150
    assert len({r["qid"] for r in records}) == len(records)
    assert len({r["question"] for r in records}) == len(records)
    for r in records:
        assert r["gold_pids"] and all(p in texts for p in r["gold_pids"])
        assert r["evidence"] in texts[r["gold_pids"][0]] or any(
            r["evidence"] in texts[p] for p in r["gold_pids"])
        assert r["answers"][0] not in r["question"]  # the question never gives the answer away


def test_command_writes_a_gold_file_eval_can_read(tmp_path):
    out = tmp_path / "syn.jsonl"
    res = CliRunner().invoke(cli, ["data", "news-questions", "--out", str(out), "--limit", "20", "--seed", "7"])
    assert res.exit_code == 0, res.output
    items = load_gold(out)
    assert len(items) == 20 and all("synthetic" in i.tags for i in items)
    assert json.loads(res.output)["questions"] == 20
