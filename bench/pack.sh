#!/usr/bin/env bash
# Many rows per request: 20,000 short rows classified through the Responses API with a JSON
# schema, simulator at 500 RPM and 2,000,000 TPM answering in 0.5 s, with pack: 20; the
# same job unpacked on a 1,000-row slice (its whole bound, 39 min, is printed instead of run),
# and each slice row's answer compared packed and alone (about 3 minutes).
# Usage: bench/pack.sh [ROWS] [SLICE]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product promptmill-bench --scratch-path .build-release >&2
.build-release/release/promptmill-bench pack "$@"
