#!/usr/bin/env bash
# A profile-guided build of the `streamlab` command (PGO): the compiler lays out and inlines the code by how
# often each branch ran in a training run: 12-17 % less CPU per simulated record here (see the README).
#
#   scripts/pgo.sh                    # builds target/pgo/build/release/streamlab (5-7 minutes)
#   target/pgo/build/release/streamlab bench --model mm1 --against-simpy
#
# The training run is the course, not a benchmark: `lab all` (every lab, both engines, the batch job).
# Four steps: an instrumented release build; it runs `lab all`, writing branch counts; the release build
# again, guided by those counts; the guided binary runs `lab all` once more, and its output must equal the
# training run's byte for byte (the build changes the speed, never a result). `streamlab bench` prints
# `"build": "release, profile-guided"` for the binary this makes.
#
# Needs rustup's llvm-tools component for llvm-profdata (added when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

host=$(rustc -vV | sed -n 's/^host: //p')
profdata="$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-profdata"
if [ ! -x "$profdata" ]; then
  if ! command -v rustup >/dev/null 2>&1; then
    echo "error: $profdata is missing and rustup is not installed: install LLVM's llvm-profdata for $(rustc -V)" >&2
    exit 1
  fi
  rustup component add llvm-tools
fi

dir="$PWD/target/pgo"
rm -rf "$dir/train" "$dir/check" "$dir/merged.profdata"
build() { # $1: the target folder under $dir; $2: the extra rustc flags
  RUSTFLAGS="${RUSTFLAGS:-} $2" CARGO_TARGET_DIR="$dir/$1" cargo build --release --locked --bin streamlab
}
lab_all() { # $1: the binary; $2: the output folder
  "$1" lab all --out "$2" >/dev/null
}

echo "== 1/4 instrumented build" >&2
build instrumented "-Cprofile-generate=$dir/profiles"
rm -rf "$dir/profiles" # what the instrumented build scripts wrote: only the training run counts
echo "== 2/4 training run: lab all" >&2
LLVM_PROFILE_FILE="$dir/profiles/streamlab-%p-%m.profraw" lab_all "$dir/instrumented/release/streamlab" "$dir/train"
"$profdata" merge -o "$dir/merged.profdata" "$dir/profiles"
echo "== 3/4 profile-guided build" >&2
build build "-Cprofile-use=$dir/merged.profdata --cfg streamlab_pgo"
echo "== 4/4 the guided binary's lab all against the training run's" >&2
lab_all "$dir/build/release/streamlab" "$dir/check"
# review/source.txt names the binary that wrote the cards (its size and time): the one file that differs.
if ! diff -r --exclude=source.txt "$dir/train" "$dir/check" >&2; then
  echo "error: the profile-guided binary's results differ from the instrumented binary's (above)" >&2
  exit 1
fi
echo "built $dir/build/release/streamlab (its lab all output equals the instrumented build's, byte for byte)" >&2
