#!/usr/bin/env bash
# The long fuzz runs (issue 18, item 4): each target of crates/animov-fuzz
# under cargo-fuzz (libFuzzer, nightly Rust, no sanitizer: the code is safe
# Rust) for SECONDS (600 by default), JOBS at a time (2), growing
# fuzz/corpus/<target>/ from fuzz/seeds/<target>/ (both kept in the
# repository; the corpus minimised after each run)
# and leaving failing inputs
# in fuzz/artifacts/<target>/ (a fixed one is copied to
# fuzz/regressions/<target>/, which the test command replays).
#   bash fuzz/run.sh [seconds=600] [targets...]
# Needs: bash scripts/setup.sh fuzz (nightly toolchain and cargo-fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
seconds=${1:-600}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(ls fuzz/fuzz_targets | sed 's/\.rs$//')
fi
command -v cargo-fuzz >/dev/null || { echo "cargo-fuzz is missing: bash scripts/setup.sh fuzz" >&2; exit 1; }
export CARGO_TARGET_DIR="$CARGO_TARGET_DIR/fuzz"
cd fuzz
cargo +nightly fuzz build -s none
jobs=${JOBS:-2}
mkdir -p logs
run() {
    local t=$1
    mkdir -p "corpus/$t" "artifacts/$t"
    cargo +nightly fuzz run -s none "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 > "logs/$t.log" 2>&1 || echo "$t: FAILED (see fuzz/logs/$t.log and fuzz/artifacts/$t/)"
    # Keep the corpus small: the inputs that reach the same code, once.
    cargo +nightly fuzz cmin -s none "$t" "corpus/$t" > "logs/$t.cmin.log" 2>&1 || echo "$t: corpus not minimised"
    printf '%s: %s\n' "$t" "$(grep -E '^stat::number_of_executed_units' "logs/$t.log" | awk '{print $2}') executions, corpus $(ls "corpus/$t" | wc -l)"
}
running=0
for t in "${targets[@]}"; do
    run "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait
