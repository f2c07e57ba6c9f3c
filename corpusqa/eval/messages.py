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
}
