#!/usr/bin/env bash
# `promptmill report` of a 1,000,000-row job (issue 17, acceptance 2): the big job of
# bench/bigjob.sh run to the end with --no-cache (ROWS=1000000, its timeline in the job's
# ledger), then its report written RUNS times (default 3). Prints seconds, peak RSS and the
# page's size each time, and the check Chromium makes when it is installed (every chart drawn,
# no error). Needs Chart.js (apt-get install libjs-chart.js).
#   ROWS=N             another size (default 1000000)
#   PROMPTMILL=PATH    this binary instead of a release build
#   SCRATCH=DIR        where the release build goes (default .build-release)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${ROWS:-1000000}
runs=${RUNS:-3}
scratch=${SCRATCH:-.build-release}
if [ -n "${PROMPTMILL:-}" ]; then
  promptmill=$(realpath "$PROMPTMILL")
else
  swift build -c release --product promptmill --scratch-path "$scratch" >&2
  promptmill=$PWD/$scratch/release/promptmill
fi
data=$PWD/bench/data/bigjob-$rows
run=$data/run-off
if [ ! -s "$run/out/results.jsonl.gz.summary.json" ] || [ ! -s "$run/out/results.jsonl.gz" ]; then
  ROWS=$rows CACHE=off KEEP=1 PROMPTMILL=$promptmill bench/bigjob.sh
fi
page=$data/report.html
for i in $(seq "$runs"); do
  /usr/bin/time -v "$promptmill" report "$data/pipeline.yaml" --job-output "$run/out/results.jsonl.gz" --state-dir "$run/state" \
    --output "$page" 2> "$data/report-time.txt" > "$data/report-out.txt"
  seconds=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$data/report-time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$data/report-time.txt")
  bytes=$(stat -c %s "$page")
  printf 'report of %s rows, run %s: %.2f s, peak RSS %s MB, page %.2f MB (%s)\n' "$rows" "$i" "$seconds" "$rss" \
    "$(echo "$bytes / 1048576" | bc -l)" "$(grep -h 'report →' "$data/report-out.txt" "$data/report-time.txt" | head -1)"
done
if command -v chromium >/dev/null; then
  check=$(chromium --headless --no-sandbox --disable-gpu --virtual-time-budget=10000 --dump-dom "file://$page" 2>/dev/null |
    grep -o '<pre id="check">[^<]*' | sed 's/<pre id="check">//')
  echo "chromium: $check"
fi
