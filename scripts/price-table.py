#!/usr/bin/env python3
"""Writes Sources/PromptmillCore/Resources/openai-models.json from litellm's model price map.

Usage: scripts/price-table.py PATH/model_prices_and_context_window_backup.json
(from the litellm wheel on PyPI: pip download litellm==VERSION --no-deps; unzip it).
Keeps the models already in the table and the keys promptmill reads.
"""
import json
import sys

KEYS = [
    "cache_creation_input_token_cost", "cache_read_input_token_cost", "deprecation_date", "input_cost_per_token",
    "input_cost_per_token_batches", "max_input_tokens", "max_output_tokens", "mode", "output_cost_per_token",
    "output_cost_per_token_batches", "supports_reasoning",
]
TABLE = "Sources/PromptmillCore/Resources/openai-models.json"

source = json.load(open(sys.argv[1]))
table = json.load(open(TABLE))
for name in table:
    entry = source.get(name, {})
    table[name] = {key: entry[key] for key in KEYS if key in entry and entry[key] is not None} or table[name]
with open(TABLE, "w") as out:
    json.dump(table, out, indent=1, sort_keys=True)
    out.write("\n")
