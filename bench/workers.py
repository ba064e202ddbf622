"""Issue 16's figures, driven by bench/workers.sh: see there. Prints one line per figure and
exits 1 when a check fails (the failed checks are listed at the end)."""
import asyncio, atexit, collections, gzip, json, os, random, shlex, signal, subprocess, sys, threading, time
from decimal import Decimal
from simjob import free_port

promptmill = sys.argv[1]
ROWS, RPM, TPM, BATCH = int(os.environ.get("ROWS", "30000")), 600, 100_000, 20
LATENCY_MS = int(os.environ.get("LATENCY_MS", "200"))
SEED = int(os.environ.get("SEED", "16"))
ONLY = set(os.environ.get("ONLY", "1,2,3,4").split(","))
# gpt-3.5-turbo-instruct at $1.50 and $2.00 per 1M tokens (set in the pipeline), in picodollars per token.
INPUT_PRICE, OUTPUT_PRICE = 1_500_000, 2_000_000
root = os.path.abspath("bench/data/workers")
os.makedirs(root, exist_ok=True)
environment = dict(os.environ, OPENAI_API_KEY="sk-workers-bench")
failures = []
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def say(line):
    print(line, flush=True)


def check(condition, what):
    if not condition:
        failures.append(what)
    return condition


# The job: 30,000 short distinct prompts ("Echo 12345": 3 to 4 tokens) and max_tokens 1, so that
# 1,500 requests of 20 prompts take about 150,000 tokens and the requests-per-minute limit binds.
rows_text = "".join(json.dumps({"id": f"w{n}", "text": str(n)}) + "\n" for n in range(1, ROWS + 1))
rows_path = f"{root}/rows.jsonl"
if not os.path.exists(rows_path) or open(rows_path).read() != rows_text:
    with open(rows_path, "w") as out:
        out.write(rows_text)
PIPELINE = f"{root}/pipeline.yaml"
pipeline_text = f"""name: workers16
input: {{path: rows.jsonl, id: id}}
endpoint: completions
model: gpt-3.5-turbo-instruct
prompt: "Echo {{{{text}}}}"
params: {{max_tokens: 1, temperature: 0}}
batch_size: {BATCH}
limits: {{requests_per_minute: {RPM}, tokens_per_minute: {TPM}}}
pricing:
  gpt-3.5-turbo-instruct: {{input: 1.50, output: 2.00}}
output: {{path: out.jsonl.gz, include: [id]}}
"""
if not os.path.exists(PIPELINE) or open(PIPELINE).read() != pipeline_text:
    with open(PIPELINE, "w") as out:
        out.write(pipeline_text)


# --- A counting proxy in front of the simulator: every request with its client address, its
# prompts, when it was sent and answered and the status, as the API side saw them. ---------

class Proxy:
    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.entries = []
        self.connections = collections.Counter()
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.server = asyncio.run_coroutine_threadsafe(asyncio.start_server(self.handle, "0.0.0.0", 0), self.loop).result()
        self.port = self.server.sockets[0].getsockname()[1]

    def close(self):
        async def stop():
            self.server.close()
        asyncio.run_coroutine_threadsafe(stop(), self.loop).result()

    @staticmethod
    async def read_message(reader, response=False, method=b"POST"):
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        headers = {}
        for line in lines[1:]:
            if b":" in line:
                key, value = line.split(b":", 1)
                headers[key.strip().lower()] = value.strip()
        status = int(lines[0].split(b" ")[1]) if response else None
        if response and (method == b"HEAD" or status in (204, 304) or 100 <= status < 200):
            return head, b"", b"", status
        if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
            raw, body = bytearray(), bytearray()
            while True:
                size_line = await reader.readuntil(b"\r\n")
                size = int(size_line.split(b";")[0].strip(), 16)
                chunk = await reader.readexactly(size + 2)
                raw += size_line + chunk
                body += chunk[:-2]
                if size == 0:
                    return head, bytes(raw), bytes(body), status
        if b"content-length" in headers:
            body = await reader.readexactly(int(headers[b"content-length"]))
            return head, body, body, status
        if response:
            body = await reader.read()
            return head, body, body, status
        return head, b"", b"", status

    @staticmethod
    def prompts(body):
        try:
            prompt = json.loads(body).get("prompt")
        except Exception:
            return 0
        return len(prompt) if isinstance(prompt, list) else 1 if prompt is not None else 0

    async def handle(self, client_reader, client_writer):
        ip = client_writer.get_extra_info("peername")[0]
        self.connections[ip] += 1
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            client_writer.close()
            return
        try:
            while True:
                try:
                    head, raw, body, _ = await self.read_message(client_reader)
                except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
                    break
                method = head.split(b" ", 1)[0]
                entry = {"ip": ip, "path": head.split(b" ")[1].decode(), "sent": time.time(), "answered": None,
                         "status": None, "prompts": self.prompts(body)}
                self.entries.append(entry)
                upstream_writer.write(head + raw)
                await upstream_writer.drain()
                try:
                    rhead, rraw, _, status = await self.read_message(upstream_reader, True, method)
                except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
                    entry["status"] = "dropped"
                    break
                entry["status"], entry["answered"] = status, time.time()
                try:
                    client_writer.write(rhead + rraw)
                    await client_writer.drain()
                except ConnectionError:
                    break
        finally:
            for writer in (client_writer, upstream_writer):
                try:
                    writer.close()
                except Exception:
                    pass

    def requests(self, ip=None):
        return [e for e in list(self.entries) if ip is None or e["ip"] == ip]

    def statuses(self, ip=None):
        return collections.Counter(e["status"] for e in self.requests(ip))

    def peak_in_flight(self, ip=None):
        events = []
        for e in self.requests(ip):
            events.append((e["sent"], 1))
            events.append((e["answered"] if e["answered"] is not None else float("inf"), -1))
        peak = level = 0
        for _, step in sorted(events, key=lambda event: (event[0], event[1])):
            level += step
            peak = max(peak, level)
        return peak


