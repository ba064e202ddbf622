#!/usr/bin/env bash
# The big job (issue 13): ROWS generated reviews (default 10,000,000) run to the end against
# the simulator (`promptmill mock-server` in a process of its own, no latency, limits that
# do not bind), 20 prompts a request, every row sent: a fresh state directory, a fresh
# response cache and a fresh output each time. Prints rows, seconds, rows/s and peak RSS
# (release build, /usr/bin/time -v), checks that the output holds ROWS records and that the
# summary says complete.
#   ROWS=1000000 bench/bigjob.sh      a quicker try
#   CACHE=on|off|both                 with the response cache (the default path), --no-cache, or both
#   SCRATCH=.build-release            where the release build goes
#   PROMPTMILL=PATH                   run this binary instead of building one
#   KEEP=1                            keep each run's output and cache (gigabytes at 10M rows)
# While the job runs, its resident set is sampled every 2 s into bench/data/bigjob-ROWS/rss-MODE.tsv.
# The input stays in bench/data/bigjob-ROWS/rows.jsonl for the next try (1.1 GB at 10M rows).
# Exits 1 when a run fails, the output does not hold ROWS records, or the summary is not complete.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${ROWS:-10000000}
modes=${CACHE:-on}
[ "$modes" = both ] && modes="on off"
scratch=${SCRATCH:-.build-release}
if [ -n "${PROMPTMILL:-}" ]; then
  promptmill=$(realpath "$PROMPTMILL")
else
  swift build -c release --product promptmill --scratch-path "$scratch" >&2
  promptmill=$PWD/$scratch/release/promptmill
fi
data=$PWD/bench/data/bigjob-$rows
mkdir -p "$data"

if [ ! -s "$data/rows.jsonl" ]; then
  echo "writing $rows rows to $data/rows.jsonl" >&2
  python3 - "$data/rows.jsonl.part" "$rows" <<'PY'
import json, random, sys
path, count = sys.argv[1], int(sys.argv[2])
random.seed(13)
adjectives = ["great", "awful", "decent", "broken", "lovely", "noisy", "sturdy", "cheap", "perfect", "flimsy"]
products = ["kettle", "toaster", "lamp", "blender", "fan", "heater", "radio", "clock", "mixer", "iron"]
verbs = ["works", "fails", "hums", "leaks", "rattles", "shines"]
with open(path, "w", buffering=1 << 20) as out:
    for n in range(1, count + 1):
        # Each text is distinct (the order number), so every row needs its own answer.
        text = (f"Order {n}: the {random.choice(adjectives)} {random.choice(products)} arrived "
                f"{random.randint(1, 9)} days late and it {random.choice(verbs)} as described.")
        out.write(json.dumps({"id": f"r-{n}", "text": text}) + "\n")
PY
  mv "$data/rows.jsonl.part" "$data/rows.jsonl"
fi
echo "input: $(du -h "$data/rows.jsonl" | cut -f1)" >&2

cat > "$data/pipeline.yaml" <<'YAML'
name: bigjob
input: {path: rows.jsonl, id: id}
endpoint: completions
model: babbage-002
prompt: |
  Classify the sentiment of this review as positive, negative or neutral.
  Review: {{text}}
  Sentiment:
params: {max_tokens: 2, temperature: 0}
batch_size: 20
limits: {max_concurrency: 32, max_retries: 8, timeout_s: 60}
output: {path: out/results.jsonl.gz, include: [id]}
YAML

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$promptmill" mock-server --port "$port" --latency-ms 0 --rpm 100000000 --tpm 100000000000 2>/dev/null &
server=$!
sampler=
cleanup() {
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true
  kill "$server" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.05
done

for mode in $modes; do
  run=$data/run-$mode
  rm -rf "$run"
  mkdir -p "$run"
  cache_flag=(--cache "$run/cache.sqlite")
  [ "$mode" = off ] && cache_flag=(--no-cache)
  OPENAI_API_KEY=sk-bigjob /usr/bin/time -v "$promptmill" run "$data/pipeline.yaml" --base-url "http://127.0.0.1:$port/v1" \
    --state-dir "$run/state" "${cache_flag[@]}" --output "$run/out/results.jsonl.gz" --progress plain \
    2> "$run/time.txt" &
  timer=$!
  # The resident set as the job goes: seconds, then MB resident in all, in anonymous memory
  # (the heap) and in mapped files (the binary, its libraries, SQLite's shared memory).
  (
    sleep 0.5
    pid=$(pgrep -P "$timer" | head -1)
    started=$(date +%s)
    echo -e "s\trss\tanon\tfile+shmem"
    while [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; do
      awk -v s=$(($(date +%s) - started)) '/^VmRSS/ {r=$2} /^RssAnon/ {a=$2} /^RssFile/ {f=$2} /^RssShmem/ {m=$2}
        END {if (r) printf "%d\t%.1f\t%.1f\t%.1f\n", s, r/1024, a/1024, (f+m)/1024}' "/proc/$pid/status" 2>/dev/null || true
      sleep 2
    done
  ) > "$data/rss-$mode.tsv" &
  sampler=$!
  status=0
  wait "$timer" || status=$?
  wait "$sampler" 2>/dev/null || true
  sampler=
  if [ "$status" != 0 ]; then
    tail -20 "$run/time.txt" >&2
    exit 1
  fi
  seconds=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$run/time.txt")
  rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$run/time.txt")
  cpu=$(awk -F': ' '/Percent of CPU/ {print $2}' "$run/time.txt")
  records=$(gzip -dc "$run/out/results.jsonl.gz" | wc -l)
  cache_size=$([ "$mode" = on ] && du -h "$run/cache.sqlite" | cut -f1 || echo -)
  python3 - "$mode" "$rows" "$seconds" "$rss_kb" "$cpu" "$records" "$run/out/results.jsonl.gz.summary.json" "$cache_size" <<'PY'
import json, sys
mode, rows, seconds, rss_kb, cpu, records, summary_path, cache_size = sys.argv[1:]
rows, seconds, rss_kb, records = int(rows), float(seconds), int(rss_kb), int(records)
summary = json.load(open(summary_path))
check = "= rows" if records == rows else "MISMATCH"
print(f"cache {mode}: {rows} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s, peak RSS {rss_kb / 1024:.1f} MB, CPU {cpu}; "
      f"{records} records ({check}), complete: {str(summary.get('complete')).lower()}, requests {summary.get('requests')}, "
      f"cache file {cache_size}")
sys.exit(0 if records == rows and summary.get("complete") is True else 1)
PY
  # The output and the cache of a big run take gigabytes: keep only the figures.
  [ -n "${KEEP:-}" ] || rm -rf "$run/out" "$run/cache.sqlite" "$run/cache.sqlite-wal" "$run/cache.sqlite-shm"
done
