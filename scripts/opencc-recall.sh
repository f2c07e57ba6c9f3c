#!/usr/bin/env bash
# Lexical retrieval with the OpenCC installed now (scripts/opencc-bench.py compares the folds):
# CMRC trial, its Traditional copy and the bundled gold set, retrieval only (--verifier none).
# Usage: scripts/opencc-recall.sh LABEL   (results: bench-output/opencc/r-LABEL-{cmrc,trad,gold}.json)
set -euo pipefail
cd "$(dirname "$0")/.."
B=../shared/benchmarks; O=bench-output/opencc; L=$1
CQ=".venv/bin/corpusqa --verifier none --silent"
# the copy is made once, so that every label searches the same Traditional text
[ -f $O/trad/trial.questions.jsonl ] || $CQ data script-copy $O/trad \
  --passages $B/cmrc2018/trial.passages.jsonl --questions $B/cmrc2018/trial.questions.jsonl
ev() { $CQ --home $O/home-$L eval --config lexical --cache-dir $O/cache-$L --json "$@"; }
ev --gold $B/cmrc2018/trial.questions.jsonl --corpus $B/cmrc2018/trial.passages.jsonl > $O/r-$L-cmrc.json
ev --gold $O/trad/trial.questions.jsonl --corpus $O/trad/trial.passages.jsonl > $O/r-$L-trad.json
ev > $O/r-$L-gold.json
for s in cmrc trad gold; do
  .venv/bin/python -c "import json; r = json.load(open('$O/r-$L-$s.json'))['results']['lexical']; \
print('$L $s', r['questions'], 'R@1', round(r['recall@1'], 3), 'R@5', round(r['recall@5'], 3))"
done