# --- Network namespaces: worker i runs in pm16w{i}, reaching the host at 10.216.i.1. -------

NAMESPACES = 4
netns = os.environ.get("NETNS", "1") != "0"


def sh(*command, check=True, **options):
    return subprocess.run(list(command), check=check, capture_output=True, text=True, **options)


SERVICE = "10.216.0.1"


def netns_down():
    sh("ip", "addr", "del", f"{SERVICE}/32", "dev", "lo", check=False)
    for i in range(1, NAMESPACES + 1):
        sh("ip", "netns", "del", f"pm16w{i}", check=False)
        sh("ip", "link", "del", f"pm16h{i}", check=False)


def netns_up():
    """Namespace i reaches the host over a veth pair (10.216.i.2 to 10.216.i.1) and, through its
    default route, the host's service address 10.216.0.1 (on lo), where the simulator's proxy
    and PostgreSQL listen: every worker uses the same URLs, as machines pointing at one API and
    one database do (the shared rate buckets are keyed by the base URL), and each worker's
    requests reach the proxy from its own address."""
    netns_down()
    sh("ip", "addr", "add", f"{SERVICE}/32", "dev", "lo")
    for i in range(1, NAMESPACES + 1):
        ns, host, inner = f"pm16w{i}", f"pm16h{i}", f"pm16n{i}"
        sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", host, "type", "veth", "peer", "name", inner)
        sh("ip", "link", "set", inner, "netns", ns)
        sh("ip", "addr", "add", f"10.216.{i}.1/24", "dev", host)
        sh("ip", "link", "set", host, "up")
        sh("ip", "-n", ns, "addr", "add", f"10.216.{i}.2/24", "dev", inner)
        sh("ip", "-n", ns, "link", "set", inner, "up")
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "-n", ns, "route", "add", "default", "via", f"10.216.{i}.1")


if netns:
    try:
        netns_up()
        atexit.register(netns_down)
    except (subprocess.CalledProcessError, FileNotFoundError) as error:
        netns_down()
        netns = False
        say(f"network namespaces unavailable ({getattr(error, 'stderr', error)!s}); running the workers as plain processes")


def host_of(i):
    return SERVICE if netns else "127.0.0.1"


def client_ip(i):
    return f"10.216.{i}.2" if netns else "127.0.0.1"


def prefix(i):
    return ["ip", "netns", "exec", f"pm16w{i}"] if netns else []


# --- PostgreSQL: scripts/postgres with a folder and port of this benchmark's own. ---------

pg_env = dict(os.environ, PROMPTMILL_PG_DIR=os.environ.get("WORKERS_PG_DIR", "/tmp/promptmill-pg-workers16"),
              PROMPTMILL_PG_PORT=os.environ.get("WORKERS_PG_PORT", "55416"))
pg_port = pg_env["PROMPTMILL_PG_PORT"]


