#!/usr/bin/env bash
# Runs the oracle cases (cases.txt) on the real engines: each case is exported with `streamlab export`
# and run by PySpark 4 and PyFlink 2 in a venv under target/ (Java 17 needed).
#   tests/oracle/record.sh [CASE...]          record: writes recorded/CASE.spark.csv and CASE.flink.csv
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
failed=0
while IFS='|' read -r name trace flags; do
  name=$(echo "$name" | xargs); trace=$(echo "$trace" | xargs)
  case "$name" in ''|'#'*) continue ;; esac
  if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$name"; then continue; fi
  events=tests/oracle/traces/$trace.csv
  for engine in ${ENGINES:-spark flink}; do
    extra=""; [ "$engine" = flink ] && extra="--watermark-interval 0ms"
    # shellcheck disable=SC2086
    "$streamlab" export --engine "$engine" $flags $extra --out "$work/$name/$engine" 2>/dev/null
    "$venv/bin/python" "$work/$name/$engine/job.py" "$events" > "$work/$name/$engine.csv" 2> "$work/$name/$engine.log"
    if $check; then
      # shellcheck disable=SC2086
      "$streamlab" replay --engine "$engine" $flags $extra "$events" 2>/dev/null | grep -v ',dropped-row,' \
        > "$work/$name/$engine.replay.csv"
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
done < tests/oracle/cases.txt
[ "$failed" -eq 0 ]
