#!/usr/bin/env python3
"""Writes a job as `promptmill export` finds it after a run: an input CSV of ROWS reviews,
the pipeline, and the job's output (gzip JSONL in members of about 2 MB, as OutputSink
writes it) with one record per row in scrambled order (completion order), except every
100th row, left pending. Usage: export_data.py FOLDER ROWS"""
import gzip
import json
import os
import random
import sys

folder, rows = sys.argv[1], int(sys.argv[2])
os.makedirs(folder, exist_ok=True)
random.seed(17)
products = ["kettle", "backpack", "rice cooker", "e-reader", "hiking boots"]
words = "good bad fine, slow \"quiet\" loud cheap sturdy light heavy clear short long".split(" ")
labels = ["positive", "negative", "neutral"]

with open(os.path.join(folder, "reviews.csv"), "w", newline="") as out:
    out.write("review_id,product,rating,text\r\n")
    for row in range(1, rows + 1):
        text = " ".join(random.choice(words) for _ in range(random.randint(8, 30)))
        if row % 7 == 0:
            text += "\nsecond line"
        out.write('r-%d,%s,%d,"%s"\r\n' % (row, random.choice(products), random.randint(1, 5), text.replace('"', '""')))

with open(os.path.join(folder, "pipeline.yaml"), "w") as out:
    out.write(
        """name: export-bench
input: {path: reviews.csv, id: review_id}
endpoint: completions
model: gpt-3.5-turbo-instruct
prompt: "Sentiment of {{text}}:"
output: {path: out.jsonl.gz, include: [review_id, product]}
""")

order = [row for row in range(1, rows + 1) if row % 100 != 0]
random.shuffle(order)
with open(os.path.join(folder, "out.jsonl.gz"), "wb") as out:
    member = []
    size = 0
    for row in order:
        record = {
            "id": "r-%d" % row, "input": {"review_id": "r-%d" % row, "product": "kettle"},
            "output": labels[row % 3], "finish_reason": "stop",
            "usage": {"prompt_tokens": 40 + row % 17, "completion_tokens": 1},
            "cost_usd": 0.0000635, "cached": False, "attempts": 1, "error": None,
        }
        if row % 250 == 0:
            record.update(output=None, finish_reason=None, error={"type": "content_filter", "message": "withheld", "status": None})
        line = json.dumps(record, separators=(",", ":")) + "\n"
        member.append(line)
        size += len(line)
        if size >= 2 << 20:
            out.write(gzip.compress("".join(member).encode(), compresslevel=6))
            member, size = [], 0
    if member:
        out.write(gzip.compress("".join(member).encode(), compresslevel=6))
