#!/usr/bin/env bash
# `promptmill export` of a finished job's output joined back to its input, at two sizes, to
# show rows/s and that memory does not grow with rows: the output's records come in
# scrambled (completion) order, 1% of the rows are pending. Prints rows/s and peak RSS for
# CSV and JSONL, and checks the CSV with Python's csv module.
# Usage: bench/export.sh [ROWS...] (default: 100000 1000000); SCRATCH=DIR picks the build folder,
# PROMPTMILL=PATH runs that binary instead of building one.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=${SCRATCH:-.build-release}
if [ -n "${PROMPTMILL:-}" ]; then
  bin=$(realpath "$PROMPTMILL")
else
  swift build -c release --product promptmill --scratch-path "$scratch" >&2
  bin=$scratch/release/promptmill
fi
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100000 1000000)
for rows in "${sizes[@]}"; do
  data=bench/data/export-$rows
  [ -s "$data/out.jsonl.gz" ] || python3 bench/export_data.py "$data" "$rows"
  for format in csv jsonl; do
    log=$data/time-$format.txt
    /usr/bin/time -v "$bin" export "$data/pipeline.yaml" --format "$format" --output "$data/export.$format" 2>"$log"
    seconds=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$log")
    rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$log")
    printf '%s rows, %s: %.2f s, %.0f rows/s, peak RSS %s MB (%s)\n' "$rows" "$format" "$seconds" "$(echo "$rows / $seconds" | bc -l)" \
      "$rss" "$(grep ' rows → ' "$log")"
  done
  python3 - "$data" "$rows" <<'PY'
import csv, sys
folder, rows = sys.argv[1], int(sys.argv[2])
with open(folder + "/export.csv", newline="") as f:
    read = csv.DictReader(f)
    count = 0
    for number, row in enumerate(read, 1):
        assert row["review_id"] == "r-%d" % number, (number, row["review_id"])
        assert row["status"] == ("pending" if number % 100 == 0 else "failed" if number % 250 == 0 else "succeeded"), row
        count += 1
assert count == rows, count
print("%d rows read back by Python's csv module, in input order, every status as generated" % count)
PY
done
