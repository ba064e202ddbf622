#!/usr/bin/env bash
# A ~105,000-token job against the built-in simulator at 600 RPM / 40,000 TPM: with the
# pipeline's limits set to the same, then with none (learned from the headers). Prints the
# elapsed time against the bound and the share of 429s (about 5 minutes); then what a run
# survives: the fault mix, an exhausted quota, a batch with one over-long prompt.
# Usage: bench/ratelimit.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product promptmill-bench --scratch-path .build-release >&2
.build-release/release/promptmill-bench ratelimit "$@"
.build-release/release/promptmill-bench failures
