#!/usr/bin/env bash
# The figures of docs/RESULTS.md's "open questions" sections (issue 13), on stories260K. Each step skips what
# it already wrote, so the script can be stopped and run again. Usage: scripts/research.sh [OUT_DIR]
# Environment: BELLM (the command, default ./bellm), DEMO_ADAPTER (the demo's trained adapter; default: the
# seed-42 mean/top-1 run of scripts/seeds.sh, which is the demo's run bit for bit).
# The multi-seed training table is scripts/seeds.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/research}
read -r -a BELLM <<< "${BELLM:-./bellm}"
DATA=${BELLM_DATA:-../shared}
MODEL=$DATA/models/stories260K/stories260K.bin
DEMO_ADAPTER=${DEMO_ADAPTER:-runs/seeds/trained-mean-4-seed42/best}
mkdir -p "$OUT"
step() { [[ -e "$OUT/$1" ]] && return 1; echo "== $1" >&2; }

# 2. distillation: the demo's encoder (mean pooling, top layer bidirectional, LoRA) into its first 2 layers, on
#    SNLI dev sentences (premises and hypotheses; not the STS or SICK test sets), then STS and SICK retrieval of
#    teacher, pruned-untrained and distilled student (the teacher's own figures are its seeds.sh evaluation)
if step distill-2/distill.json; then
  "${BELLM[@]}" distill --teacher "$MODEL" --adapter "$DEMO_ADAPTER" --pooling mean --bidirectional-from 4 --student-layers 2 \
      --corpus "$DATA/data/nli/s1.dev" --corpus "$DATA/data/nli/s2.dev" --steps 300 --batch-size 32 --lr 1e-3 \
      --output "$OUT/distill-2" 2> "$OUT/distill-2.txt"
fi
for m in pruned student; do
  if step "distill-2-$m.json"; then
    # the student and pruned folders carry their recipe (mean pooling; both layers causal, as in the teacher)
    "${BELLM[@]}" eval --model "$OUT/distill-2/$m" --tasks sts,sick-ir --output "$OUT/distill-2-$m.json" > "$OUT/distill-2-$m.txt"
  fi
done

# 2b. the distilled student with int8 weights (Q8_0; `bellm quantize` keeps the student's recipe)
if step distill-2/student-q8/config.json; then
  "${BELLM[@]}" quantize --model "$OUT/distill-2/student" --output "$OUT/distill-2/student-q8" > "$OUT/distill-2-quantize.txt"
fi
if step distill-2-student-q8.json; then
  "${BELLM[@]}" eval --model "$OUT/distill-2/student-q8" --tasks sts,sick-ir --output "$OUT/distill-2-student-q8.json" > "$OUT/distill-2-student-q8.txt"
fi

# 2c. distillation into another model: the zoo's st-dense (random weights, 2 layers x 24, Mistral BPE) with a
#     trained 24 -> 64 projection, same teacher and corpus; 300 and 2,000 steps; STS of the untrained (least-squares
#     projection) and distilled students
for n in 300 2000; do
  if step "distill-st-$n/distill.json"; then
    "${BELLM[@]}" distill --teacher "$MODEL" --adapter "$DEMO_ADAPTER" --pooling mean --bidirectional-from 4 \
        --student "$DATA/fixtures/zoo/st-dense" --corpus "$DATA/data/nli/s1.dev" --corpus "$DATA/data/nli/s2.dev" \
        --steps "$n" --checkpoint-every 250 --batch-size 32 --lr 1e-2 --output "$OUT/distill-st-$n" 2> "$OUT/distill-st-$n.txt"
  fi
  for m in untrained student; do
    if step "distill-st-$n-$m.json"; then
      "${BELLM[@]}" eval --model "$OUT/distill-st-$n/$m" --tasks sts --output "$OUT/distill-st-$n-$m.json" > "$OUT/distill-st-$n-$m.txt"
    fi
  done
done

# 3. embedding speed, teacher vs students, back to back on the same 20,000 SNLI test sentences, two rounds (wall
#    time of `bellm embed`, JVM start included, which is ~1.5 s of it; the load average is recorded beside it)
if step speed.txt; then
  cat "$DATA/data/nli/s1.test" "$DATA/data/nli/s2.test" | head -n 20000 > "$OUT/speed-input.txt"
  {
    for m in teacher pruned student student-q8 teacher pruned student student-q8; do
      args=(--model "$OUT/distill-2/$m"); [[ $m == teacher ]] && args=(--model "$MODEL" --adapter "$DEMO_ADAPTER" --bidirectional-from 4)
      t0=$(date +%s.%N)
      [[ $m == teacher ]] && args+=(--pooling mean)
      "${BELLM[@]}" embed "${args[@]}" --input "$OUT/speed-input.txt" --output - > /dev/null
      t1=$(date +%s.%N)
      echo "$m $(echo "$t1 - $t0" | bc) s for $(wc -l < "$OUT/speed-input.txt") sentences; load: $(cut -d' ' -f1-3 /proc/loadavg)"
    done
  } > "$OUT/speed.txt.tmp" && mv "$OUT/speed.txt.tmp" "$OUT/speed.txt"
fi

# 4. explain: the demo's encoder and the same model causal, side by side
if step explain-guitar/explain.json; then
  "${BELLM[@]}" explain --model "$MODEL" --adapter "$DEMO_ADAPTER" --pooling mean --bidirectional-from 4 --layers 0,3,4 \
      "A man is playing a guitar." "A person plays an instrument." --output "$OUT/explain-guitar" > "$OUT/explain-guitar.txt"
fi

# 5. retrieval beside STS in the turning-point sweep: frozen, every k and truncation depth, mean pooling, SICK
#    retrieval as the score (the STS-B dev sweep of the same configurations is docs/SWEEP.md)
if step sweep-sick-ir/done; then
  "${BELLM[@]}" sweep --model "$MODEL" --frozen-only --poolings mean --tasks sick-ir --output "$OUT/sweep-sick-ir" > "$OUT/sweep-sick-ir.txt"
  touch "$OUT/sweep-sick-ir/done"
fi

# 6. the transfer probes in full: the frozen causal model, the same with its top layer bidirectional (untrained),
#    and the demo's encoder (mean pooling); each takes 10-15 minutes on 2 cores (nested cross-validation of C)
if step transfer-frozen.json; then
  "${BELLM[@]}" eval --model "$MODEL" --pooling mean --tasks transfer --output "$OUT/transfer-frozen.json" > "$OUT/transfer-frozen.txt"
fi
if step transfer-frozen-bellm.json; then
  "${BELLM[@]}" eval --model "$MODEL" --pooling mean --bidirectional-from 4 --tasks transfer \
      --output "$OUT/transfer-frozen-bellm.json" > "$OUT/transfer-frozen-bellm.txt"
fi
if step transfer-demo.json; then
  "${BELLM[@]}" eval --model "$MODEL" --adapter "$DEMO_ADAPTER" --pooling mean --bidirectional-from 4 --tasks transfer \
      --output "$OUT/transfer-demo.json" > "$OUT/transfer-demo.txt"
fi
