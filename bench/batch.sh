#!/usr/bin/env bash
# Half price overnight (issue 15), against the simulator over real HTTP:
#  1. a ROWS-row chat job (default 5,000) live and in mode: batch: the same answers, the cost
#     ratio, the rows by mode;
#  2. five SIGKILLs at random moments of a batch job, each followed by a rerun: batches on
#     the server, rows written, batch lines paid twice;
#  3. 2% of batch lines failing and batches expiring at 70%: every row answered;
#  4. mode: auto with a 10-minute deadline and 20% of flex requests refused for capacity;
#  5. an enqueued-token limit of 200,000 on a job of about 1,000,000 prompt tokens;
#  6. estimate's cost of each way and its plan.
# Usage: bench/batch.sh [ROWS]   (about 13 minutes after the build; ONLY=1,5 runs those parts)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product promptmill --scratch-path .build-release >&2
exec python3 bench/batch.py "$PWD/.build-release/release/promptmill" "${1:-5000}"