def postgres(action):
    return sh("scripts/postgres", action, env=pg_env)


def psql(sql, database="promptmill"):
    done = sh("psql", f"postgres://postgres@127.0.0.1:{pg_port}/{database}?sslmode=disable", "-v", "ON_ERROR_STOP=1", "-tAc", sql,
              check=False)
    if done.returncode != 0:
        raise RuntimeError(f"psql: {done.stderr.strip()}")
    return done.stdout.strip()


postgres("stop")
postgres("start")
atexit.register(lambda: postgres("stop"))
wanted = "127.0.0.1,10.216.0.1" if netns else "127.0.0.1"
if psql("SHOW listen_addresses") != wanted:
    psql(f"ALTER SYSTEM SET listen_addresses = '{wanted}'")
    hba = psql("SHOW hba_file")
    if "10.216.0.0/16" not in open(hba).read():
        with open(hba, "a") as out:
            out.write("host all all 10.216.0.0/16 trust\n")
    postgres("stop")
    postgres("start")
say(f"PostgreSQL: scripts/postgres with PROMPTMILL_PG_DIR={pg_env['PROMPTMILL_PG_DIR']} PROMPTMILL_PG_PORT={pg_port}, "
    f"listening on {psql('SHOW listen_addresses')}; workers: {'one network namespace each (pm16wN: 10.216.N.2, a veth to the host at 10.216.N.1, the route to 10.216.0.1 where the proxy and PostgreSQL listen)' if netns else 'plain processes'}")


def fresh_database(name):
    psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    psql(f"CREATE DATABASE {name}")


def state_url(database, i):
    return f"postgres://postgres@{host_of(i)}:{pg_port}/{database}?sslmode=disable"


# --- The simulator, behind the proxy. ------------------------------------------------------

class Simulator:
    def __init__(self, directory):
        os.makedirs(directory, exist_ok=True)
        self.paid_log = f"{directory}/paid.jsonl"
        port = free_port()
        self.command = [promptmill, "mock-server", "--port", str(port), "--rpm", str(RPM), "--tpm", str(TPM),
                        "--latency-ms", str(LATENCY_MS), "--paid-log", self.paid_log]
        self.process = subprocess.Popen(self.command, stderr=subprocess.DEVNULL)
        import socket
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise SystemExit("the simulator did not start")
        self.proxy = Proxy(port)

    def url(self, i):
        return f"http://{host_of(i)}:{self.proxy.port}/v1"

    def paid(self):
        with open(self.paid_log) as f:
            return [json.loads(line) for line in f if line.strip()]

    def stop(self):
        self.proxy.close()
        with open(os.path.join(os.path.dirname(self.paid_log), "requests.jsonl"), "w") as out:
            for entry in self.proxy.requests():
                out.write(json.dumps(entry) + "\n")
        self.process.terminate()
        self.process.wait()


simulators = []
atexit.register(lambda: [s.process.kill() for s in simulators if s.process.poll() is None])


def simulator(directory):
    s = Simulator(directory)
    simulators.append(s)
    return s


# --- Workers. -------------------------------------------------------------------------------

class Worker:
    def __init__(self, i, part, sim, database, extra=(), name=None):
        self.i = i
        self.directory = f"{part}/{name or f'w{i}'}"
        os.makedirs(self.directory, exist_ok=True)
        self.command = prefix(i) + [promptmill, "run", PIPELINE, "--state", state_url(database, i), "--base-url", sim.url(i),
                                    "--output", f"{part}/shared/out.jsonl.gz", "--state-dir", f"{self.directory}/state",
                                    "--cache", f"{self.directory}/cache.sqlite", "--progress", "quiet", *extra]
        self.stderr = open(f"{self.directory}/stderr.txt", "w")
        self.started = time.time()
        self.process = subprocess.Popen(self.command, env=environment, stdout=self.stderr, stderr=self.stderr)
        self.ended = None

    def wait(self, timeout=900):
        try:
            code = self.process.wait(timeout=max(1, timeout - (time.time() - self.started)))
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
            failures.append(f"worker {self.i} in {self.directory} ran over {timeout} s and was killed")
        self.ended = self.ended or time.time()
        self.stderr.close()
        return code

    def tail(self):
        with open(f"{self.directory}/stderr.txt") as f:
            return f.read()[-1500:].strip().replace("\n", " | ")


