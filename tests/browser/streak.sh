#!/usr/bin/env bash
# The browser tests, RUNS times in a row on a machine kept busy by BUSY CPU-bound processes
# (issue 14: a test that fails only under load blocks everyone's work). Stops at the first
# failure; each run's output is kept in $OUT. Usage, from the repository root:
#   bash tests/browser/streak.sh            # 20 runs, 2 busy processes
#   RUNS=5 BUSY=0 bash tests/browser/streak.sh
set -u
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-20}
BUSY=${BUSY:-2}
OUT=${OUT:-$(mktemp -d)}
busy=()
for _ in $(seq 1 "$BUSY"); do
  python3 -c "while True: pass" &
  busy+=($!)
done
trap '[ ${#busy[@]} -gt 0 ] && kill "${busy[@]}" 2>/dev/null' EXIT
passed=0
for run in $(seq 1 "$RUNS"); do
  start=$(date +%s)
  DECONV_TUTOR_BUDGET=smoke timeout 900 .venv/bin/python -m pytest tests/browser -q \
    -o addopts="" -p no:cacheprovider >"$OUT/run_$run.log" 2>&1
  status=$?
  echo "run $run: exit $status, $(($(date +%s) - start)) s, load $(cut -d' ' -f1 /proc/loadavg):" \
    "$(tail -1 "$OUT/run_$run.log")"
  [ "$status" -eq 0 ] || break
  passed=$((passed + 1))
done
echo "passed in a row: $passed of $RUNS (logs in $OUT)"
[ "$passed" -eq "$RUNS" ]
