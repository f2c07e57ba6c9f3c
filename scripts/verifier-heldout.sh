#!/usr/bin/env bash
# The verifier's held-out end-to-end table (docs/answer-verifier.md): one verifier, four sets.
#   scripts/verifier-heldout.sh VERIFIER LABEL
# VERIFIER: bundled, none, or st:RUN/final (a trained folder; its answer_model.json, written
# by `corpusqa --verifier st:RUN/final train calibrate --out RUN/final/answer_model.json`,
# is used with it). Sets: the test split of the bundled gold set; CMRC trial, XQuAD zh and
# the English XQuAD questions over the Chinese passages (test articles), each with 12% of
# the passages removed (--mixed 0.12); and CMRC trial converted to Traditional script
# (questions and passages, `corpusqa data script-copy`), mixed the same way. Every question is
# one the verifier never trained on. Last, the fresh held-out questions about the sample pages
# (corpusqa/eval/data/fresh.jsonl: 30 Chinese, 8 English, 10 unanswerable; never fitted on).
# Results: bench-output/heldout-eval/{gold,cmrc,xzh,xen,trad,fresh}-LABEL.json (corpusqa eval --json).
set -euo pipefail
cd "$(dirname "$0")/.."
V=$1; LABEL=$2
B=../shared/benchmarks; O=bench-output/heldout-eval; HO=$O/heldout; C=$O/cache
CQ=".venv/bin/corpusqa --silent"
export OMP_NUM_THREADS=2
mkdir -p $O
[ -f $HO/xquad-en-test.jsonl ] || $CQ train heldout --benchmarks $B --out $HO
T=$O/cmrc-trial-trad
[ -f $T/trial.questions.jsonl ] || $CQ data script-copy $T --to traditional \
  --passages $B/cmrc2018/trial.passages.jsonl --questions $B/cmrc2018/trial.questions.jsonl
run() {  # NAME GOLD [eval options]; no --corpus: the bundled sample corpus
  local name=$1 gold=$2; shift 2
  $CQ --home $O/home --verifier "$V" eval --config hybrid --cache-dir $C --json --gold "$gold" \
    "$@" > $O/$name-$LABEL.json
}
run gold $HO/gold-test.jsonl
run cmrc $B/cmrc2018/trial.questions.jsonl --corpus $B/cmrc2018/trial.passages.jsonl --mixed 0.12
run xzh $HO/xquad-zh-test.jsonl --corpus $B/xquad/part1.zh.passages.jsonl --mixed 0.12
run xen $HO/xquad-en-test.jsonl --corpus $B/xquad/part1.zh.passages.jsonl --mixed 0.12
run trad $T/trial.questions.jsonl --corpus $T/trial.passages.jsonl --mixed 0.12
run fresh corpusqa/eval/data/fresh.jsonl
for s in gold cmrc xzh xen trad fresh; do
  .venv/bin/python -c "import json; r = json.load(open('$O/$s-$LABEL.json'))['results']['hybrid']; \
a = r['abstention']; print('$s $LABEL n', r['questions'], 'R@1', round(r['recall@1'], 3), \
'AC@1', round(r['answer_contained@1'], 3), 'abst R', round(a['recall'], 3), \
'false refusals', round(a['false_refusal_rate'], 3), 'p50 ms', round(r['latency_ms']['total_ms']['p50']))"
done