def run_all(workers):
    """Waits for every worker, noting each one's end as it comes; returns the exit codes."""
    pending = {w.i: w for w in workers}
    while pending:
        for i, w in list(pending.items()):
            if w.process.poll() is not None:
                w.ended = time.time()
                w.wait()
                del pending[i]
        time.sleep(0.05)
    return [w.process.returncode for w in workers]


def show_command(w, what):
    say(f"   command ({what}): {shlex.join(w.command)}")


def records(path):
    with gzip.open(path, "rt") as f:
        return [json.loads(line) for line in f]


def output_figures(path, reference):
    """(records, distinct ids, errors, answers equal to the reference, the check passed)."""
    if not os.path.exists(path):
        return 0, 0, 0, 0, False, "no output file"
    out = records(path)
    ids = collections.Counter(r["id"] for r in out)
    errors = sum(1 for r in out if r.get("error"))
    right = sum(1 for r in out if reference is not None and reference.get(r["id"]) == r.get("output"))
    complete = len(out) == ROWS and len(ids) == ROWS and set(ids) == {f"w{n}" for n in range(1, ROWS + 1)}
    return len(out), len(ids), errors, right, complete, ""


def describe_output(label, path, reference):
    count, distinct, errors, right, complete, missing = output_figures(path, reference)
    if missing:
        say(f"{label}: {missing} at {path}")
        check(False, f"{label}: {missing}")
        return
    answers = f"answers equal to the one-worker run's {right}/{count}" if reference is not None else "no one-worker run to compare answers with"
    say(f"{label}: records {count}, distinct ids {distinct} (every row of {ROWS} exactly once: {complete}), errors {errors}; {answers}")
    check(complete, f"{label}: not every row exactly once")
    check(errors == 0, f"{label}: {errors} error records")
    if reference is not None:
        check(right == count == ROWS, f"{label}: answers differ from the one-worker run's")


def summary_of(path):
    try:
        with open(path + ".summary.json") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def priced(entries):
    return sum(e["prompt_tokens"] * INPUT_PRICE + e["completion_tokens"] * OUTPUT_PRICE for e in entries)


def dollars(pico):
    return f"${Decimal(pico) / 10**12:.9f}"


def paid_twice(paid):
    counts = collections.Counter(text for entry in paid for text in entry["texts"])
    return sum(1 for c in counts.values() if c > 1), sum(c - 1 for c in counts.values() if c > 1), len(counts)


def run_rows(database):
    """Each worker run of the job as the database has it: id, pid, requests, rate_limited, outcome."""
    try:
        lines = psql("SELECT id, pid, requests, rate_limited, coalesce(outcome, '') FROM runs ORDER BY id", database)
    except RuntimeError as error:
        return str(error)
    return [dict(zip(["id", "pid", "requests", "rate_limited", "outcome"], line.split("|"))) for line in lines.splitlines()]


peer_answers_path = f"{root}/peer-answers-{ROWS}.json"
peer_answers = json.load(open(peer_answers_path)) if os.path.exists(peer_answers_path) else None
peer_summary_path = f"{root}/peer-summary-{ROWS}.json"
peer_summary = json.load(open(peer_summary_path)) if os.path.exists(peer_summary_path) else None
three_elapsed = None

# --- estimate: requests, tokens as the simulator counts them, min_seconds. -------------------
estimate = json.loads(subprocess.run([promptmill, "estimate", PIPELINE, "--json", "--no-cache"], env=environment,
                                     capture_output=True, text=True, check=True).stdout)
planned_requests = estimate["requests"]
sim_tokens = estimate["prompt_tokens"] + estimate["completion_tokens_max"]
# The simulator's buckets start full and refill continuously (SimulatorLimits.swift): the
# first RPM requests go at once, the rest at RPM/60 a second; its token cost per request is
# the prompt tokens plus max_tokens per prompt. The last admission is at (N - RPM)/(RPM/60),
# and its answer comes LATENCY_MS later.
rpm_bound = max(0, planned_requests - RPM) / (RPM / 60)
tpm_bound = max(0, sim_tokens - TPM) / (TPM / 60)
bound = max(rpm_bound, tpm_bound) + LATENCY_MS / 1000
say(f"estimate --json --no-cache: {planned_requests} requests, {estimate['prompt_tokens']} prompt tokens + "
    f"{estimate['completion_tokens_max']} completion tokens at most = {sim_tokens} tokens as the simulator counts them "
    f"(TPM {TPM}: under the bound: {sim_tokens <= TPM + TPM / 60 * rpm_bound}), min_seconds {estimate['min_seconds']}, "
    f"cost ${estimate['cost_usd_min']}..${estimate['cost_usd_max']}")
