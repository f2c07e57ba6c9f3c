"""The answer gate: refuse only when the corpus looks not to hold the answer (docs/answer-verifier.md "The answer gate")."""

from __future__ import annotations

import json

import numpy as np
import pytest

from corpusqa.answers.answer_model import GATE_CHOICES, GATE_INPUTS, AnswerGate, AnswerModel, gate_inputs
from corpusqa.answers.compose import answers, compose
from corpusqa.answers.extract import SentenceCandidate
from corpusqa.answers.qtype import classify
from corpusqa.answers.render import render_answer
from corpusqa.answers.scope import demote_out_of_scope
from corpusqa.eval.answer_fit import CalibQuestion, fit_gate, summary
from corpusqa.models import Article, Paragraph

TEXT = "标题行。全区建成一站式党群服务中心14542个。其他内容。"


def _feats(ver, psg=1.0, latin=0.0, **extra):
    return dict({"ver": ver, "psg": psg, "psg_gap": 0.5, "kw_art": 1.0, "cov": 0.6, "sem_abs": 0.85,
                 "latin": latin}, **extra)


def _gate(threshold=0.5, coef=None):
    n = len(GATE_INPUTS)
    return AnswerGate(tuple(coef or [1.0] + [0.0] * (n - 1)), 0.0, (0.0,) * n, (1.0,) * n, threshold)


def _model(gate=None):
    return AnswerModel((1.0,), 0.0, (0.0,), (1.0,), 0.3, 8, ("ver",), gate=gate)


def _cand(conf, **features):
    s = TEXT.index("全区")
    e = TEXT.index("其他")
    return SentenceCandidate("a1", 0, s, e, TEXT[s:e], 1, dict(features), score=conf, confidence=conf)


ARTICLES = {"a1": Article("a1", "s.txt", 0, "题", TEXT, (Paragraph(0, 0, len(TEXT)),))}


def test_gate_inputs_come_from_the_best_candidate_and_the_whole_set():
    feats = [_feats(1.0, psg=2.0), _feats(3.0, psg=-1.0, kw_art=0.5)]
    row = gate_inputs(feats, np.array([0.2, 0.8]))
    assert set(row) == set(GATE_CHOICES) and set(GATE_INPUTS) <= set(GATE_CHOICES)
    assert row["p_logit"] == pytest.approx(np.log(0.8 / 0.2))
    assert row["ver_max"] == 3.0 and row["psg_max"] == 2.0 and row["kw_art"] == 0.5


def test_questions_without_chinese_are_left_to_the_answer_models_threshold():
    feats = [_feats(1.0, latin=1.0)]
    assert gate_inputs(feats, np.array([0.9])) is None
    assert _model(_gate()).answerable(feats, np.array([0.9])) is None
    assert _model(None).answerable([_feats(1.0)], np.array([0.9])) is None  # no gate


def test_an_absent_input_takes_its_fitted_mean():
    n = len(GATE_INPUTS)
    coef = [0.0] * n
    coef[GATE_INPUTS.index("psg_max")] = 5.0
    gate = AnswerGate(tuple(coef), 0.0, (0.0,) * n, (1.0,) * n)
    row = dict.fromkeys(GATE_INPUTS, 0.0) | {"psg_max": -3.0}
    assert gate.probability(row) < 0.01
    assert gate.probability(row, absent={"psg", "psg_gap"}) == pytest.approx(0.5)


def test_the_gate_round_trips_and_a_model_without_one_keeps_its_file_format():
    with_gate = _model(_gate(0.7))
    d = json.loads(json.dumps(with_gate.to_dict()))
    assert AnswerModel.from_dict(d).gate == with_gate.gate and d["gate"]["threshold"] == 0.7
    assert "gate" not in _model(None).to_dict()
    assert AnswerModel.from_dict(_model(None).to_dict()).gate is None


