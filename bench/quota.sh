#!/usr/bin/env bash
# Chat jobs at real latency with nothing tuned (no max_concurrency): a pipeline whose limits
# are twice the account's, beside the same job with the right limits; then 1,500 rows at
# 600 RPM, 3,000 and 12,000 rows at 6,000 RPM, answering in 2 s. Prints elapsed time against the
# bound the quota allows and the share of 429s, and the 3,000-row jobs against the latency plus
# the time the same rows take answered at once on this machine (about 5 minutes).
# Usage: bench/quota.sh [limits|latency|large]
# BENCH_TRACE=1 prints the simulator's served count every half second (where a run idles).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product promptmill-bench --scratch-path .build-release >&2
.build-release/release/promptmill-bench quota "$@"
