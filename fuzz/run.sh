#!/usr/bin/env bash
# Builds and runs every fuzz target, one after the other, for SECONDS_PER_TARGET each
# (default 60), or only the TARGETs named. Needs nightly and cargo-fuzz
# (`cargo install cargo-fuzz --locked`). One fuzzer process at a time, niced.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
#
# FUZZ_ARGS adds libFuzzer flags (FUZZ_ARGS=-len_control=0 tries long inputs at once).
# Crashes, timeouts and out-of-memory inputs land in fuzz/artifacts/<target>/; after one, the
# target is restarted until its time is up. Minimize one with
#   cargo +nightly fuzz tmin -a -s none <target> fuzz/artifacts/<target>/<file>
# and keep it under fuzz/regressions/<target>/ with a test in tests/fuzz_regressions.rs.
set -euo pipefail
fuzz="$(cd "$(dirname "$0")" && pwd)"
cd "$(dirname "$fuzz")"
seconds="${1:-60}"
shift || true
all=(yaml compose kubernetes hcl plan rules decisions scan)
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${all[@]}"); fi

max_len() {
    case "$1" in
        rules | decisions) echo 16384 ;;
        *) echo 65536 ;;
    esac
}

"$fuzz/seed.sh" > /dev/null
nice -n 15 cargo +nightly fuzz build -a -s none
mkdir -p "$fuzz/logs"
for target in "${targets[@]}"; do
    end=$(($(date +%s) + seconds))
    while :; do
        left=$((end - $(date +%s)))
        [ "$left" -gt 0 ] || break
        echo "== $target: ${left}s left ($(date -u +%H:%M:%S) UTC)"
        dict=()
        [ -f "$fuzz/dict/$target.dict" ] && dict=(-dict="$fuzz/dict/$target.dict")
        # -jobs/-workers: libFuzzer writes the run's output to fuzz-0.log in the current
        # folder; keep it per target.
        (cd "$fuzz/logs" && nice -n 15 cargo +nightly fuzz run -a -s none \
            --fuzz-dir "$fuzz" "$target" -- \
            -jobs=1 -workers=1 -max_total_time="$left" -rss_limit_mb=2048 -timeout=10 \
            -max_len="$(max_len "$target")" -print_final_stats=1 "${dict[@]}" ${FUZZ_ARGS:-} >/dev/null 2>&1) || true
        mv -f "$fuzz/logs/fuzz-0.log" "$fuzz/logs/$target-$(date +%s).log" 2>/dev/null || true
        sleep 1 # a target that cannot start must not spin
        tail -n 12 "$fuzz/logs/$target"-*.log 2>/dev/null | grep -E 'stat::number_of_executed_units|ERROR|SUMMARY|Test unit written' | tail -4 || true
    done
done
echo "artifacts:"
find "$fuzz/artifacts" -type f 2>/dev/null || true
