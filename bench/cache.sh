#!/usr/bin/env bash
# The cached-rerun fast path: a job of ROWS generated rows (default 1,000,000) is run once
# against the built-in simulator to fill a response cache, then run again with --fresh, so
# every row is read, rendered, hashed, looked up, encoded, compressed and written with no
# request. Prints the rerun's rows/s and peak RSS (release build, /usr/bin/time -v), and
# checks the rerun's output holds every row once.  Usage: bench/cache.sh [ROWS]
# BASELINE=PATH (another promptmill binary) runs the two in turn, RUNS times each (3).
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
swift build -c release --product promptmill --scratch-path .build-release >&2
promptmill=$PWD/.build-release/release/promptmill
data=$PWD/bench/data/cache-$rows
mkdir -p "$data"
if [ ! -s "$data/rows.jsonl" ]; then
  python3 - "$data/rows.jsonl" "$rows" <<'PY'
import json, random, sys
path, count = sys.argv[1], int(sys.argv[2])
random.seed(5)
adjectives = ["great", "awful", "decent", "broken", "lovely", "noisy", "sturdy", "cheap", "perfect", "flimsy"]
products = ["kettle", "toaster", "lamp", "blender", "fan", "heater", "radio", "clock", "mixer", "iron"]
with open(path, "w") as out:
    for n in range(1, count + 1):
        text = (f"Order {n}: the {random.choice(adjectives)} {random.choice(products)} arrived "
                f"{random.randint(1, 9)} days late and it {random.choice(['works', 'fails', 'hums', 'leaks'])} as described.")
        out.write(json.dumps({"id": f"r-{n}", "product": random.choice(products), "text": text}) + "\n")
PY
fi
cat > "$data/pipeline.yaml" <<'YAML'
name: cache-bench
input: {path: rows.jsonl, id: id}
endpoint: completions
model: gpt-3.5-turbo-instruct
prompt: |
  Classify the sentiment of this review as positive, negative or neutral.
  Review: {{text}}
  Sentiment:
params: {max_tokens: 3, temperature: 0, stop: ["\n"]}
batch_size: 20
limits: {max_concurrency: 32}
output: {path: out/results.jsonl.gz, include: [id, product]}
YAML
cache="$data/cache.sqlite"
state="$data/state"
if [ ! -s "$cache" ]; then
  echo "filling the cache: $rows rows against the simulator (no latency)" >&2
  "$promptmill" run "$data/pipeline.yaml" --mock --mock-latency-ms 0 --cache "$cache" --state-dir "$state" --progress quiet >&2
fi
echo "cache: $(du -h "$cache" | cut -f1)" >&2
sync
# One untimed pass warms the page cache the way a rerun finds it after a run.
"$promptmill" run "$data/pipeline.yaml" --mock --fresh --cache "$cache" --state-dir "$state" --progress quiet >/dev/null 2>&1

# One timed cached rerun with the binary $1, labelled $2: prints rows/s, peak RSS and CPU,
# and checks that the output holds every row once.
timed() {
  /usr/bin/time -v "$1" run "$data/pipeline.yaml" --mock --fresh --cache "$cache" --state-dir "$state" --progress quiet \
    2> "$data/time.txt" >&2 || { cat "$data/time.txt"; exit 1; }
  seconds=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$data/time.txt")
  rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$data/time.txt")
  cpu=$(awk -F': ' '/Percent of CPU/ {print $2}' "$data/time.txt")
  records=$(gzip -dc "$data/out/results.jsonl.gz" | wc -l)
  unique=$(gzip -dc "$data/out/results.jsonl.gz" | python3 -c 'import sys, json; print(len({json.loads(l)["id"] for l in sys.stdin}))')
  python3 - "$2" "$rows" "$seconds" "$rss_kb" "$cpu" "$records" "$unique" <<'PY'
import sys
label, rows, seconds, rss_kb, cpu, records, unique = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5], int(sys.argv[6]), int(sys.argv[7])
check = 'every row once' if records == unique == rows else 'MISMATCH'
print(f"{label}: cached rerun (--fresh) of {rows} rows in {seconds:.2f} s = {rows / seconds:,.0f} rows/s, peak RSS {rss_kb / 1024:.0f} MB, CPU {cpu}; {records} records, {unique} distinct ids ({check})")
PY
}

# With BASELINE=path/to/another/promptmill, the two binaries take turns, RUNS times each
# (default 3), on the same cache and input: the comparison holds when the machine drifts.
if [ -n "${BASELINE:-}" ]; then
  for _ in $(seq "${RUNS:-3}"); do
    timed "$promptmill" "this build"
    timed "$BASELINE" "baseline  "
  done
else
  timed "$promptmill" "this build"
fi
