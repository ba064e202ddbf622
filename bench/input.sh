#!/usr/bin/env bash
# Reads and renders a generated 1 GB JSONL and a 1 GB CSV (release build), printing rows/s,
# MB/s and peak RSS for each. Usage: bench/input.sh [SIZE_MB]   (default 1024)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1024}
swift build -c release --product promptmill-bench --scratch-path .build-release >&2
bench=.build-release/release/promptmill-bench
data=bench/data/input-$size
if [ ! -s "$data/rows.csv" ]; then
  "$bench" input generate "$data" "$size"
fi
"$bench" input measure "$data/rows.jsonl"
"$bench" input measure "$data/rows.csv"
