"""User-facing messages of the evaluation commands."""

MESSAGES = {
    "eval.gold_missing": {
        "zh": "找不到标准答案文件：{path}。请检查 --gold 参数。",
        "en": "Gold file not found: {path}. Check --gold.",
    },
    "eval.gold_bad_line": {
        "zh": "{file} 第 {line} 行格式不对（需要 qid、question、gold_pids、answers）：{detail}",
        "en": "{file} line {line} is malformed (needs qid, question, gold_pids, answers): {detail}",
    },
    "eval.bad_config": {
        "zh": "无法识别的配置：{spec}。格式为 MODE[:ENCODER][@CHUNK]，MODE 取 lexical、dense、hybrid 或 hybrid+rerank。",
        "en": "Unknown configuration: {spec}. Use MODE[:ENCODER][@CHUNK] with MODE lexical, dense, hybrid or hybrid+rerank.",
    },
    "eval.no_reranker": {
        "zh": "配置 hybrid+rerank 需要重排序模型：请设置 CORPUSQA_RERANKER。",
        "en": "The hybrid+rerank configuration needs a reranker: set CORPUSQA_RERANKER.",
    },
    "eval.gate_failed": {
        "zh": "评测未达标：{detail}",
        "en": "Evaluation gate failed: {detail}",
    },
    "eval.mixed_nothing_left": {
        "zh": "--mixed {fraction} 移除后语料中不剩任何文章（共 {n} 篇）。请用更小的比例或更大的语料。",
        "en": "--mixed {fraction} leaves none of the corpus's {n} articles. Use a smaller fraction or a larger corpus.",
    },
    "eval.mixed_seed_alone": {
        "zh": "--mixed-seed 只与 --mixed 一起使用，例如：--mixed 0.12 --mixed-seed 1",
        "en": "--mixed-seed only works with --mixed, e.g. --mixed 0.12 --mixed-seed 1",
    },
    "eval.mixed_summary": {
        "zh": "混合评测：从 {passages} 篇中移除 {removed} 篇（比例 {fraction}，种子 {seed}），"
              "{made_unanswerable} 个问题因此不可回答；共 {questions} 个问题，其中 {unanswerable} 个不可回答。",
        "en": "Mixed evaluation: {removed} of {passages} articles removed (fraction {fraction}, seed {seed}), "
              "which made {made_unanswerable} questions unanswerable; {unanswerable} of {questions} "
              "questions are unanswerable.",
    },
    "data.file_missing": {
        "zh": "找不到文件：{path}。请检查路径。",
        "en": "File not found: {path}. Check the path.",
    },
    "data.bad_line": {
        "zh": "{file} 第 {line} 行不是有效的 JSON 记录：{detail}",
        "en": "{file} line {line} is not a valid JSON record: {detail}",
    },
    "data.corpus_missing": {
        "zh": "找不到语料路径：{path}。请检查 --corpus 参数。",
        "en": "Corpus path not found: {path}. Check --corpus.",
    },
    "data.copy_nothing": {
        "zh": "没有要转换的文件：请给出 --passages、--questions 或两者。",
        "en": "Nothing to convert: give --passages, --questions or both.",
    },
    "data.bad_drop": {
        "zh": "--drop {drop} 超出范围：应在 0（不删词）与 1 之间（不含 1）。",
        "en": "--drop {drop} is out of range: use a share from 0 (keep every word) up to, not including, 1.",
    },
    "data.bad_limit": {
        "zh": "--limit {limit} 无效：请给出正整数。",
        "en": "--limit {limit} is invalid: give a positive number.",
    },
    "data.written": {
        "zh": "已写入 {n} 个问题：{path}",
        "en": "{n} questions written to {path}",
    },
    "data.gold_resolved": {
        "zh": "已写入 {written} 个问题：{path}；跳过 {skipped} 个（证据只在署名或标题中），{unresolved} 个未能对应到文章。",
        "en": "{written} questions written to {path}; {skipped} skipped (evidence only in a byline or title), "
              "{unresolved} unresolved.",
    },
    "data.gold_unresolved": {
        "zh": "{n} 个问题的证据在样例语料中找不到（见上方列表）：请修改 gold_raw.jsonl 中的 evidence。",
        "en": "The evidence of {n} questions is not in the sample corpus (listed above): fix their evidence "
              "in gold_raw.jsonl.",
    },
}
