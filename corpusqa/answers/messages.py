"""User-facing messages of the answer stage and `corpusqa ask`."""

MESSAGES = {
    "answers.verifier_unavailable": {
        "zh": "无法加载答案校验模型 {name}：{detail}。请重新安装 corpusqa，或设置 CORPUSQA_VERIFIER=none 以不用校验模型作答。",
        "en": "Cannot load the answer verifier {name}: {detail}. Reinstall corpusqa, or set CORPUSQA_VERIFIER=none to answer without it.",
    },
    "answers.passage_ranker_unavailable": {
        "zh": "无法加载段落重排模型 {name}：{detail}。请重新安装 corpusqa，或设置 CORPUSQA_PASSAGE_RANKER=none 以不用段落重排作答。",
        "en": "Cannot load the passage reranker {name}: {detail}. Reinstall corpusqa, or set CORPUSQA_PASSAGE_RANKER=none to answer without it.",
    },
    "answers.reader_unavailable": {
        "zh": "无法加载答案片段阅读模型 {name}：{detail}。请重新安装 corpusqa，或设置 CORPUSQA_READER=none 以不用它作答。",
        "en": "Cannot load the span reader {name}: {detail}. Reinstall corpusqa, or set CORPUSQA_READER=none to answer without it.",
    },
    "answers.empty_question": {
        "zh": "问题为空。请输入一个问题，例如：全区建成了多少个一站式党群服务中心？",
        "en": "The question is empty. Type a question, e.g. 全区建成了多少个一站式党群服务中心？",
    },
    "answers.no_words": {
        "zh": "问题里没有文字（只有标点、符号或表情）。请用文字提问，例如：全区建成了多少个一站式党群服务中心？",
        "en": "The question has no words (only punctuation, symbols or emoji). Ask in words, "
              "e.g. 全区建成了多少个一站式党群服务中心？",
    },
    "answers.question_too_long": {
        "zh": "问题太长（{n} 个字符，上限 {max}）。请缩短为一个具体的问题。",
        "en": "The question is too long ({n} characters, limit {max}). Please ask one specific question.",
    },
    "answers.empty_corpus": {
        "zh": "语料库为空。请先运行 `corpusqa ingest 路径` 导入文章，再运行 `corpusqa index build`。",
        "en": "The corpus is empty. Run `corpusqa ingest PATH` to add articles, then `corpusqa index build`.",
    },
    "answers.index_stale": {
        "zh": "索引与语料库不一致（建索引后又导入或修改了文章）。请运行 `corpusqa index update`。",
        "en": "The index does not match the corpus (articles were ingested or changed after it was built). Run `corpusqa index update`.",
    },
    "answers.bad_history": {
        "zh": "对话历史格式不对：需要 JSON 列表，每项形如 {{\"question\": \"…\"}}。{detail}",
        "en": "Bad conversation history: expected a JSON list of {{\"question\": \"…\"}} objects. {detail}",
    },
    "answers.abstain": {
        "zh": "语料库中没有找到能回答这个问题的内容。",
        "en": "The corpus does not contain an answer to this question.",
    },
    "answers.refusal.no_figure": {
        "zh": "找到了相关内容，但最相关的句子没有给出所问的数字或年份。",
        "en": "Related text was found, but the sentences that match best do not give the figure or year asked for.",
    },
    "answers.refusal.other_place": {
        "zh": "找到的文章都没有提到问题中的地名。",
        "en": "None of the articles found names the place in the question.",
    },
    "answers.related": {
        "zh": "相关段落（不能回答该问题）",
        "en": "Related passages (they do not answer the question)",
    },
    "answers.answer": {"zh": "答案", "en": "Answer"},
    "answers.sources": {"zh": "出处", "en": "Sources"},
    "answers.rewritten": {"zh": "理解为", "en": "Understood as"},
    "answers.confidence": {"zh": "置信度", "en": "confidence"},
    "answers.unsure": {
        "zh": "文章应含答案，但这句话未必是：请核对原文",
        "en": "the article should hold the answer, this sentence may not: check the source",
    },
    "answers.paragraph": {"zh": "第{n}段", "en": "paragraph {n}"},
    "answers.chars": {"zh": "字符 {start}–{end}", "en": "chars {start}–{end}"},
    "answers.no_date": {"zh": "日期不详", "en": "date unknown"},
    "answers.batch_bad_line": {
        "zh": "{file} 第 {line} 行不是有效的 JSON 问题（需要 {{\"qid\", \"question\"}}）：{detail}",
        "en": "{file} line {line} is not a valid JSON question (needs {{\"qid\", \"question\"}}): {detail}",
    },
    "answers.bad_filter_date": {
        "zh": "日期格式不对：{value}。请用 YYYY-MM-DD，例如 2022-06-28。",
        "en": "Bad date: {value}. Use YYYY-MM-DD, e.g. 2022-06-28.",
    },
}
