#!/usr/bin/env bash
# Peer benchmark: bellm (pure-Java and oneDNN kernels) against PyTorch eager and llama.cpp on the same random-weight checkpoints
# (a ~100M LLaMA shape, the Qwen2-0.5B and Qwen3-0.6B shapes; F32 and BF16), the same STS-B test sentences in the
# BeLLM prompt, batch 1 and 32, interleaved engine by engine, best of ROUNDS. Writes the table, the FMA ceiling, a
# GEMM race and the load average into docs/PERFORMANCE.md (between the peer-bench markers). Not part of the tests.
#   scripts/peer-bench.sh [ROUNDS]        (as root: installs python3-torch, and llama.cpp's prebuilt libraries from npm
#                                          into $WORK/llamacpp-node; raises its own scheduling priority)
#   PEER_ENGINES=llama.cpp,llama.cpp-q8_0 scripts/peer-bench.sh 1   only those engines, lines printed, no doc written
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROUNDS="${1:-2}"
WORK="${PEER_BENCH_DIR:-/tmp/bellm-peer-bench}"
DATA="${BELLM_DATA:-$ROOT/../shared}"
mkdir -p "$WORK"
# autogroup scheduling is on: nice alone does not outrank other sessions' work; a lower autogroup nice value does
if [[ -w /proc/$$/autogroup ]]; then echo -10 > /proc/$$/autogroup || true; fi
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch >/dev/null
fi
# llama.cpp: prebuilt shared libraries from npm (the CPU build node-llama-cpp ships; no compiler, no download script)
LLAMACPP_NODE="$WORK/llamacpp-node"
if [[ ! -e "$LLAMACPP_NODE/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64/libllama.v0.5.0.so" ]]; then
  if ! command -v npm >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
  fi
  mkdir -p "$LLAMACPP_NODE"
  npm install --prefix "$LLAMACPP_NODE" --ignore-scripts --no-audit --no-fund --no-save @node-llama-cpp/linux-x64@3.22.1 >/dev/null
fi
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
if [[ -z "${PEER_ENGINES:-}" || "$PEER_ENGINES" == *bellm* ]]; then
  (cd "$ROOT" && mvn -B -q -o -DskipTests package -pl bellm-bench -am)
fi
awk -F'\t' 'NR <= 200 { print $6; print $7 }' "$DATA/data/sts/STSBenchmark/sts-test.csv" > "$WORK/sentences.txt"
exec /usr/bin/python3 "$ROOT/scripts/peer_driver.py" "$ROOT" "$WORK" "$DATA" "$ROUNDS"
