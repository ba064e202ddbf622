"""Issue 15's figures, driven by bench/batch.sh: see there. Prints one line per figure."""
import collections, gzip, json, os, random, signal, sqlite3, subprocess, sys, time, urllib.request
from simjob import free_port, write_rows

promptmill, rows = sys.argv[1], int(sys.argv[2])
root = os.path.abspath("bench/data/batch")
subprocess.run(["rm", "-rf", root], check=True)
os.makedirs(root)
environment = dict(os.environ, OPENAI_API_KEY="sk-batch-bench")
write_rows(f"{root}/rows.jsonl", rows, "b")


def pipeline(name, mode, extra="", rows_file="rows.jsonl", model="gpt-5-mini"):
    path = f"{root}/{name}.yaml"
    with open(path, "w") as out:
        out.write(f"""name: {name}
input: {{path: {rows_file}, id: id}}
endpoint: chat
model: {model}
messages:
  - {{role: user, content: "Label the sentiment of this review: {{{{text}}}}"}}
params: {{max_completion_tokens: 16}}
mode: {mode}
{extra}
output: {{path: {name}.jsonl.gz, include: [id]}}
""")
    return path


def start_server(directory, *flags):
    port = free_port()
    os.makedirs(directory, exist_ok=True)
    server = subprocess.Popen([promptmill, "mock-server", "--port", str(port), "--paid-log", f"{directory}/paid.jsonl", *flags],
                              stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=0.2)
            break
        except Exception as error:
            if hasattr(error, "code"):
                break
            time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}/v1"


def run(path, base_url, directory, *extra, check=True):
    command = [promptmill, "run", path, "--base-url", base_url, "--cache", f"{directory}/cache.sqlite",
               "--state-dir", f"{directory}/state", "--output", f"{directory}/out.jsonl.gz", "--progress", "quiet", *extra]
    started = time.time()
    done = subprocess.run(command, env=environment, stderr=subprocess.PIPE, text=True)
    if check and done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}: {done.stderr[-2000:]}")
    return done, time.time() - started


def records(directory):
    with gzip.open(f"{directory}/out.jsonl.gz", "rt") as f:
        return [json.loads(line) for line in f]


def summary(directory):
    with open(f"{directory}/out.jsonl.gz.summary.json") as f:
        return json.load(f)


def paid(directory):
    with open(f"{directory}/paid.jsonl") as f:
        return [json.loads(line) for line in f]