say(f"bound the simulator allows (buckets start full; SimulatorLimits.swift): requests ({planned_requests} - {RPM}) / {RPM / 60:g} per s "
    f"= {rpm_bound:.1f} s, tokens ({sim_tokens} - {TPM}) / {TPM / 60:.1f} per s = {tpm_bound:.1f} s; "
    f"the larger + {LATENCY_MS} ms latency = {bound:.1f} s")
say(f"   command (estimate): {shlex.join([promptmill, 'estimate', PIPELINE, '--json', '--no-cache'])}")
say(f"   command (simulator): {promptmill} mock-server --port P --rpm {RPM} --tpm {TPM} --latency-ms {LATENCY_MS} --paid-log DIR/paid.jsonl "
    f"(behind a counting proxy on 0.0.0.0)")


def three_workers(part, database, extra=(), label="3 workers"):
    """Starts a fresh simulator and three workers on DATABASE; waits; returns (sim, workers, codes, elapsed)."""
    sim = simulator(f"{part}/sim")
    started = time.time()
    workers = [Worker(i, part, sim, database, extra) for i in (1, 2, 3)]
    codes = run_all(workers)
    return sim, workers, codes, max(w.ended for w in workers) - started


# 1. One worker, then three at once.
if "1" in ONLY:
    part = f"{root}/part1"
    subprocess.run(["rm", "-rf", part], check=True)
    fresh_database("w16_peer")
    sim = simulator(f"{part}/peer/sim")
    peer = Worker(1, f"{part}/peer", sim, "w16_peer")
    code = run_all([peer])[0]
    peer_elapsed = peer.ended - peer.started
    peer_out = f"{part}/peer/shared/out.jsonl.gz"
    peer_summary = summary_of(peer_out)
    peer_statuses = sim.proxy.statuses()
    show_command(peer, "one worker")
    say(f"1. one worker: exit {code}, {peer_elapsed:.1f} s (bound {bound:.1f} s, ratio {peer_elapsed / bound:.3f}); "
        f"summary requests {peer_summary and peer_summary['requests']}, rate_limited {peer_summary and peer_summary['rate_limited']}, "
        f"cost ${peer_summary and peer_summary['cost_usd']}; the simulator saw {len(sim.proxy.requests())} requests "
        f"({dict(peer_statuses)}), paid {len(sim.paid())}, peak in flight {sim.proxy.peak_in_flight()}")
    check(code == 0, f"1. one worker exited {code}: {peer.tail()}")
    sim.stop()
    peer_sim = sim
    if check(code == 0 and os.path.exists(peer_out), "1. the one-worker run wrote no output"):
        peer_answers = {r["id"]: r["output"] for r in records(peer_out)}
        json.dump(peer_answers, open(peer_answers_path, "w"))
        json.dump(peer_summary, open(peer_summary_path, "w"))
        describe_output("1. one worker's output", peer_out, None)

    fresh_database("w16_three")
    sim, workers, codes, three_elapsed = three_workers(f"{part}/three", "w16_three")
    three_started = min(w.started for w in workers)
    show_command(workers[0], "each of 3 workers, N = 1, 2, 3: its own namespace, --state-dir and --cache; the same output")
    shared = f"{part}/three/shared/out.jsonl.gz"
    statuses = sim.proxy.statuses()
    summary = summary_of(shared)
    say(f"1. three workers: exits {codes}, {three_elapsed:.1f} s from launch to the last exit; bound {bound:.1f} s; "
        f"ratio {three_elapsed / bound:.3f} (one worker {peer_elapsed / bound:.3f}); each worker's own time "
        f"{[round(w.ended - w.started, 1) for w in workers]} s")
    check(all(c == 0 for c in codes), f"1. three workers exited {codes}: " + " / ".join(w.tail() for w in workers if w.process.returncode))
    check(three_elapsed <= bound * 1.03, f"1. three workers took {three_elapsed:.1f} s, over 103% of the bound {bound:.1f} s")
    sent = [e for e in sim.proxy.requests() if e["path"].endswith("/completions")]
    sent_ok = sum(1 for e in sent if e["status"] == 200)
    say(f"1. requests the simulator answered 200: {sent_ok} (planned {planned_requests}; prompts per request "
        f"{dict(sorted(collections.Counter(e['prompts'] for e in sent if e['status'] == 200).items()))}); the bound for {sent_ok} requests "
        f"would be {max(0, sent_ok - RPM) / (RPM / 60) + LATENCY_MS / 1000:.1f} s")
    by_worker = {i: dict(sim.proxy.statuses(client_ip(i))) for i in (1, 2, 3)} if netns else "n/a (one address)"
    say(f"1. 429s: three workers {statuses.get(429, 0)} at the simulator (by worker {by_worker}), summary rate_limited "
        f"{summary and summary['rate_limited']}; one worker {peer_statuses.get(429, 0)} at the simulator, summary rate_limited "
        f"{peer_summary and peer_summary['rate_limited']}; peak in flight {sim.proxy.peak_in_flight()} (by worker "
        f"{[sim.proxy.peak_in_flight(client_ip(i)) for i in (1, 2, 3)] if netns else 'n/a'})")
    def after_burst(proxy):
        first = min(e["sent"] for e in proxy.requests())
        return sum(1 for e in proxy.requests() if e["status"] == 429 and e["sent"] - first > 5)
    first_sent = min(e["sent"] for e in sim.proxy.requests())
    last_answer = max(e["answered"] or 0 for e in sim.proxy.requests())
    say(f"1. 429s more than 5 s after the first request (past the initial burst): three workers {after_burst(sim.proxy)}, "
        f"one worker {after_burst(peer_sim.proxy)}; the three workers' 429s were sent at "
        f"{sorted(round(e['sent'] - first_sent, 2) for e in sim.proxy.requests() if e['status'] == 429)[:12]} s after the first request")
    say(f"1. three workers' time line: first request {first_sent - three_started:.2f} s after the launch, last answer "
        f"{last_answer - first_sent:.2f} s after the first request, last exit {three_elapsed - (last_answer - three_started):.2f} s "
        f"after the last answer; one worker: first request {min(e['sent'] for e in peer_sim.proxy.requests()) - peer.started:.2f} s "
        f"after its launch")
    check(statuses.get(429, 0) <= max(peer_statuses.get(429, 0), 0), "1. three workers got more 429s than one")
    say(f"1. runs in the database: {run_rows('w16_three')}")
    say(f"1. summary of the job (written by the last worker): requests {summary and summary['requests']}, items "
        f"{summary and summary['items']}, cost ${summary and summary['cost_usd']} (one worker ${peer_summary and peer_summary['cost_usd']})")
    describe_output("1. three workers' collected output", shared, peer_answers)
    # collect on demand: the job's output written again from the parts (the last worker's kept aside).
    if os.path.exists(shared):
        os.replace(shared, f"{part}/three/out.by-last-worker.jsonl.gz")
    collect = [promptmill, "collect", PIPELINE, "--state", state_url("w16_three", 1).replace(host_of(1), "127.0.0.1"), "--output", shared]
    done = subprocess.run(collect, env=environment, capture_output=True, text=True)
    say(f"   command (collect): {shlex.join(collect)} -> exit {done.returncode}: {(done.stdout + done.stderr).strip()[-300:]}")
    check(done.returncode == 0, f"1. collect exited {done.returncode}")
    collected = shared
    describe_output("1. promptmill collect's output", collected, peer_answers)
    sim.stop()

