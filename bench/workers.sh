#!/usr/bin/env bash
# Many workers, one job (issue 16), against the simulator at 600 RPM / 100,000 TPM with the
# job's state in a private PostgreSQL (scripts/postgres with its own folder and port):
#  1. a 30,000-row completions job (batch_size 20, max_tokens 1: the requests-per-minute
#     limit binds) by one worker, then by three at once: every row once, the same answers,
#     the elapsed time against the bound the simulator's limits allow, 429s of 3 vs 1;
#  2. the same with one of the three SIGKILLed at a seeded random moment: the other two
#     finish, every row once, prompts paid twice against those in flight at the kill;
#  3. a --max-usd cap at half the job's cost: spend over the three ≤ the cap, every worker
#     exits 3; a rerun with a larger cap completes;
#  4. the finished job run again "on another machine" (fresh state dir and cache, the same
#     database): nothing sent.
# Each worker runs in its own network namespace made here (veth pairs to the host; the
# simulator, behind a counting proxy, and PostgreSQL listen on the host side's addresses)
# when `ip netns` works (root), else as plain processes (NETNS=0 forces that).
# Usage: bench/workers.sh   (about 8 minutes after the build; ONLY=1,2 runs those parts;
# SEED=N picks the kill; LATENCY_MS=N the simulator's latency, default 200)
set -euo pipefail
cd "$(dirname "$0")/.."
# PROMPTMILL=PATH runs that binary instead of building one.
if [ -n "${PROMPTMILL:-}" ]; then
  exec python3 bench/workers.py "$(realpath "$PROMPTMILL")"
fi
swift build -c release --product promptmill --scratch-path .build-release >&2
exec python3 bench/workers.py "$PWD/.build-release/release/promptmill"
