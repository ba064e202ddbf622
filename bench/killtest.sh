#!/usr/bin/env bash
# Kill test: TRIALS times (default 10), a ROWS-row job (default 5,000) runs against the
# simulator (100 ms latency, 1% faults), is SIGKILLed at a random moment and run again.
# Each trial checks that the output is a valid gzip holding every row once with the right
# answer, and that the prompts paid twice were in flight at the kill.
# Usage: bench/killtest.sh [TRIALS] [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product promptmill --scratch-path .build-release >&2
exec python3 bench/killtest.py "$PWD/.build-release/release/promptmill" "${1:-10}" "${2:-5000}"
