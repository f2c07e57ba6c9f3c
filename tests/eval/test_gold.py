"""The bundled gold set is well-formed and its ids match the current segmentation."""

import json
from collections import Counter
from pathlib import Path

import pytest

from corpusqa.corpus.ingest import default_corpus_paths
from corpusqa.corpus.loaders import load_path
from corpusqa.corpus.segment import build_article, segment_page
from corpusqa.eval.gold import BUNDLED_RAW, FRESH_GOLD, FRESH_RAW, NEWS_CALIB, NEWS_CALIB_RAW, load_gold, resolve

DATA = Path(__file__).resolve().parents[2] / "corpusqa" / "eval"


@pytest.fixture(scope="module")
def articles():
    out = []
    for path in default_corpus_paths():
        for loaded in load_path(path):
            for page in loaded.pages:
                out += [build_article(d, loaded.name, i)
                        for i, d in enumerate(segment_page(page, loaded.name))]
    return out


def test_bundled_gold_covers_what_the_issue_asks():
    items = load_gold()
    assert len(items) >= 100
    tags = Counter(t for i in items for t in i.tags)
    assert sum(1 for i in items if not i.answerable) >= 15
    for tag, minimum in {"number": 30, "percent": 10, "date": 5, "paraphrase": 15,
                         "hardwrap": 15, "duplicated": 5, "later_article": 20,
                         "followup": 8, "traditional": 3}.items():
        assert tags[tag] >= minimum, tag
    assert all(i.history for i in items if "followup" in i.tags)
    assert len({i.qid for i in items}) == len(items)


def test_gold_ids_match_current_segmentation(articles):
    raw = [json.loads(x) for x in (DATA / BUNDLED_RAW).read_text(encoding="utf-8").splitlines()
           if x.strip()]
    resolved, problems, _ = resolve(raw, articles)
    assert problems == []
    expected = {i["qid"]: sorted(i["gold_pids"]) for i in resolved}
    shipped = {i.qid: sorted(i.gold_pids) for i in load_gold()}
    assert shipped == expected, "segmentation changed: run `corpusqa data resolve-gold`"


def test_every_answer_is_verbatim_in_a_gold_article(articles):
    by_id = {a.id: a for a in articles}
    for item in load_gold():
        if not item.answerable:
            assert item.gold_pids == ()
            continue
        texts = "".join(by_id[p].text for p in item.gold_pids).replace(" ", "")
        assert any(a.replace(" ", "") in texts for a in item.answers), item.qid


def test_also_evidence_adds_the_articles_that_state_the_fact_in_other_words(articles):
    """s008's raw note accepts 003's 3万多名 wording; its article is a gold article too."""
    item = {"qid": "x1", "question": "参与脱贫攻坚帮扶的驻村干部有多少名？", "answers": ["3万多名"],
            "evidence": "3.2万名驻村干部开展帮扶工作", "also_evidence": ["全区选派3万多名驻村干部"]}
    (one,), problems, _ = resolve([item], articles)
    (base,), _, _ = resolve([dict(item, also_evidence=[])], articles)
    assert problems == [] and set(base["gold_pids"]) < set(one["gold_pids"])
    _, problems, _ = resolve([dict(item, also_evidence=["没有这句话"])], articles)
    assert problems == ["x1: also_evidence not found: 没有这句话"]


def _resolved_set(raw_name: str, gold_name: str, articles) -> list:
    """The set ``gold_name`` after checking that its raw file resolves to the same ids from
    the evidence and that each answer is verbatim in its articles."""
    raw = [json.loads(x) for x in (DATA / raw_name).read_text(encoding="utf-8").splitlines() if x.strip()]
    resolved, problems, _ = resolve(raw, articles)
    assert problems == []
    items = load_gold(DATA / gold_name)
    assert {i.qid: sorted(i.gold_pids) for i in items} == \
        {i["qid"]: sorted(i["gold_pids"]) for i in resolved}, \
        f"segmentation changed: run `corpusqa data resolve-gold --raw eval/{raw_name} --out ...`"
    by_id = {a.id: a for a in articles}
    for item in items:
        if item.answerable:
            texts = "".join(by_id[p].text for p in item.gold_pids).replace(" ", "")
            assert any(a.replace(" ", "") in texts for a in item.answers), item.qid
    return items


def test_fresh_held_out_set_is_well_formed_and_resolved(articles):
    """The fresh held-out questions (eval/data/fresh.jsonl) resolve to the same ids from
    their evidence, share no question with the bundled set, and each answer is verbatim in
    its article."""
    fresh = _resolved_set(FRESH_RAW, FRESH_GOLD, articles)
    assert len(fresh) == 48 and sum(not i.answerable for i in fresh) == 10
    assert sum("english" in i.tags for i in fresh) == 8
    assert not {i.question for i in fresh} & {i.question for i in load_gold()}


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


def test_news_calibration_questions_are_resolved_and_keep_clear_of_the_test_questions(articles):
    """The news calibration questions (eval/data/news_calib.jsonl, fitted on by `train
    calibrate --news-calib`) resolve from their evidence, hold their answers verbatim, and
    neither share an answer with nor near-copy (character-bigram Jaccard above 0.45) any
    question the answer model is judged on: the gold set's test split and the fresh set."""
    from corpusqa.answers.verifier.build import GOLD_CALIB, GOLD_HELD_OUT
    from corpusqa.answers.verifier.data import split_of

    news = _resolved_set(NEWS_CALIB_RAW, NEWS_CALIB, articles)
    assert len(news) == 113 and sum(not i.answerable for i in news) == 28
    assert sum("english" in i.tags for i in news) == 14
    judged = [i for i in load_gold() if split_of("gold:" + i.qid, GOLD_HELD_OUT, GOLD_CALIB) == "test"]
    judged += load_gold(DATA / FRESH_GOLD)
    for item in news:
        for other in judged:
            shared = set(item.answers) & set(other.answers)
            a, b = _bigrams(item.question), _bigrams(other.question)
            assert not shared and len(a & b) / len(a | b) <= 0.45, (item.qid, other.qid)
