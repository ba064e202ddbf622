#!/usr/bin/env bash
# Budget test: a ROWS-row job (default 20,000) against the simulator (100 ms latency,
# 32 requests in flight). It measures the job's cost uninterrupted, runs it again with
# budget.max_usd at half that cost (expects exit 3 with the API paid no more than the cap),
# continues it with a larger cap (expects the uninterrupted totals, no prompt paid twice),
# then TRIALS times (default 5) kills a capped run at a random moment and runs it again
# with the same cap: the API must be paid no more than the cap over both runs.
# Usage: bench/budget.sh [ROWS] [TRIALS]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product promptmill --scratch-path .build-release >&2
exec python3 bench/budget.py "$PWD/.build-release/release/promptmill" "${1:-20000}" "${2:-5}"