# 2. One of three SIGKILLed at a seeded random moment.
if "2" in ONLY:
    part = f"{root}/part2"
    subprocess.run(["rm", "-rf", part], check=True)
    fresh_database("w16_kill")
    rng = random.Random(SEED)
    expected = three_elapsed or bound
    moment = rng.uniform(0.15, 0.85) * expected
    sim = simulator(f"{part}/sim")
    started = time.time()
    workers = [Worker(i, part, sim, "w16_kill") for i in (1, 2, 3)]
    time.sleep(max(0, started + moment - time.time()))
    # The victim: a seeded choice among the workers holding claimed rows at that moment (a
    # worker that finished its rows and waits holds none, and killing it tests nothing).
    try:
        holding = {int(p) for p in psql("SELECT DISTINCT r.pid FROM runs r JOIN chunks c ON c.holder = r.id AND NOT c.done",
                                         "w16_kill").split()}
    except (RuntimeError, ValueError):
        holding = set()
    candidates = [w.i for w in workers if w.process.pid in holding and w.process.poll() is None] or [1, 2, 3]
    victim = rng.choice(candidates)
    killed_at = time.time()
    workers[victim - 1].process.send_signal(signal.SIGKILL)
    json.dump({"victim": victim, "moment": moment, "started": started, "killed_at": killed_at}, open(f"{part}/kill.json", "w"))
    pid = workers[victim - 1].process.pid
    # The killed run as the database has it right after the kill.
    try:
        run_id = psql(f"SELECT id FROM runs WHERE pid = {pid} ORDER BY id DESC LIMIT 1", "w16_kill")
        claimed = psql(f"SELECT coalesce(sum(end_row - first_row), 0) FROM chunks WHERE holder = {run_id} AND NOT done", "w16_kill")
        committed_in_claimed = psql(
            f"SELECT coalesce(sum(s.items), 0) FROM segments s JOIN chunks c ON c.holder = s.run AND s.first_row >= c.first_row "
            f"AND s.last_row < c.end_row WHERE s.run = {run_id} AND NOT c.done", "w16_kill")
        committed_total = psql(f"SELECT coalesce(sum(items), 0) FROM segments WHERE run = {run_id}", "w16_kill")
        claimed_not_committed = int(claimed) - int(committed_in_claimed)
    except (RuntimeError, ValueError) as error:
        run_id, claimed_not_committed, committed_total = None, None, None
        say(f"2. (could not read the killed run from the database: {error})")
    codes = run_all(workers)
    elapsed = max(w.ended for w in workers if w.i != victim) - started
    show_command(workers[0], "each of 3 workers, as in 1")
    say(f"2. seed {SEED}: worker {victim} (of those holding rows then: {candidates}; pid {pid}, run {run_id}) SIGKILLed at {moment:.2f} s (of about {expected:.1f} s); "
        f"exits {codes}; the other two finished in {elapsed:.1f} s "
        f"(three workers unkilled: {three_elapsed and round(three_elapsed, 1)} s; a dead worker's rows wait for its 20 s lease)")
    check(all(c == 0 for w, c in zip(workers, codes) if w.i != victim), f"2. survivors exited {codes}")
    shared = f"{part}/shared/out.jsonl.gz"
    describe_output("2. collected output", shared, peer_answers)
    paid = sim.paid()
    prompts_twice, extra_payments, distinct = paid_twice(paid)
    in_flight_requests = in_flight_prompts = sent_not_committed = peak = in_flight_statuses = None
    if netns:
        mine = sim.proxy.requests(client_ip(victim))
        at_kill = [e for e in mine if e["sent"] <= killed_at and (e["answered"] is None or e["answered"] > killed_at)]
        in_flight_requests, in_flight_prompts = len(at_kill), sum(e["prompts"] for e in at_kill if e["status"] != 429)
        in_flight_statuses = dict(collections.Counter(e["status"] for e in at_kill))
        sent_prompts = sum(e["prompts"] for e in mine if e["sent"] <= killed_at and e["status"] != 429)
        if committed_total is not None:
            sent_not_committed = sent_prompts - int(committed_total)
        peak = sim.proxy.peak_in_flight(client_ip(victim))
    say(f"2. prompts paid twice: {prompts_twice} ({extra_payments} extra payments; {distinct} distinct prompts paid, "
        f"{len(paid)} paid requests)")
    say(f"2. in flight at the kill (the killed worker's requests at the simulator, sent before and answered after): "
        f"{in_flight_requests} requests (by status {in_flight_statuses}), {in_flight_prompts} prompts not refused with 429; its prompts sent (not 429) but not committed by its run: "
        f"{sent_not_committed}; rows it held claimed but had not committed: {claimed_not_committed}; its peak in flight "
        f"{peak} requests x batch_size {BATCH} = {peak * BATCH if peak is not None else None} prompts")
    limit = sent_not_committed if sent_not_committed is not None else claimed_not_committed
    if limit is not None:
        check(prompts_twice <= limit, f"2. {prompts_twice} prompts paid twice, more than the {limit} sent but not committed at the kill")
    say(f"2. runs in the database: {run_rows('w16_kill')}")
    status = subprocess.run([promptmill, "status", PIPELINE, "--state", state_url("w16_kill", 1).replace(host_of(1), "127.0.0.1")],
                            env=environment, capture_output=True, text=True)
    say(f"2. promptmill status (exit {status.returncode}): " + " | ".join((status.stdout + status.stderr).strip().splitlines()[:14]))
    sim.stop()

