"""The HTML of answers, sources, abstentions and panels (pure functions)."""

from dataclasses import replace

from corpusqa.models import Citation, Span
from corpusqa.ui import panels, render
from corpusqa.ui.session import Turn

from .conftest import ARTICLE, abstention, make_answer

SENTENCE = "全区建成一站式党群服务中心14542个，覆盖率达到98.9%以上。"


def answered_turn(**kw) -> Turn:
    ans = make_answer("全区建成了多少个一站式党群服务中心？", SENTENCE, "14542个", **kw)
    return Turn(question=ans.question, answer=ans, articles={ARTICLE.id: ARTICLE}, elapsed_ms=123.4)


def test_answer_shows_verbatim_sentence_with_highlighted_figure_and_marker():
    html = render.render_turn(answered_turn(), 0, "zh")
    assert '<mark class="cqa-highlight">14542个</mark>' in html
    assert "全区建成一站式党群服务中心" in html and "覆盖率达到98.9%以上。" in html
    assert '<a href="#cqa-t0-c1">[1]</a>' in html
    assert 'id="cqa-t0-c1"' in html  # the marker points at the sources entry
    assert 'data-state="answered"' in html
    assert "置信度 0.87" in html and "用时 123 毫秒" in html


def test_an_unsure_answer_says_to_check_the_source():
    """The answer gate let it through below the sentence threshold (docs/answer-verifier.md "The answer gate")."""
    turn = answered_turn()
    unsure = replace(turn, answer=replace(turn.answer, unsure=True, answerable=0.97))
    assert 'data-testid="cqa-unsure"' in render.render_turn(unsure, 0, "zh")
    assert "请核对原文" in render.render_turn(unsure, 0, "zh")
    assert "check the source" in render.render_turn(unsure, 0, "en")
    assert "cqa-unsure" not in render.render_turn(turn, 0, "zh")


def test_a_refusal_a_rule_decided_says_why_under_the_plain_refusal():
    q = "包头市老干部正能量宣讲团有多少名成员？"
    plain = abstention(q)
    no_figure = replace(plain, refusal="no_figure")
    html = render.render_turn(Turn(question=q, answer=no_figure), 0, "zh")
    assert 'data-testid="cqa-refusal"' in html and "最相关的句子没有给出所问的数字或年份" in html
    assert html.index("cqa-abstain") < html.index("cqa-refusal") < html.index("cqa-related")
    assert "do not give the figure or year asked for" in render.render_turn(Turn(question=q, answer=no_figure), 0, "en")
    other = render.render_turn(Turn(question=q, answer=replace(plain, refusal="other_place")), 0, "zh")
    assert "没有提到问题中的地名" in other
    assert "cqa-refusal" not in render.render_turn(Turn(question=q, answer=plain), 0, "zh")


def test_sources_panel_has_title_date_file_paragraph_and_highlighted_passage():
    html = render.render_turn(answered_turn(), 2, "zh")
    citation = html[html.index('class="cqa-citation"'):]
    assert "《党建&lt;b&gt;引领&lt;/b&gt;发展》" in citation
    assert "2022-06-28" in citation and "001_test.txt" in citation and "第2段" in citation
    # the cited sentence is marked inside the passage, the figure inside the sentence
    assert ('<mark class="cqa-cited">全区建成一站式党群服务中心<mark class="cqa-highlight">14542个</mark>'
            "，覆盖率达到98.9%以上。</mark>") in citation


def test_expanding_a_citation_shows_surrounding_paragraphs_escaped():
    html = render.render_citation(make_answer("q", SENTENCE, None).citations[0], 1, 0, ARTICLE, None, "zh")
    context = html[html.index("<details"):]
    assert "展开原文上下文" in context
    assert "内蒙古持续加强基层党建。" in context       # paragraph before
    assert "通辽市评选出最强党支部200个。" in context  # paragraph after
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in context


def test_english_labels():
    html = render.render_turn(answered_turn(), 0, "en")
    assert "Sources" in html and "paragraph 2" in html and "confidence 0.87" in html


def test_question_and_answer_text_are_escaped():
    ans = make_answer("<img src=x onerror=alert(1)>？", SENTENCE, "14542个")
    html = render.render_turn(Turn(question=ans.question, answer=ans), 0, "zh")
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_article_with_script_renders_as_text_in_answer_and_passage():
    sentence = "<script>alert(1)</script>也出现在正文里。"
    ans = make_answer("q", sentence, "alert(1)")
    html = render.render_turn(Turn(question="q", answer=ans, articles={ARTICLE.id: ARTICLE}), 0, "zh")
    assert "<script" not in html
    assert '&lt;script&gt;<mark class="cqa-highlight">alert(1)</mark>&lt;/script&gt;' in html


