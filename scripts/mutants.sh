#!/usr/bin/env bash
# Mutation score of the simulator's rule modules against the simulator's own tests (cargo-mutants): every
# operator, comparison and return value is changed in turn, and a change that no test notices is "missed".
#
#   scripts/mutants.sh                      # every rule module, then the score table
#   scripts/mutants.sh engine/window.rs     # one or more modules (paths under sim/src/)
#   scripts/mutants.sh -- --shard 1/8       # any further cargo-mutants option after `--`
#   scripts/mutants.sh --table              # the table of the last run, without running anything
#   MUTANTS_MIN_SCORE=90 scripts/mutants.sh engine/window.rs   # exit 1 below 90 % (CI)
#
# Two passes. The first runs only the library's unit tests on each mutant (a few seconds each); the second
# runs the whole `cargo test -p streamlab-sim` on exactly what the first missed. A mutant the unit tests
# catch is caught by the whole suite too, so the score is the whole suite's. Equivalent mutants are
# skipped through .cargo/mutants.toml, each with its reason. Results: mutants.out.unit/ (pass 1) and
# mutants.out/ (pass 2: missed.txt lists what to test next). Needs `cargo install cargo-mutants --locked`.
set -euo pipefail
cd "$(dirname "$0")/.."

RULE_MODULES=(
  kafka/partitioner.rs kafka/assignor.rs kafka/broker.rs kafka/consumer_group.rs kafka/producer.rs
  kafka/sender.rs kafka/leader.rs kafka/replication.rs kafka/controller.rs kafka/coordinator.rs
  kafka/consumer.rs kafka/cluster.rs kafka/bandwidth.rs
  engine/window.rs engine/spark/mod.rs engine/flink/mod.rs engine/flink/checkpoint.rs engine/flink/splits.rs engine/flink/valve.rs engine/state.rs engine/batch.rs
  engine/replay.rs engine/source.rs engine/pipeline.rs engine/fate.rs engine/event_time.rs
  ledger.rs metrics.rs
)

# One line of the table: the mutants whose names start with $2 (`path:line:column: ...`). Pass 1 decides
# all but its missed mutants; pass 2 decides those.
row() {
  local prefix=$2
  count() { cat "$1" 2>/dev/null | grep -c "^$prefix" || true; }
  local caught timeout missed unviable viable score=100
  caught=$(($(count mutants.out.unit/caught.txt) + $(count mutants.out/caught.txt)))
  timeout=$(($(count mutants.out.unit/timeout.txt) + $(count mutants.out/timeout.txt)))
  missed=$(count mutants.out/missed.txt) unviable=$(count mutants.out.unit/unviable.txt)
  viable=$((caught + timeout + missed))
  ((viable > 0)) && score=$(((caught + timeout) * 100 / viable))
  echo "| $1 | $caught | $timeout | $missed | $unviable | $score % |"
  last_score=$score
}

table() {
  echo "| module | caught | timeout | missed | unviable | score |"
  echo "|---|---:|---:|---:|---:|---:|"
  { cat mutants.out.unit/{caught,timeout,missed,unviable}.txt 2>/dev/null || true; } | cut -d: -f1 | sort -u |
    while read -r file; do row "${file#sim/src/}" "$file:"; done
  row all ""
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

# A copy of the tree builds into one kept target folder, so that the next run rebuilds only streamlab-sim;
# in place (`-- --in-place`), the tree's own target/ serves.
[[ " $* " == *" --in-place "* ]] || export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/mutants}"
# One mutant at a time (cargo-mutants' default): the tests share the machine.
common=(--package streamlab-sim "${files[@]}" "$@")
# cargo-mutants exits 2 when mutants were missed and 3 on timeouts; anything else is a failure of the run.
mutants() { nice cargo mutants "${common[@]}" "$@" || (($? == 2 || $? == 3)); }
# Pass 1: unit tests only, unoptimised and without debug info (they take about a second either way; so
# built, a mutant builds several times faster). A mutant that loops forever is stopped after 20 s: a
# timeout counts as caught (the whole suite runs the same unit tests first, so it would hang too).
rm -rf mutants.out mutants.out.old mutants.out.unit
unoptimised=(--config=profile.dev.package.streamlab-sim.opt-level=0 --config=profile.dev.package.streamlab-sim.debug=0)
mutants --timeout 20 --cargo-arg=--lib "${unoptimised[@]/#/--cargo-arg=}"
mv mutants.out mutants.out.unit
# Pass 2: the whole suite (about 15 s a run) on exactly the mutants pass 1 missed, named one by one.
survivors=()
while read -r name; do
  survivors+=(--re "^$(sed 's/[][\\.^$*+?(){}|]/\\&/g' <<<"$name")\$")
done <mutants.out.unit/missed.txt
((${#survivors[@]} == 0)) || mutants --timeout 90 "${survivors[@]}"
table
# MUTANTS_MIN_SCORE (CI): fail when the score of all the mutants run is below it.
if ((last_score < ${MUTANTS_MIN_SCORE:-0})); then
  echo "mutation score $last_score % is below $MUTANTS_MIN_SCORE %: see mutants.out/missed.txt" >&2
  exit 1
fi
