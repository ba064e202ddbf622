"""The budget test driven by bench/budget.sh: see there. Prints its figures and exits 1 on a failure."""
import collections, json, os, random, signal, subprocess, sys, time
from decimal import Decimal
from simjob import paid_answers, start_server as start_simulator, write_rows

promptmill, rows, trials = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
root = os.path.abspath(f"bench/data/budget-{rows}")
os.makedirs(root, exist_ok=True)
# gpt-3.5-turbo-instruct in the built-in table: $1.50 and $2.00 per 1M tokens, in picodollars per token.
INPUT_PRICE, OUTPUT_PRICE = 1_500_000, 2_000_000

write_rows(f"{root}/rows.jsonl", rows, "b")
with open(f"{root}/pipeline.yaml", "w") as out:
    out.write("""name: budget
input: {path: rows.jsonl, id: id}
endpoint: completions
model: gpt-3.5-turbo-instruct
prompt: "Classify the sentiment: {{text}}"
params: {max_tokens: 8, temperature: 0}
batch_size: 10
limits: {max_concurrency: 32, max_retries: 10, timeout_s: 5}
output: {path: out.jsonl.gz, include: [id]}
""")

def start_server(directory, seed, fail_rate=0.0, latency_ms=100):
    return start_simulator(promptmill, directory, seed, fail_rate, latency_ms)

def run(directory, base_url, cap=None):
    command = [promptmill, "run", f"{root}/pipeline.yaml", "--base-url", base_url, "--output", f"{directory}/out.jsonl.gz",
               "--cache", f"{directory}/cache.sqlite", "--state-dir", f"{directory}/state", "--progress", "quiet"]
    if cap is not None:
        command += ["--max-usd", str(cap)]
    return command

def paid(directory):
    """What the simulator was paid: every delivered answer's usage, priced, in picodollars."""
    total, prompts = 0, collections.Counter()
    for entry in paid_answers(directory):
        total += entry["prompt_tokens"] * INPUT_PRICE + entry["completion_tokens"] * OUTPUT_PRICE
        prompts.update(entry["texts"])
    return total, prompts

def summary(directory):
    with open(f"{directory}/out.jsonl.gz.summary.json") as f:
        return json.load(f)

def picodollars(value):
    return int(Decimal(str(value)) * 10**12)

def dollars(pico):
    return f"${pico / 1e12:.6f}"

environment = dict(os.environ, OPENAI_API_KEY="sk-budget-test")
failures = []

def fresh(name):
    directory = f"{root}/{name}"
    subprocess.run(["rm", "-rf", directory], check=True)
    os.makedirs(directory)
    return directory

# 1. Uninterrupted: what the job costs.
directory = fresh("whole")
server, base_url = start_server(directory, 1)
started = time.time()
subprocess.run(run(directory, base_url), env=environment, check=True, stderr=subprocess.DEVNULL)
full_run = time.time() - started
server.terminate(); server.wait()
whole = summary(directory)
cost = picodollars(whole["cost_usd"])
whole_paid, _ = paid(directory)
print(f"uninterrupted: {rows} rows, {whole['requests']} requests in {full_run:.1f} s, cost {dollars(cost)} "
      f"(API paid {dollars(whole_paid)}), {whole['prompt_tokens']} + {whole['completion_tokens']} tokens")
if whole_paid != cost:
    failures.append("uninterrupted cost differs from what the API was paid")

# 2. Capped at half: exit 3, paid no more than the cap; then a larger cap finishes it.
cap = cost // 2
cap_usd = f"{Decimal(cap) / 10**12:.12f}"
cap = picodollars(cap_usd)
directory = fresh("capped")
server, base_url = start_server(directory, 2)
started = time.time()
first = subprocess.run(run(directory, base_url, cap_usd), env=environment, stderr=subprocess.PIPE, text=True)
capped_run = time.time() - started
capped = summary(directory)
capped_paid, _ = paid(directory)
print(f"cap {dollars(cap)} (half): exit {first.returncode} after {capped_run:.1f} s; {capped['items']} records; "
      f"spent {dollars(picodollars(capped['budget']['spent_usd']))}; API paid {dollars(capped_paid)} = "
      f"{100 * capped_paid / cap:.2f}% of the cap")
if first.returncode != 3:
    failures.append(f"capped run exit {first.returncode}, want 3")
if capped_paid > cap:
    failures.append(f"capped run: API paid {capped_paid} pUSD over a cap of {cap}")
second = subprocess.run(run(directory, base_url, str(Decimal(cost) * 2 / 10**12)), env=environment, stderr=subprocess.PIPE, text=True)
server.terminate(); server.wait()
finished = summary(directory)
total_paid, prompts = paid(directory)
twice = sum(n - 1 for n in prompts.values() if n > 1)
same = all(finished[key] == whole[key] for key in ["items", "prompt_tokens", "completion_tokens", "cost_usd"])
print(f"rerun with a larger cap: exit {second.returncode}; {finished['items']} records, cost {dollars(picodollars(finished['cost_usd']))}; "
      f"totals equal the uninterrupted run's: {same}; API paid {dollars(total_paid)} over both runs, prompts paid twice: {twice}")
if second.returncode != 0 or not same or total_paid != cost or twice:
    failures.append("the rerun with a larger cap did not finish at the uninterrupted totals")

# 3. Kills: a capped run killed at a random moment, run again with the same cap.
random.seed(2026)
worst = 0
for trial in range(1, trials + 1):
    directory = fresh(f"kill-{trial}")
    server, base_url = start_server(directory, 100 + trial, fail_rate=0.01)
    job = subprocess.Popen(run(directory, base_url, cap_usd), env=environment, stderr=subprocess.DEVNULL)
    time.sleep(random.uniform(0.1, 0.9) * capped_run)
    job.send_signal(signal.SIGKILL)
    job.wait()
    time.sleep(0.4)  # the simulator answers what was in flight, to a dead client, and is paid for it
    at_kill, _ = paid(directory)
    rerun = subprocess.run(run(directory, base_url, cap_usd), env=environment, stderr=subprocess.PIPE, text=True)
    server.terminate(); server.wait()
    total, _ = paid(directory)
    worst = max(worst, total)
    verdict = "ok" if total <= cap and rerun.returncode in (0, 3) else "FAIL"
    if verdict != "ok":
        failures.append(f"kill trial {trial}: API paid {total} pUSD under a cap of {cap}, rerun exit {rerun.returncode}")
    print(f"kill trial {trial}: paid {dollars(at_kill)} by the kill; rerun exit {rerun.returncode}; API paid {dollars(total)} "
          f"in all = {100 * total / cap:.2f}% of the cap; {verdict}")
if trials:
    print(f"kills: {trials} trials, the most the API was paid: {100 * worst / cap:.2f}% of the cap")

print("budget test: " + ("ok" if not failures else "FAIL: " + "; ".join(failures)))
sys.exit(1 if failures else 0)
