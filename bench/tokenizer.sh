#!/usr/bin/env bash
# promptmill's tokenizer against tiktoken (the reference), same text, one thread each, in one
# run: prints MB/s of each and the ratio, per encoding, and checks the token counts agree.
# Usage: bench/tokenizer.sh [SIZE_MB]   (default 24)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-24}
text=bench/data/mixed-$size.txt
mkdir -p bench/data
[ -s "$text" ] || python3 bench/gen_mixed_text.py "$text" "$size"

# tiktoken, offline: its cache is filled from promptmill's own rank files (tiktoken names a
# cached file by the sha1 of the official URL).
python3 -c 'import tiktoken' 2>/dev/null || python3 -m pip install -q tiktoken >&2
export TIKTOKEN_CACHE_DIR=$PWD/bench/data/tiktoken-cache
mkdir -p "$TIKTOKEN_CACHE_DIR"
for name in cl100k_base o200k_base; do
  key=$(printf '%s' "https://openaipublic.blob.core.windows.net/encodings/$name.tiktoken" | sha1sum | cut -d' ' -f1)
  cp Sources/PromptmillTokenizer/Resources/$name.tiktoken "$TIKTOKEN_CACHE_DIR/$key"
done

swift build -c release --product promptmill-bench --scratch-path .build-release >&2
ours=$(.build-release/release/promptmill-bench tokenizer "$text")
theirs=$(python3 bench/tiktoken_speed.py "$text")
echo "text: $text ($(du -m "$text" | cut -f1) MB), one thread each, best of 5"
printf '%-12s %14s %14s %8s %s\n' encoding "promptmill" "tiktoken" ratio "tokens (both)"
for name in cl100k_base o200k_base; do
  read -r _ our_speed our_tokens <<<"$(grep "^$name " <<<"$ours")"
  read -r _ their_speed their_tokens <<<"$(grep "^$name " <<<"$theirs")"
  [ "$our_tokens" = "$their_tokens" ] || { echo "token counts differ for $name: $our_tokens vs $their_tokens" >&2; exit 1; }
  ratio=$(python3 -c "print(f'{$our_speed / $their_speed:.2f}x')")
  printf '%-12s %9.2f MB/s %9.2f MB/s %8s %s\n' "$name" "$our_speed" "$their_speed" "$ratio" "$our_tokens"
done
