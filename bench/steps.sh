#!/usr/bin/env bash
# Streamed steps: the three-step sample (2,400 reviews: moderations → chat → completions,
# each on its own model) against the simulator with limits per model at 600 RPM / 40,000 TPM
# (200 ms latency), the pipeline's limits the same, a fresh cache and state. Prints the job's
# time, each step's requests, reserved tokens and bound, the largest bound and the sum of
# the bounds (what a pass-by-pass run needs at best). With PROMPTMILL_COMPARE=PATH (another
# promptmill binary, e.g. a build of an older commit) the same job runs with it too.
# Several minutes per run. Usage: [PROMPTMILL_COMPARE=PATH] bench/steps.sh [--latency-ms N]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product promptmill-bench --scratch-path .build-release >&2
swift build -c release --product promptmill --scratch-path .build-release >&2
exec .build-release/release/promptmill-bench steps --promptmill "$PWD/.build-release/release/promptmill" "$@"
