"""What the kill and budget tests share: generated review rows, a simulator process with a
paid log, and reading that log back."""
import json, socket, subprocess, time

WORDS = ["great", "awful", "fine", "lovely", "broken", "okay"]


def write_rows(path, rows, prefix):
    """ROWS JSONL reviews with ids PREFIX1..PREFIXn, each text distinct."""
    with open(path, "w") as out:
        for n in range(1, rows + 1):
            text = f"Review {n}: the {WORDS[n % 6]} kettle number {n * 7919 % 10007}."
            out.write(json.dumps({"id": f"{prefix}{n}", "text": text}) + "\n")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(promptmill, directory, seed, fail_rate, latency_ms):
    """Starts `promptmill mock-server` writing DIRECTORY/paid.jsonl; returns it and its base URL."""
    port = free_port()
    server = subprocess.Popen([promptmill, "mock-server", "--port", str(port), "--latency-ms", str(latency_ms),
                               "--fail-rate", str(fail_rate), "--seed", str(seed), "--paid-log", f"{directory}/paid.jsonl"],
                              stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return server, f"http://127.0.0.1:{port}/v1"
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the simulator did not start")


def paid_answers(directory):
    """Every answer the simulator was paid for: dicts with t, texts, prompt_tokens, completion_tokens."""
    with open(f"{directory}/paid.jsonl") as f:
        return [json.loads(line) for line in f]