def test_the_gate_decides_refusal_when_it_is_there():
    assert answers(_cand(0.1, gate=0.9), threshold=0.3, gate_threshold=0.7)  # unsure sentence, answerable corpus
    assert not answers(_cand(0.9, gate=0.2), threshold=0.3, gate_threshold=0.7)  # sure sentence, corpus says no
    assert not answers(_cand(0.1, gate=0.9), threshold=0.3, gate_threshold=None)  # no gate: the threshold
    assert answers(_cand(0.9), threshold=0.3, gate_threshold=0.7)  # not gated (English): the threshold
    assert not answers(_cand(0.0, gate=0.9, scope_miss=1.0), threshold=0.3, gate_threshold=0.7)
    assert not answers(None, 0.3, 0.7)


def test_an_answer_let_through_by_the_gate_is_marked_unsure_and_says_so():
    q = "全区建成了多少个一站式党群服务中心？"
    unsure = compose(q, q, classify(q), [_cand(0.1, gate=0.9)], [], ARTICLES, 0.3, 5, 0.7)
    assert not unsure.abstained and unsure.unsure and unsure.answerable == pytest.approx(0.9)
    assert unsure.to_dict()["unsure"] is True and unsure.to_dict()["answerable"] == 0.9
    assert "请核对原文" in render_answer(unsure, "zh") and "check the source" in render_answer(unsure, "en")
    sure = compose(q, q, classify(q), [_cand(0.8, gate=0.9)], [], ARTICLES, 0.3, 5, 0.7)
    assert not sure.unsure and "请核对原文" not in render_answer(sure, "zh")
    refused = compose(q, q, classify(q), [_cand(0.8, gate=0.2)], [], ARTICLES, 0.3, 5, 0.7)
    assert refused.abstained and refused.answerable == pytest.approx(0.2) and not refused.unsure


def test_when_the_best_candidate_is_out_of_scope_the_others_lose_the_gate():
    inside = SentenceCandidate("in", 0, 0, 4, "一句话。", 1, {"gate": 0.9}, score=0.2, confidence=0.2)
    outside = SentenceCandidate("out", 0, 0, 4, "一句话。", 1, {"gate": 0.9}, score=0.8, confidence=0.8)
    scope = {"in": "包头市的文章", "out": "全区的文章"}
    ranked = demote_out_of_scope(["包头市"], [outside, inside], scope.__getitem__)
    assert [c.article_id for c in ranked] == ["in", "out"] and "gate" not in ranked[0].features
    assert not answers(ranked[0], threshold=0.3, gate_threshold=0.7)
    kept = demote_out_of_scope(["包头市"], [inside, outside], scope.__getitem__)
    assert kept[0].features["gate"] == 0.9  # the best was in scope: the gate stands


def _question(i, answerable, ver, psg, latin=0.0):
    feats = [_feats(ver, psg=psg, latin=latin, cheap_rank=0), _feats(ver - 2.0, psg=psg - 1, latin=latin, cheap_rank=1)]
    return CalibQuestion("s", f"q{i}", answerable, feats, [answerable, False])


def test_fit_gate_refuses_the_asked_share_of_the_unanswerable_questions():
    rng = np.random.default_rng(0)
    qs = [_question(i, i % 4 != 0, float(rng.normal(1.0 if i % 4 else -1.0)), float(rng.normal(2.0 if i % 4 else -2.0)))
          for i in range(200)]
    qs += [_question(1000 + i, i % 3 != 0, 1.0, 0.0, latin=1.0) for i in range(30)]  # English: not gated
    model = _model()
    gate = fit_gate(model, qs, recall=0.9)
    gated = AnswerModel.from_dict({**model.to_dict(), "gate": gate.to_dict()})
    zh = [q for q in qs if not q.feats[0]["latin"]]
    assert summary(gated, zh)["abstention_recall"] >= 0.9
    assert summary(gated, zh)["false_refusals"] < 0.2
    assert 0.0 < fit_gate(model, qs).threshold < 1.0  # balanced accuracy
    with pytest.raises(ValueError, match="unanswerable"):
        fit_gate(model, [q for q in zh if q.answerable])