# 3. A cap at half the job's cost, then a larger one.
if "3" in ONLY:
    part = f"{root}/part3"
    subprocess.run(["rm", "-rf", part], check=True)
    fresh_database("w16_budget")
    if peer_summary:
        cost = Decimal(str(peer_summary["cost_usd"]))
        source = "the one-worker run's summary cost_usd"
    else:
        cost = Decimal(str(estimate["cost_usd_max"]))
        source = "estimate's cost_usd_max (no one-worker run)"
    cap = (cost / 2).quantize(Decimal("0.000000001"))
    sim = simulator(f"{part}/sim")
    started = time.time()
    workers = [Worker(i, part, sim, "w16_budget", ["--max-usd", str(cap)]) for i in (1, 2, 3)]
    codes = run_all(workers)
    elapsed = max(w.ended for w in workers) - started
    paid = sim.paid()
    spent = priced(paid)
    cap_pico = int(cap * 10**12)
    show_command(workers[0], "each of 3 workers with the cap")
    try:
        db_spent = psql("SELECT spent_picodollars, reserved_picodollars FROM jobs", "w16_budget")
    except RuntimeError as error:
        db_spent = str(error)
    say(f"3. cap {dollars(cap_pico)} = half of ${cost} ({source}): exits {codes} in {elapsed:.1f} s; the simulator was paid "
        f"{dollars(spent)} for {len(paid)} requests, {sum(len(e['texts']) for e in paid)} prompts ({spent / cap_pico:.4f} of the cap); "
        f"the database's jobs spent|reserved picodollars {db_spent}")
    check(spent <= cap_pico, f"3. paid {dollars(spent)} over the cap {dollars(cap_pico)}")
    check(all(c == 3 for c in codes), f"3. capped workers exited {codes}, not all 3: " + " / ".join(w.tail() for w in workers if w.process.returncode != 3))
    larger = (cost * Decimal("1.5")).quantize(Decimal("0.000000001"))
    started = time.time()
    workers = [Worker(i, part, sim, "w16_budget", ["--max-usd", str(larger)], name=f"w{i}-rerun") for i in (1, 2, 3)]
    codes = run_all(workers)
    elapsed = max(w.ended for w in workers) - started
    paid = sim.paid()
    spent = priced(paid)
    prompts_twice, extra_payments, _ = paid_twice(paid)
    show_command(workers[0], "each of 3 workers, the rerun")
    say(f"3. rerun with cap {dollars(int(larger * 10**12))}: exits {codes} in {elapsed:.1f} s; paid over both runs {dollars(spent)} "
        f"({spent / (cost * 10**12):.4f} of the job's cost); prompts paid twice {prompts_twice}")
    check(all(c == 0 for c in codes), f"3. rerun exited {codes}: " + " / ".join(w.tail() for w in workers if w.process.returncode))
    check(spent <= int(larger * 10**12), "3. paid over the larger cap")
    describe_output("3. rerun's collected output", f"{part}/shared/out.jsonl.gz", peer_answers)
    sim.stop()

