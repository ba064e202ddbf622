#!/usr/bin/env python3
"""Writes Sources/PromptmillCore/Resources/openai-models.json from litellm's model price map.

Usage: scripts/price-table.py PATH/model_prices_and_context_window_backup.json
(from the litellm wheel on PyPI: pip download litellm==VERSION --no-deps; unzip it).
Keeps the models already in the table and the keys promptmill reads: the standard prices
and, where litellm has them, the Batch API's (`_batches`), flex's (`_flex`) and priority's
(`_priority`) prices for input, cached input, cache writes and output.

Left out on purpose: the `above_272k_tokens` prices (long prompts of a few models) and the
`above_12hr` cache-write prices (extended prompt-cache retention). promptmill prices every
prompt at the short-context figures and does not ask for extended retention; a pipeline
that needs either may set its own prices with `pricing:`.
"""
import json
import sys

TIERS = ["batches", "flex", "priority"]
PRICES = ["input_cost_per_token", "output_cost_per_token", "cache_read_input_token_cost", "cache_creation_input_token_cost"]
KEYS = sorted(
    ["deprecation_date", "max_input_tokens", "max_output_tokens", "mode", "supports_reasoning"]
    + PRICES
    + [f"{price}_{tier}" for price in PRICES for tier in TIERS]
)
TABLE = "Sources/PromptmillCore/Resources/openai-models.json"

source = json.load(open(sys.argv[1]))
table = json.load(open(TABLE))
for name in table:
    entry = source.get(name, {})
    table[name] = {key: entry[key] for key in KEYS if key in entry and entry[key] is not None} or table[name]
with open(TABLE, "w") as out:
    json.dump(table, out, indent=1, sort_keys=True)
    out.write("\n")
