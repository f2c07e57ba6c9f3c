"""User-facing messages of the Milvus index backend (Chinese first)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "milvus.extra_missing": {
        "zh": "使用 Milvus 索引需要可选依赖。请运行：pip install 'corpusqa[milvus]'",
        "en": "A Milvus index needs the optional extra. Run: pip install 'corpusqa[milvus]'",
    },
    "milvus.unreachable": {
        "zh": "无法连接 Milvus（{uri}）：{detail}。请检查地址与服务是否运行（--index-uri / CORPUSQA_INDEX_URI）；"
        "数据未受影响。",
        "en": "Cannot reach Milvus at {uri} ({detail}). Check the address and that the server is running "
        "(--index-uri / CORPUSQA_INDEX_URI); nothing was changed.",
    },
    "milvus.lite_locked": {
        "zh": "milvus-lite 文件 {uri} 正被另一个进程使用（lite 只允许一个进程打开）。请等待该进程结束后重试，"
        "或改用 Milvus 服务器。",
        "en": "The milvus-lite file {uri} is open in another process (lite allows one process at a time). "
        "Try again when it has finished, or use a Milvus server.",
    },
    "milvus.auth": {
        "zh": "Milvus（{uri}）拒绝了登录凭据：{detail}。请检查 CORPUSQA_INDEX_TOKEN（user:password 或 API key）。",
        "en": "Milvus at {uri} refused the credentials ({detail}). Check CORPUSQA_INDEX_TOKEN "
        "(user:password or an API key).",
    },
    "milvus.chunk_too_long": {
        "zh": "分块 {chunk} 的词元超出 Milvus 字段上限。请用更小的 --chunk-size（当前 {size}）重建索引。",
        "en": "Chunk {chunk} has more tokens than a Milvus field holds. Rebuild with a smaller --chunk-size "
        "(now {size}).",
    },
}
