#!/usr/bin/env bash
# Assistant load time and memory, before and after a change, on one kept `bench scale` home.
#   scripts/assistant-load-ab.sh HOME BEFORE_COMMIT [QUESTIONS]
# HOME: a home a `corpusqa bench scale-phase build --home HOME --size N` left (kept, not the
# temporary one `bench scale` deletes). BEFORE_COMMIT runs from a git worktree in
# bench-output/worktree-COMMIT with this checkout's virtualenv; the working tree is "after".
# Each side is the ask phase of `bench scale` (load the assistant, 50 CMRC questions with the
# verifier, one thread), run twice in turn (before, after, before, after). Prints one line each.
set -euo pipefail
cd "$(dirname "$0")/.."
HOME_DIR=$(realpath "$1"); BEFORE=$2; Q=${3:-50}
PY=$PWD/.venv/bin/python
WT=bench-output/worktree-$BEFORE
[ -d "$WT" ] || git worktree add -f "$WT" "$BEFORE" >/dev/null
B=$(realpath ../shared/benchmarks)
run() {  # LABEL SOURCE_DIR (python -m puts the working directory first on sys.path: run from there)
  (cd "$2" && OMP_NUM_THREADS=1 PYTHONPATH="$2" $PY -m corpusqa.cli bench scale-phase ask --home "$HOME_DIR" \
    --questions "$Q" --bench-root "$B" 2>/dev/null) | tail -1 | $PY -c "
import json, sys
d = json.loads(sys.stdin.read()); ms = d['ms']
import corpusqa
print('$1', 'load_s', d['load_s'], 'rss_loaded_mb', d['rss_loaded_mb'], 'peak_rss_mb', d['peak_rss_mb'],
      'ask_p50_ms', ms['ask_total']['p50'], 'ask_p95_ms', ms['ask_total']['p95'], 'query_embedding_p50_ms',
      ms['query_embedding']['p50'], 'ratio', d['ask_ratio_p50'], 'ann_recall10', d['ann_recall10'], 'faiss', d['faiss'])"
}
for i in 1 2; do
  run "before($BEFORE)" "$PWD/$WT"
  run "after($(git rev-parse --short HEAD)+worktree)" "$PWD"
done
