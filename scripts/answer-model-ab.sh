#!/usr/bin/env bash
# Two answer models timed back to back (docs/answer-verifier.md "The passage logit as an input").
#   scripts/answer-model-ab.sh A.json B.json [ROUNDS]
# Each round puts A, then B, in place of answers/data/answer_model.json and runs the gold test
# split and XQuAD zh test articles (--mixed 0.12) as scripts/verifier-heldout.sh does; the
# shipped file is restored at the end. Prints AC@1 and p50/p95 of the whole answer and of
# the verify step per run; results in bench-output/answer-model-ab/.
set -euo pipefail
cd "$(dirname "$0")/.."
A=$(realpath "$1"); B=$(realpath "$2"); ROUNDS=${3:-2}
O=bench-output/heldout-eval; HO=$O/heldout; C=$O/cache; BENCH=../shared/benchmarks
OUT=bench-output/answer-model-ab; mkdir -p $OUT
MODEL=corpusqa/answers/data/answer_model.json
cp $MODEL $OUT/shipped.json
trap 'cp $OUT/shipped.json $MODEL' EXIT
[ -f $HO/xquad-zh-test.jsonl ] || .venv/bin/corpusqa --silent train heldout --benchmarks $BENCH --out $HO
run() { .venv/bin/corpusqa --silent --home $O/home eval --config hybrid --cache-dir $C --json --gold "$@"; }
for round in $(seq 1 "$ROUNDS"); do
  for side in A B; do
    if [ $side = A ]; then cp "$A" $MODEL; else cp "$B" $MODEL; fi
    run $HO/gold-test.jsonl > $OUT/gold-$side-$round.json
    run $HO/xquad-zh-test.jsonl --corpus $BENCH/xquad/part1.zh.passages.jsonl --mixed 0.12 > $OUT/xzh-$side-$round.json
  done
done
for f in $OUT/*-[AB]-*.json; do
  .venv/bin/python -c "import json, sys; r = json.load(open(sys.argv[1]))['results']['hybrid']; l = r['latency_ms']; \
print(sys.argv[1].rsplit('/', 1)[1], 'AC@1', round(r['answer_contained@1'], 3), 'p50/p95 ms', \
round(l['total_ms']['p50']), round(l['total_ms']['p95']), 'verify p50', round(l['verify_ms']['p50']))" "$f"
done
