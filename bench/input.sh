#!/usr/bin/env bash
# Reads and renders a generated 1 GB JSONL and a 1 GB CSV through the run's own path
# (reader, ids, template) in a release build, printing rows/s, MB/s and peak RSS for each.
# The headline lines use row-number ids (the default); the last two take ids from a field,
# which holds every id in memory to refuse duplicates. Usage: bench/input.sh [SIZE_MB]
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
"$bench" input measure "$data/rows.jsonl" --id id
"$bench" input measure "$data/rows.csv" --id id
