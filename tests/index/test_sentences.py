from corpusqa.index.sentences import clip_spans, split_sentences


def texts(text, spans):
    return [text[s:e] for s, e in spans]


def test_sentences_end_at_chinese_punctuation_and_keep_closing_quotes():
    text = "他说：“我们要把草原保护好。”大家都点头！真的吗？是的；结束……后来呢"
    assert texts(text, split_sentences(text)) == [
        "他说：“我们要把草原保护好。”", "大家都点头！", "真的吗？", "是的；", "结束……", "后来呢"]


def test_decimal_point_and_percent_do_not_end_a_sentence():
    text = "覆盖率达到98.9%以上，共14542个。"
    assert texts(text, split_sentences(text)) == [text]


def test_newline_ends_a_sentence_and_spaces_are_trimmed():
    text = "  第一段没有句号\n　第二段。第三句 \n\n"
    spans = split_sentences(text)
    assert texts(text, spans) == ["第一段没有句号", "第二段。", "第三句"]
    assert all("\n" not in text[s:e] for s, e in spans)


def test_offsets_are_absolute_within_a_window():
    text = "前文。正文第一句。正文第二句！后文。"
    spans = split_sentences(text, 3, 15)
    assert texts(text, spans) == ["正文第一句。", "正文第二句！"]
    assert spans[0][0] == 3


def test_punctuation_only_pieces_are_dropped():
    text = "。。！\n”\n好。"
    assert texts(text, split_sentences(text)) == ["好。"]


def test_clip_spans_keeps_only_the_parts_inside():
    spans = [(0, 5), (5, 10), (10, 20), (20, 25)]
    assert clip_spans(spans, 7, 22) == ((7, 10), (10, 20), (20, 22))
    assert clip_spans(spans, 25, 30) == ()
    assert clip_spans([], 0, 10) == ()
