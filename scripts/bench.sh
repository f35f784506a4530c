#!/usr/bin/env bash
# Runs the benches and the peak-memory measurement, then prints the performance figures of docs/performance.md.
#
#   scripts/bench.sh [BENCH...]     # default: overhead newton sweep step_cost external
#
# Each bench is a criterion target in benches/ (cargo bench --bench NAME); the ratios and the growth
# exponents are computed from criterion's estimates by examples/bench_summary.rs. The peak memory is the
# maximum resident set size of `optzoo run benches/configs/ten-thousand.toml` (10,000 runs) under
# /usr/bin/time -v (on Debian or Ubuntu: apt-get install time). Timings on a shared machine are noisy: the
# script prints the load average before each bench, so that a disturbed measurement can be repeated.
set -euo pipefail
cd "$(dirname "$0")/.."

benches=("$@")
if [ ${#benches[@]} -eq 0 ]; then
    benches=(overhead newton sweep step_cost external)
fi

for bench in "${benches[@]}"; do
    echo "== cargo bench --bench $bench   (load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown))"
    # criterion prints a long name alone on its line and the time on the next: join them.
    if ! cargo bench --quiet --bench "$bench" 2>&1 | awk '
        /^[a-z_]+\/[^ ]+ *$/ { name = $1; next }
        /time:/ && !/%/ { if ($1 ~ /\//) print; else printf "%-24s%s\n", name, $0; next }
        /^Warning|panicked/ { print }'; then
        echo "cargo bench --bench $bench failed" >&2
        exit 1
    fi
done

echo "== peak memory of a 10,000-run sweep"
cargo build --release --quiet
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if [ -x /usr/bin/time ]; then
    /usr/bin/time -v target/release/optzoo run benches/configs/ten-thousand.toml --out "$out/sweep" --fresh \
        >"$out/stdout" 2>"$out/time"
    grep -E 'runs in' "$out/stdout" || true
    rss_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$out/time")
    echo "max RSS: $((rss_kb / 1024)) MiB (target < 512 MiB)"
else
    echo "/usr/bin/time not found (apt-get install time): peak memory not measured"
fi

echo "== figures"
cargo run --release --quiet --example bench_summary