def test_abstention_says_so_and_labels_related_passages_as_not_answering():
    html = render.render_turn(Turn(question="包头市2021年GDP是多少？", answer=abstention("包头市2021年GDP是多少？")),
                              0, "zh")
    assert "语料库中没有找到能回答这个问题的内容。" in html
    assert "相关段落（不能回答该问题" in html
    assert "cqa-answer" not in html and 'data-state="abstained"' in html
    assert "<img" not in html and "&lt;img src=x" in html
    assert 'data-vote="up"' in html  # an abstention can be rated too


def test_rewritten_question_shown_only_for_follow_ups():
    follow = make_answer("那通辽呢？", "通辽市评选出最强党支部200个。", "200个", rewritten="通辽市有多少个最强党支部？")
    html = render.render_turn(Turn(question="那通辽呢？", answer=follow), 1, "zh")
    assert 'data-testid="cqa-rewritten"' in html and "通辽市有多少个最强党支部？" in html
    assert "cqa-rewritten" not in render.render_turn(answered_turn(), 0, "zh")


def test_two_citations_get_two_markers_and_the_figure_stays_in_its_sentence():
    a = make_answer("q", SENTENCE, None)
    second = "通辽市评选出最强党支部200个。"
    s = ARTICLE.text.index(second)
    c2 = Citation(ARTICLE.id, ARTICLE.title, ARTICLE.date, ARTICLE.source, 2, s, s + len(second), second, 0.8)
    text = SENTENCE + "\n" + second
    fig = text.index("200个")
    a = replace(a, answer=text, citations=a.citations + (c2,), highlight=Span("200个", fig, fig + 4))
    html = render.render_answer_text(a, 3)
    assert html.count('class="cqa-answer-line"') == 2
    first, second_line = html.split("</p>")[:2]
    assert "14542个" in first and '<a href="#cqa-t3-c1">[1]</a>' in first
    assert '<mark class="cqa-highlight">200个</mark>' in second_line
    assert '<a href="#cqa-t3-c2">[2]</a>' in second_line
    assert render.figure_in_citation(a, 1) == (second.index("200个"), second.index("200个") + 4)
    assert render.figure_in_citation(a, 0) is None


def test_answer_not_matching_its_citations_is_still_shown_with_all_markers():
    a = replace(make_answer("q", SENTENCE, "14542个"), answer="别的文字14542个")
    assert render.answer_lines(a) == [("别的文字14542个", 0)]
    html = render.render_answer_text(a, 0)
    assert "别的文字" in html and "[1]" in html


def test_mark_nests_clips_and_escapes():
    assert render.mark("a<b>c", [(1, 4, "x")]) == 'a<mark class="x">&lt;b&gt;</mark>c'
    assert render.mark("abcdef", [(1, 5, "o"), (2, 9, "i")]) == \
        'a<mark class="o">b<mark class="i">cde</mark></mark>f'
    assert render.mark("abc", [(-3, 1, "x")]) == '<mark class="x">a</mark>bc'
    assert render.mark("abc", []) == "abc"


def test_pending_and_error_turns():
    assert "正在查找" in render.render_turn(Turn(question="q"), 0, "zh")
    html = render.render_turn(Turn(question="q", error="问题为空。<b>"), 0, "zh")
    assert 'data-state="error"' in html and "问题为空。&lt;b&gt;" in html and "data-vote" not in html


def test_feedback_buttons_show_the_vote():
    html = render.render_feedback(4, "down", "zh")
    assert 'data-vote="down" data-turn="4" aria-pressed="true"' in html
    assert 'data-vote="up" data-turn="4" aria-pressed="false"' in html
    assert '<span class="cqa-thanks">已记录反馈' in html
    assert '<span class="cqa-thanks" hidden>' in render.render_feedback(4, None, "zh")


def test_empty_transcript_explains_what_to_do():
    html = render.render_transcript([], "zh")
    assert 'data-turns="0"' in html and "还没有提问" in html


def test_corpus_panel_counts_duplicates_and_escapes_source_names():
    stats = {"articles": 120, "canonical_articles": 100, "duplicates": 20, "sources": 2,
             "last_ingested": "2024-05-01T08:30:12+00:00"}
    sources = [{"name": "<x>.txt", "format": "text", "n_articles": 60, "ingested_at": "2024-05-01T08:30:12"}]
    html = panels.render_corpus_panel(stats, sources, None, "zh")
    assert "重复转载（已合并）" in html and ">20<" in html and ">100<" in html
    assert "2024-05-01 08:30" in html and "尚未" in html  # never indexed
    assert "&lt;x&gt;.txt" in html and "<x>" not in html


def test_upload_report_lists_each_file_with_its_error():
    rows = [{"name": "a.txt", "status": "added", "articles": 3, "message": ""},
            {"name": "b<.pdf", "status": "error", "articles": 0, "message": "无法解析 <PDF>"}]
    html = panels.render_upload_report(rows, "完成", "zh")
    assert "已新增" in html and "失败" in html and "无法解析 &lt;PDF&gt;" in html and "b&lt;.pdf" in html
    assert 'data-status="error"' in html