def test_near_miss_calibration_questions_swap_a_term_no_passage_of_the_title_names():
    import random

    from corpusqa.eval.answer_fit import near_miss_items

    passages = [{"pid": "p1", "title": "鄂尔多斯", "text": "2019年鄂尔多斯投入资金12亿元。"},
                {"pid": "p2", "title": "鄂尔多斯", "text": "2021年又投入8亿元。"}]
    questions = [{"qid": "q1", "question": "2019年鄂尔多斯投入了多少资金？", "gold_pids": ["p1"]},
                 {"qid": "q2", "question": "How much in 2019?", "gold_pids": ["p1"]},  # English: skipped
                 {"qid": "q3", "question": "2019年投入了多少？", "gold_pids": ["gone"]}]  # passage removed
    items = near_miss_items(questions, passages, 1.0, random.Random(1))
    assert [i.qid for i in items] == ["q1#nm"]
    assert not items[0].answerable and items[0].question != questions[0]["question"]
    import re

    years = re.findall(r"(?:19|20)\d\d", items[0].question)
    assert years and not set(years) & {"2019", "2021"}  # a year neither passage of the title names


def test_the_gate_can_be_fitted_on_other_inputs_and_keeps_them_in_its_file():
    rng = np.random.default_rng(1)
    qs = [_question(i, i % 4 != 0, float(rng.normal(1.0 if i % 4 else -1.0)), 0.0) for i in range(120)]
    for q in qs:  # the answerable questions' best sentence states a figure of the asked kind
        q.feats[0]["type"] = 1.0 if q.answerable else float(rng.choice([0.0, 1.0]))
    gate = fit_gate(_model(), qs, recall=0.8, inputs=("p_logit", "type"))
    assert gate.inputs == ("p_logit", "type") and len(gate.coef) == 2 and gate.coef[1] > 0
    assert AnswerGate.from_dict(json.loads(json.dumps(gate.to_dict()))) == gate
    row = gate_inputs(qs[1].feats, np.array([0.9, 0.1]))
    assert row is not None and row["type"] == 1.0 and "near" in row


def test_calibrate_refuses_an_unknown_gate_input_before_doing_any_work():
    from click.testing import CliRunner

    from corpusqa.cli import cli

    result = CliRunner().invoke(cli, ["train", "calibrate", "--gate-inputs", "p_logit,colour"])
    assert result.exit_code != 0 and "colour" in result.output and "type" in result.output


def test_a_reused_collection_fits_on_the_news_questions_only_when_asked(tmp_path):
    from dataclasses import asdict, replace

    from corpusqa.eval.answer_fit import COLLECTED, NEWS_SOURCE, calibrate
    from corpusqa.settings import Settings

    rng = np.random.default_rng(2)
    qs = [_question(i, i % 4 != 0, float(rng.normal(1.0 if i % 4 else -1.0)), 0.0) for i in range(120)]
    qs = [replace(q, source=NEWS_SOURCE if i % 3 == 0 else "cmrc-dev") for i, q in enumerate(qs)]
    (tmp_path / COLLECTED).write_text(json.dumps([asdict(q) for q in qs]), encoding="utf-8")
    settings = Settings(home=tmp_path / "home", encoder="hash:32", verifier="bundled")
    _, without = calibrate(tmp_path, tmp_path, settings, reuse_collected=True)
    _, with_news = calibrate(tmp_path, tmp_path, settings, reuse_collected=True, news_calib=True)
    assert set(without["sources"]) == {"cmrc-dev"} and without["news_calib"] is False
    assert set(with_news["sources"]) == {"cmrc-dev", NEWS_SOURCE}
    assert with_news["all"]["questions"] == 120 and without["all"]["questions"] == 80

