#!/usr/bin/env bash
# Runs the oracle cases (cases.txt) on the real engines: each case is exported with `streamlab export`
# and run by PySpark 4 and PyFlink 2 in a venv under target/ (Java 17 needed).
#   tests/oracle/record.sh [CASE...]          record the cases without a recording (FORCE=1: all of them)
#                                             into recorded/CASE.spark.csv and CASE.flink.csv
#   tests/oracle/record.sh --check [CASE...]  compare the real engines with `streamlab replay`
# ENGINES=spark (or flink) runs one engine only.
set -euo pipefail
cd "$(dirname "$0")/../.."
check=false
if [ "${1:-}" = "--check" ]; then check=true; shift; fi
venv=target/oracle-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import pyspark, pyflink" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q pyspark==4.3.0 apache-flink==2.3.0
fi
cargo build --quiet --locked --bin streamlab
streamlab=target/debug/streamlab
work=target/oracle
mkdir -p "$work"
engines=${ENGINES:-spark flink}
selected=()
for engine in $engines; do : > "$work/$engine.jobs"; done
while IFS='|' read -r name trace flags; do
  name=$(echo "$name" | xargs); trace=$(echo "$trace" | xargs)
  case "$name" in ''|'#'*) continue ;; esac
  if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$name"; then continue; fi
  if ! $check && [ -z "${FORCE:-}" ] && [ -f "tests/oracle/recorded/$name.spark.csv" ] \
    && [ -f "tests/oracle/recorded/$name.flink.csv" ]; then continue; fi
  selected+=("$name|$trace|$flags")
  for engine in $engines; do
    extra=""; [ "$engine" = flink ] && extra="--watermark-interval 0ms"
    # shellcheck disable=SC2086
    "$streamlab" export --engine "$engine" $flags $extra --out "$work/$name/$engine" 2>/dev/null
    echo "$work/$name/$engine/job.py tests/oracle/traces/$trace.csv $work/$name/$engine.csv" >> "$work/$engine.jobs"
  done
done < tests/oracle/cases.txt
# One interpreter (and JVM) per engine, both engines at once.
for engine in $engines; do
  "$venv/bin/python" tests/oracle/run_jobs.py "$work/$engine.jobs" 2> "$work/$engine.log" &
done
wait
failed=0
for case in "${selected[@]}"; do
  IFS='|' read -r name trace flags <<< "$case"
  for engine in $engines; do
    extra=""; [ "$engine" = flink ] && extra="--watermark-interval 0ms"
    if $check; then
      # shellcheck disable=SC2086
      "$streamlab" replay --engine "$engine" $flags $extra "tests/oracle/traces/$trace.csv" 2>/dev/null \
        | grep -v ',dropped-row,' > "$work/$name/$engine.replay.csv"
      if diff -u "$work/$name/$engine.replay.csv" "$work/$name/$engine.csv"; then
        echo "oracle $name $engine: equal"
      else
        echo "oracle $name $engine: DIFFERS"; failed=$((failed + 1))
      fi
    else
      cp "$work/$name/$engine.csv" "tests/oracle/recorded/$name.$engine.csv"
      echo "recorded $name $engine"
    fi
  done
done
[ "$failed" -eq 0 ]