# 4. The finished job again from another machine: a fresh state dir and cache, the same database.
if "4" in ONLY:
    part = f"{root}/part4"
    subprocess.run(["rm", "-rf", part], check=True)
    database, finished = "w16_three", f"{root}/part1/three"
    if "1" not in ONLY:
        database, finished = "w16_again", f"{root}/part4/first"
        fresh_database(database)
        sim, workers, codes, _ = three_workers(finished, database)
        sim.stop()
        say(f"4. (part 1 not run: the job was first finished by three workers into {database}: exits {codes})")
    sim = simulator(f"{part}/sim")
    before = len(sim.paid())
    machine = Worker(4, finished, sim, database, name="another-machine")
    code = run_all([machine])[0]
    show_command(machine, "another machine: namespace 4, a fresh --state-dir and --cache, the same database and output folder")
    after = len(sim.paid())
    say(f"4. rerun from another machine: exit {code} in {machine.ended - machine.started:.1f} s; the simulator's paid requests "
        f"before {before}, after {after}; requests it received {len(sim.proxy.requests())}, connections {sum(sim.proxy.connections.values())}")
    check(code == 0, f"4. exited {code}: {machine.tail()}")
    check(after == before and not sim.proxy.requests(), "4. the finished job sent requests again")
    describe_output("4. output after the rerun", f"{finished}/shared/out.jsonl.gz", peer_answers)
    sim.stop()

if failures:
    say("checks failed: " + "; ".join(failures))
    sys.exit(1)
say("every check passed")
