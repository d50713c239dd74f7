#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for a bounded time each:
#   fuzz/run.sh [SECONDS] [TARGET...]      default: 60 s per target, all targets
# Works on stable Rust: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its -Z flags (AddressSanitizer
# included). Installs cargo-fuzz if it is missing. A crash ends that target's run (the others
# still run) and the script exits 1; libFuzzer leaves the input in fuzz/artifacts/TARGET/.
# Replay it with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run TARGET fuzz/artifacts/TARGET/crash-...
set -euo pipefail

secs="${1:-60}"
shift || true
cd "$(dirname "$0")"
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
    targets=(mock_request response_parse fixture_parse)
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1

failed=()
for t in "${targets[@]}"; do
    echo "== $t: ${secs} s"
    mkdir -p "corpus/$t"
    cargo fuzz run "$t" -- -max_total_time="$secs" -rss_limit_mb=4096 -print_final_stats=1 ||
        failed+=("$t")
done
if [ "${#failed[@]}" -gt 0 ]; then
    echo "crashed: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
    exit 1
fi
