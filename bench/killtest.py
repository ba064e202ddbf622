"""The kill test driven by bench/killtest.sh: see there. Prints one line per trial and a total."""
import collections, gzip, json, os, random, signal, subprocess, sys, time
from simjob import paid_answers, start_server as start_simulator, write_rows

promptmill, trials, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
root = os.path.abspath(f"bench/data/kill-{rows}")
os.makedirs(root, exist_ok=True)
LATENCY = 0.100

write_rows(f"{root}/rows.jsonl", rows, "k")
with open(f"{root}/pipeline.yaml", "w") as out:
    out.write("""name: kill
input: {path: rows.jsonl, id: id}
endpoint: completions
model: gpt-3.5-turbo-instruct
prompt: "Classify the sentiment: {{text}}"
params: {max_tokens: 3, temperature: 0}
batch_size: 20
limits: {max_concurrency: 8, max_retries: 10, timeout_s: 3}
output: {path: out.jsonl.gz, include: [id]}
""")

def start_server(directory, seed, fail_rate, latency_ms):
    return start_simulator(promptmill, directory, seed, fail_rate, latency_ms)

def run_command(directory, base_url):
    return [promptmill, "run", f"{root}/pipeline.yaml", "--base-url", base_url, "--output", f"{directory}/out.jsonl.gz",
            "--cache", f"{directory}/cache.sqlite", "--state-dir", f"{directory}/state", "--progress", "quiet"]

environment = dict(os.environ, OPENAI_API_KEY="sk-kill-test")

# The right answers: one clean run (no faults, no latency) of the same rows.
reference_dir = f"{root}/reference"
subprocess.run(["rm", "-rf", reference_dir], check=True)
os.makedirs(reference_dir)
server, base_url = start_server(reference_dir, 1, 0, 0)
started = time.time()
subprocess.run(run_command(reference_dir, base_url), env=environment, check=True, stderr=subprocess.DEVNULL)
server.terminate(); server.wait()
with gzip.open(f"{reference_dir}/out.jsonl.gz", "rt") as f:
    reference = {r["id"]: r["output"] for r in map(json.loads, f)}
assert len(reference) == rows, len(reference)

# How long an uninterrupted run takes at 100 ms latency, to spread the kills over it.
timing_dir = f"{root}/timing"
subprocess.run(["rm", "-rf", timing_dir], check=True)
os.makedirs(timing_dir)
server, base_url = start_server(timing_dir, 2, 0.01, int(LATENCY * 1000))
started = time.time()
subprocess.run(run_command(timing_dir, base_url), env=environment, check=True, stderr=subprocess.DEVNULL)
full_run = time.time() - started
server.terminate(); server.wait()
print(f"uninterrupted run: {full_run:.2f} s for {rows} rows")

random.seed(2026)
failures = 0
totals = collections.Counter()
for trial in range(1, trials + 1):
    directory = f"{root}/trial-{trial}"
    subprocess.run(["rm", "-rf", directory], check=True)
    os.makedirs(directory)
    server, base_url = start_server(directory, 100 + trial, 0.01, int(LATENCY * 1000))
    job = subprocess.Popen(run_command(directory, base_url), env=environment, stderr=subprocess.DEVNULL)
    time.sleep(random.uniform(0.05, 0.95) * full_run)
    kill_time = time.time()
    job.send_signal(signal.SIGKILL)
    job.wait()
    try:
        with gzip.open(f"{directory}/out.jsonl.gz", "rb") as f:
            at_kill = f.read().count(b"\n")
        state_at_kill = f"valid gzip, {at_kill} records"
    except (OSError, EOFError) as error:
        state_at_kill = f"cut mid-member ({type(error).__name__})"
    time.sleep(LATENCY + 0.3)  # let the simulator answer what was in flight (to a dead client)
    rerun_start = time.time()
    rerun = subprocess.run(run_command(directory, base_url), env=environment, stderr=subprocess.PIPE, text=True)
    server.terminate(); server.wait()

    problems = []
    if rerun.returncode != 0:
        problems.append(f"rerun exit {rerun.returncode}: {rerun.stderr.strip()[-300:]}")
    try:
        with gzip.open(f"{directory}/out.jsonl.gz", "rt") as f:
            records = [json.loads(line) for line in f]
    except Exception as error:  # noqa: BLE001 - any failure to read is the finding
        records = []
        problems.append(f"output unreadable: {error}")
    ids = collections.Counter(r["id"] for r in records)
    if len(records) != rows or len(ids) != rows:
        problems.append(f"{len(records)} records, {len(ids)} distinct ids (want {rows})")
    wrong = sum(1 for r in records if reference.get(r["id"]) != r["output"])
    if wrong:
        problems.append(f"{wrong} wrong answers")

    paid = [(entry["t"], entry["texts"]) for entry in paid_answers(directory)]
    counts = collections.Counter(text for _, texts in paid for text in texts)
    paid_twice = {text for text, n in counts.items() if n > 1}
    # In flight at the kill: requests the server took in (and logged) no earlier than one
    # latency, plus a little slack, before the kill, and before the rerun began; their
    # answers had not reached the client, or had only just, when it died.
    in_flight = {text for t, texts in paid if kill_time - LATENCY - 0.05 <= t < rerun_start for text in texts}
    extra = sum(n - 1 for n in counts.values() if n > 1)
    if not paid_twice <= in_flight:
        problems.append(f"{len(paid_twice - in_flight)} prompts paid twice that were not in flight at the kill")
    if len(counts) != rows:
        problems.append(f"{len(counts)} distinct prompts paid (want {rows})")
    totals["paid_twice"] += extra
    totals["in_flight"] += len(in_flight)
    verdict = "ok" if not problems else "FAIL: " + "; ".join(problems)
    failures += bool(problems)
    print(f"trial {trial:2}: at kill {state_at_kill}; rerun exit {rerun.returncode}; {len(records)} records, "
          f"{len(ids)} distinct; paid twice {extra} prompts, in flight at kill {len(in_flight)}; {verdict}")

print(f"kill test: {trials - failures}/{trials} trials ok; prompts paid twice {totals['paid_twice']} in all, "
      f"in flight at the kills {totals['in_flight']} in all")
sys.exit(1 if failures else 0)
