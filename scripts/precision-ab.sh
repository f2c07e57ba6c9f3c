#!/usr/bin/env bash
# Matrix precisions timed back to back (docs/answer-verifier.md "bf16 matrices", "int8 matrices").
#   [PRECISIONS="fp32 auto"] scripts/precision-ab.sh [ROUNDS] [THREADS]
# Each round runs the gold test split and XQuAD zh test articles (--mixed 0.12), as
# scripts/verifier-heldout.sh does, with each `--precision` of PRECISIONS in turn (default
# fp32, then auto: bf16 on a CPU with native bf16 for the verifier, the passage reranker
# and the question-time sentence vectors; int8 likewise). Prints AC@1, false refusals and
# p50/p95 of the whole answer and of the verify step per run; results in
# bench-output/precision-ab/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-2}; export OMP_NUM_THREADS=${2:-2}
O=bench-output/heldout-eval; HO=$O/heldout; C=$O/cache; BENCH=../shared/benchmarks
OUT=bench-output/precision-ab; mkdir -p $OUT
[ -f $HO/xquad-zh-test.jsonl ] || .venv/bin/corpusqa --silent train heldout --benchmarks $BENCH --out $HO
run() { local p=$1; shift; .venv/bin/corpusqa --silent --precision "$p" --home $O/home eval --config hybrid \
  --cache-dir $C --json --gold "$@"; }
for round in $(seq 1 "$ROUNDS"); do
  for p in ${PRECISIONS:-fp32 auto}; do
    run $p $HO/gold-test.jsonl > $OUT/gold-$p-t$OMP_NUM_THREADS-$round.json
    run $p $HO/xquad-zh-test.jsonl --corpus $BENCH/xquad/part1.zh.passages.jsonl --mixed 0.12 \
      > $OUT/xzh-$p-t$OMP_NUM_THREADS-$round.json
  done
done
for f in $(for p in ${PRECISIONS:-fp32 auto}; do ls $OUT/*-$p-t$OMP_NUM_THREADS-*.json; done); do
  .venv/bin/python -c "import json, sys; r = json.load(open(sys.argv[1]))['results']['hybrid']; l = r['latency_ms']; \
print(sys.argv[1].rsplit('/', 1)[1], 'AC@1', round(r['answer_contained@1'], 3), 'false refusals', \
round(r['abstention']['false_refusal_rate'], 3), 'p50/p95 ms', round(l['total_ms']['p50']), \
round(l['total_ms']['p95']), 'verify p50', round(l['verify_ms']['p50']))" "$f"
done
