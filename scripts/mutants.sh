#!/usr/bin/env bash
# Mutation score of the simulator's rule modules against the simulator's own tests (cargo-mutants): every
# operator, comparison and return value is changed in turn, and a change that no test notices is "missed".
#
#   scripts/mutants.sh                      # every rule module, then the score table
#   scripts/mutants.sh engine/window.rs     # one or more modules (paths under sim/src/)
#   scripts/mutants.sh -- --shard 1/8       # any further cargo-mutants option after `--`
#   scripts/mutants.sh --table              # the table of the last run, without running anything
#
# Two passes. The first runs only the library's unit tests on each mutant (a few seconds each); the second
# runs the whole `cargo test -p streamlab-sim` on what the first missed (`--iterate`). A mutant the unit
# tests catch is caught by the whole suite too, so the score is the whole suite's. Equivalent mutants are
# skipped through .cargo/mutants.toml, each with its reason. Results: mutants.out/ (missed.txt lists what
# to test next). Needs cargo-mutants: `cargo install cargo-mutants --locked`.
set -euo pipefail
cd "$(dirname "$0")/.."

RULE_MODULES=(
  kafka/partitioner.rs kafka/assignor.rs kafka/broker.rs kafka/consumer_group.rs kafka/producer.rs
  engine/window.rs engine/spark.rs engine/flink.rs engine/state.rs engine/batch.rs engine/replay.rs
  ledger.rs metrics.rs
)

table() {
  local out=mutants.out
  echo "| module | caught | timeout | missed | unviable | score |"
  echo "|---|---:|---:|---:|---:|---:|"
  # Each line of cargo-mutants' lists starts with `path:line:column:`.
  cat "$out"/{previously_caught,caught,timeout,missed,unviable}.txt 2>/dev/null | cut -d: -f1 | sort -u |
    while read -r file; do
      count() { cat "$out/$1.txt" 2>/dev/null | grep -c "^$file:" || true; }
      local unit_timeout caught timeout missed unviable
      unit_timeout=$(count unit_timeout) missed=$(count missed) unviable=$(count unviable)
      caught=$(($(count previously_caught) + $(count caught) - unit_timeout)) timeout=$(($(count timeout) + unit_timeout))
      local viable=$((caught + timeout + missed))
      local score=100
      ((viable > 0)) && score=$(((caught + timeout) * 100 / viable))
      echo "| ${file#sim/src/} | $caught | $timeout | $missed | $unviable | $score % |"
    done
}

if [[ ${1:-} == --table ]]; then
  table
  exit 0
fi

modules=()
while (($#)) && [[ $1 != -- ]]; do
  modules+=("$1")
  shift
done
[[ ${1:-} == -- ]] && shift
((${#modules[@]})) || modules=("${RULE_MODULES[@]}")

files=()
for m in "${modules[@]}"; do
  [[ -f sim/src/$m ]] || { echo "no module sim/src/$m (give paths under sim/src/, e.g. engine/window.rs)" >&2; exit 2; }
  files+=(--file "sim/src/$m")
done

# The scratch copies build into one kept target folder, so only streamlab-sim is rebuilt on the next run.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/mutants}"
# One mutant at a time (cargo-mutants' default): the tests share the machine.
common=(--package streamlab-sim "${files[@]}" "$@")
# cargo-mutants exits 2 when mutants were missed and 3 on timeouts; anything else is a failure of the run.
mutants() { nice cargo mutants "${common[@]}" "$@" || (($? == 2 || $? == 3)); }
# Pass 1: unit tests only. A mutant that loops forever is stopped after 20 s: a timeout counts as caught.
mutants --timeout 20 --cargo-arg=--lib
# Those timeouts are final (the whole suite runs the same unit tests first): pass 2 skips them as caught.
cp mutants.out/timeout.txt mutants.out/unit_timeout.txt
cat mutants.out/unit_timeout.txt >>mutants.out/caught.txt
# Pass 2: the whole suite (about 15 s a run) on what pass 1 missed.
mutants --iterate --timeout 90
cp mutants.out.old/unit_timeout.txt mutants.out/
table
