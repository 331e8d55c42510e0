#!/usr/bin/env bash
# Rows/s of `bellm spark-embed` on local[N] against single-process `bellm embed` on the same input and threads.
# Usage: scripts/bench-spark.sh INPUT.jsonl MODEL [N=2] [extra embedding flags...]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
INPUT="$1"; MODEL="$2"; N="${3:-2}"; shift 3 || true
ROWS=$(wc -l < "$INPUT")
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
"$ROOT/bellm" --help > /dev/null; "$ROOT/bellm" spark-embed --help > /dev/null   # build both first
echo "load before: $(uptime)"
t0=$(date +%s.%N)
"$ROOT/bellm" embed --model "$MODEL" --threads "$N" "$@" --input "$INPUT" --output "$WORK/embed.jsonl"
t1=$(date +%s.%N)
"$ROOT/bellm" spark-embed --model "$MODEL" --threads "$N" --master "local[$N]" "$@" --input "$INPUT" --output "$WORK/spark.parquet" 2> "$WORK/spark.err" \
  || { cat "$WORK/spark.err" >&2; exit 1; }
t2=$(date +%s.%N)
echo "load after: $(uptime)"
grep 'bellm spark-embed:' "$WORK/spark.err"
awk -v n="$N" -v r="$ROWS" -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {
  e = b - a; s = c - b;
  printf "rows %d\nbellm embed (threads %d): %.1f s wall, %.1f rows/s\n", r, n, e, r / e;
  printf "bellm spark-embed local[N]: %.1f s wall, %.1f rows/s (%.0f%% of embed, wall to wall)\n", s, r / s, 100 * e / s }'
