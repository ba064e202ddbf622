#!/usr/bin/env python3
"""Times tiktoken's encode_ordinary on a file, one thread, best of N runs.
Prints: ENCODING MB/s TOKENS"""
import sys
import time

import tiktoken

path, runs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5
text = open(path, encoding="utf-8").read()
size = len(text.encode("utf-8"))
for name in ("cl100k_base", "o200k_base"):
    encoding = tiktoken.get_encoding(name)
    best, tokens = float("inf"), 0
    for _ in range(runs):
        start = time.perf_counter()
        tokens = len(encoding.encode_ordinary(text))
        best = min(best, time.perf_counter() - start)
    print(f"{name} {size / 1e6 / best:.2f} {tokens}")
