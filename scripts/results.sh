#!/usr/bin/env bash
# Reproduces the tables of docs/RESULTS.md on stories260K: frozen baselines (issue "Evaluation") and
# LoRA-trained encoders against them (issue "Training"). Usage: scripts/results.sh [OUT_DIR]
# Environment: TRAIN (default snli), STEPS (default 150), LR (1e-3), BATCH (32), SEED (42).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/results}
MODEL=${BELLM_DATA:-../shared}/models/stories260K/stories260K.bin
TRAIN=${TRAIN:-snli}; STEPS=${STEPS:-150}; LR=${LR:-1e-3}; BATCH=${BATCH:-32}; SEED=${SEED:-42}
mkdir -p "$OUT"
# stories260K has 5 layers: none = causal, 4 = top one bidirectional, 3 = top two, 0 = all
for pooling in last mean; do
  for from in none 4 3 0; do
    name="frozen-$pooling-$from"
    [[ -f "$OUT/$name.json" ]] || ./bellm eval --model "$MODEL" --pooling "$pooling" --bidirectional-from "$from" \
        --output "$OUT/$name.json" > "$OUT/$name.txt"
  done
done
for pooling in last mean; do
  for from in none 4 3; do
    name="trained-$pooling-$from"
    if [[ ! -f "$OUT/$name.json" ]]; then
      resume=(); [[ -d "$OUT/$name/checkpoint" ]] && resume=(--resume)
      ./bellm train --model "$MODEL" --train "$TRAIN" --pooling "$pooling" --bidirectional-from "$from" --max-steps "$STEPS" \
          --batch-size "$BATCH" --lr "$LR" --seed "$SEED" --checkpoint-every 50 --output "$OUT/$name" "${resume[@]}" > "$OUT/$name.train.txt"
      ./bellm eval --model "$MODEL" --adapter "$OUT/$name/best" --pooling "$pooling" --bidirectional-from "$from" \
          --output "$OUT/$name.json" > "$OUT/$name.txt"
    fi
  done
done
python3 - "$OUT" <<'PY'
import json, sys, os
out = sys.argv[1]
cols = ["STS12", "STS13", "STS14", "STS15", "STS16", "STSBenchmark", "SICKRelatedness"]
print("| setting | pooling | bidirectional layers | " + " | ".join(c.replace("STSBenchmark", "STS-B").replace("SICKRelatedness", "SICK-R") for c in cols) + " | Avg. |")
print("|---|---|---|" + "---:|" * (len(cols) + 1))
for kind in ["frozen", "trained"]:
    for pooling in ["last", "mean"]:
        for frm, label in [("none", "0 (causal)"), ("4", "1 (top)"), ("3", "2 (top)"), ("0", "all 5")]:
            f = f"{out}/{kind}-{pooling}-{frm}.json"
            if not os.path.exists(f): continue
            r = json.load(open(f))
            s = [r["tasks"][c]["spearman"] for c in cols]
            print(f"| {kind} | {pooling} | {label} | " + " | ".join(f"{x:.2f}" for x in s) + f" | {sum(s)/len(s):.2f} |")
PY