def batches(base_url):
    request = urllib.request.Request(base_url + "/batches?limit=100", headers={"Authorization": "Bearer x"})
    listed, after = [], None
    while True:
        url = base_url + "/batches?limit=100" + (f"&after={after}" if after else "")
        page = json.load(urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": "Bearer x"})))
        listed += page["data"]
        if not page.get("has_more"):
            return listed
        after = page["last_id"]


def answers(directory):
    return {r["id"]: r["output"] for r in records(directory)}


only = set(os.environ.get("ONLY", "1,2,3,4,5,6").split(","))

# 1. The same job live and by batch: the same answers, half the cost.
if "1" in only or "2" in only or "4" in only:
    live_dir, batch_dir = f"{root}/live", f"{root}/batch"
    server, url = start_server(live_dir, "--rpm", "30000", "--tpm", "10000000")
    _, live_seconds = run(pipeline("job", "live"), url, live_dir)
    server.terminate(); server.wait()
    server, url = start_server(batch_dir, "--batch-seconds", "5")
    _, batch_seconds = run(pipeline("job", "batch"), url, batch_dir)
    server.terminate(); server.wait()
    live_summary, batch_summary = summary(live_dir), summary(batch_dir)
    same = answers(live_dir) == answers(batch_dir)
    print(f"1. {rows} rows chat gpt-5-mini: batch answers equal live: {same} ({len(answers(batch_dir))} records); "
          f"cost live ${live_summary['cost_usd']} batch ${batch_summary['cost_usd']} "
          f"(ratio {batch_summary['cost_usd'] / live_summary['cost_usd']:.12f}); by_mode batch rows "
          f"{batch_summary['by_mode']['batch']['rows']}, standard {batch_summary['by_mode']['standard']['rows']}, "
          f"flex {batch_summary['by_mode']['flex']['rows']}; {batch_seconds:.1f} s with --batch-seconds 5")

# 2. SIGKILL at random moments; the rerun creates no second batch, every row once, no line paid twice.
if "2" in only:
    # A calibration run times the phases from its progress notes: the batch is submitted (file
    # written, uploaded, created, recorded) at `submitted`, and the run ends at `ended`.
    def timed_run(directory, url, path):
        command = [promptmill, "run", path, "--base-url", url, "--cache", f"{directory}/cache.sqlite", "--state-dir", f"{directory}/state",
                   "--output", f"{directory}/out.jsonl.gz", "--progress", "plain"]
        return subprocess.Popen(command, env=environment, stderr=subprocess.PIPE, text=True)


    directory = f"{root}/kill-timing"
    server, url = start_server(directory, "--batch-seconds", "4")
    started = time.time()
    job = timed_run(directory, url, pipeline("job", "batch"))
    submitted = None
    for line in job.stderr:
        if submitted is None and "submitted" in line:
            submitted = time.time() - started
    job.wait()
    ended = time.time() - started
    server.terminate(); server.wait()
    print(f"2. uninterrupted batch run: batch submitted at {submitted:.2f} s, done at {ended:.2f} s")
    random.seed(2026)
    moments = [random.uniform(0.3, 0.9) * submitted, random.uniform(0.9, 1.0) * submitted,
               submitted + random.uniform(0.1, 0.5) * (ended - submitted), submitted + random.uniform(0.5, 0.9) * (ended - submitted),
               ended - random.uniform(0.0, 0.1) * (ended - submitted)]
    for trial, moment in enumerate(moments, 1):
        directory = f"{root}/kill-{trial}"
        server, url = start_server(directory, "--batch-seconds", "4", "--seed", str(trial))
        path = pipeline("job", "batch")
        job = timed_run(directory, url, path)
        time.sleep(moment)
        job.send_signal(signal.SIGKILL)
        job.wait()
        ledger = f"{directory}/state/job.ledger.sqlite"
        phase = "before the batch was recorded"
        if os.path.exists(ledger):
            with sqlite3.connect(ledger) as db:
                row = db.execute("SELECT input_file_id, batch_id, status, collected FROM batches").fetchone() if \
                    db.execute("SELECT name FROM sqlite_master WHERE name = 'batches'").fetchone() else None
            if row:
                input_file, batch_id, status, collected = row
                phase = "uploading" if input_file is None else "creating" if batch_id is None else \
                    "collected" if collected else "collecting" if status == "completed" else f"polling ({status})"
        created_before = len(batches(url))
        done, _ = run(path, url, directory, check=False)
        listed = batches(url)
        out = records(directory) if os.path.exists(f"{directory}/out.jsonl.gz") else []
        ids = collections.Counter(r["id"] for r in out)
        lines = collections.Counter(p.get("custom_id") for p in paid(directory) if p.get("batch"))
        live_paid = sum(1 for p in paid(directory) if not p.get("batch"))
        twice = sum(count - 1 for count in lines.values() if count > 1)
        print(f"2. kill {trial} at {moment:.2f} s ({phase}): rerun exit {done.returncode}; batches on the server {len(listed)} "
              f"(before the rerun {created_before}); records {len(out)}, distinct ids {len(ids)}, right answers "
              f"{sum(1 for r in out if answers(live_dir).get(r['id']) == r['output'])}; lines paid twice {twice}; live requests {live_paid}")
        server.terminate(); server.wait()

# 3. 2% of lines failing and batches expiring at 70%: every row answered.
if "3" in only:
    directory = f"{root}/faults"
    server, url = start_server(directory, "--batch-seconds", "2", "--batch-line-failures", "0.02", "--batch-expire-at", "0.7")
    _, seconds = run(pipeline("job", "batch"), url, directory)
    out = records(directory)
    listed = batches(url)
    paid_lines = [p for p in paid(directory) if p.get("batch")]
    print(f"3. 2% failing lines, expiry at 70%: {len(out)} records, errors {sum(1 for r in out if r['error'])}, "
          f"batches {len(listed)} ({collections.Counter(b['status'] for b in listed)}), lines paid {len(paid_lines)}, "
          f"live requests {sum(1 for p in paid(directory) if not p.get('batch'))}, {seconds:.1f} s")
    server.terminate(); server.wait()

# 4. mode auto, deadline shorter than the batch window, 20% of flex requests "resource unavailable".
if "4" in only:
    directory = f"{root}/flex"
    server, url = start_server(directory, "--flex-unavailable", "0.2", "--rpm", "30000", "--tpm", "10000000", "--latency-ms", "50")
    deadline = 600
    done, seconds = run(pipeline("job", "auto", f"deadline: {deadline}s"), url, directory)
    s = summary(directory)
    print(f"4. auto, deadline {deadline} s, 20% flex unavailable: finished in {seconds:.1f} s (met: {seconds < deadline}); "
          f"flex rows {s['by_mode']['flex']['rows']} (${s['by_mode']['flex']['cost_usd']}), standard rows {s['by_mode']['standard']['rows']} "
          f"(${s['by_mode']['standard']['cost_usd']}), switched {s['switched_to_standard']}, flex 429s {s['flex_unavailable']}; "
          f"cost ${s['cost_usd']} vs ${live_summary['cost_usd']} all standard")
    server.terminate(); server.wait()

# 5. An enqueued-token limit of 200,000 on a job of about 1,000,000 prompt tokens.
if "5" in only:
    long_rows = f"{root}/long.jsonl"
    with open(long_rows, "w") as out:
        for n in range(1, 5001):
            text = f"row {n}: " + " ".join(f"word{(n * 31 + k) % 997}" for k in range(95))
            out.write(json.dumps({"id": f"l{n}", "text": text}) + "\n")
    directory = f"{root}/queue"
    server, url = start_server(directory, "--batch-seconds", "2", "--batch-queue-tokens", "200000")
    done, seconds = run(pipeline("queue", "batch", rows_file="long.jsonl"), url, directory)
    out = records(directory)
    listed = batches(url)
    s = summary(directory)
    print(f"5. queue limit 200,000 tokens, job of {s['prompt_tokens']} prompt tokens: {len(out)} records, "
          f"batches {len(listed)} ({collections.Counter(b['status'] for b in listed)}), complete {s['complete']}, {seconds:.1f} s")
    server.terminate(); server.wait()

# 6. estimate: standard, flex and batch costs and the plan.
if "6" in only:
    estimate = subprocess.run([promptmill, "estimate", pipeline("job", "auto", "deadline: 8h"), "--json", "--no-cache"],
                              env=environment, capture_output=True, text=True)
    e = json.loads(estimate.stdout)
    print(f"6. estimate --json: cost_usd_by_mode {json.dumps(e.get('cost_usd_by_mode'))}; plan {json.dumps(e.get('plan'))}")

