#!/usr/bin/env bash
# `promptmill estimate` on a generated pipeline of ROWS rows (default 1,000,000): wall time
# and peak RSS of the whole command (release build). Usage: bench/estimate.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
swift build -c release --product promptmill --scratch-path .build-release >&2
swift build -c release --product promptmill-bench --scratch-path .build-release >&2
data=bench/data/rows-$rows
[ -s "$data/rows.jsonl" ] || .build-release/release/promptmill-bench input generate-rows "$data" "$rows" >&2
cat > "$data/estimate.yaml" <<'YAML'
name: bench-estimate
input: {path: rows.jsonl, id: id}
endpoint: completions
model: gpt-3.5-turbo-instruct
prompt: |
  Classify the sentiment of this {{product}} review ({{rating}} stars) as positive, negative or neutral.
  Review: {{text}}
  Sentiment:
params: {max_tokens: 3, temperature: 0}
batch_size: 20
limits: {requests_per_minute: 3500, tokens_per_minute: 90000}
output: {path: out.jsonl.gz}
YAML
/usr/bin/time -f "%e s wall, %M KB peak RSS" .build-release/release/promptmill estimate "$data/estimate.yaml" --json 2>"$data/time.txt" >"$data/estimate.json"
echo "rows: $rows ($(du -m "$data/rows.jsonl" | cut -f1) MB of JSONL)"
echo "estimate: $(head -c 300 "$data/estimate.json")"
awk '{printf "time: %s s wall, peak RSS %.1f MB\n", $1, $4/1024}' "$data/time.txt"
