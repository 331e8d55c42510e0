#!/usr/bin/env python3
"""The multi-seed training table of docs/RESULTS.md from scripts/seeds.sh's output: mean and sample standard
deviation over seeds of each task's Spearman x100, the STS average and SICK retrieval nDCG@10.
Usage: scripts/seeds_table.py [RUNS_DIR]"""
import glob, json, os, re, statistics, sys

out = sys.argv[1] if len(sys.argv) > 1 else "runs/seeds"
cols = ["STS12", "STS13", "STS14", "STS15", "STS16", "STSBenchmark", "SICKRelatedness"]
rows = {}
for f in sorted(glob.glob(f"{out}/trained-*-seed*.json")):
    if f.endswith(".retrieval.json"):
        continue
    m = re.match(r".*/trained-(\w+)-(none|\d)-(?:(nli\+sts)-)?seed(\d+)\.json$", f)
    if not m:
        continue
    pooling, frm, data, seed = m.groups()
    r = json.load(open(f))
    s = [r["tasks"][c]["spearman"] for c in cols]
    ir = None
    rf = f[:-5] + ".retrieval.json"
    if os.path.exists(rf):
        ir = json.load(open(rf))["tasks"]["SICKRetrieval"]["ndcg_at_10"]
    rows.setdefault((pooling, frm, data or "snli"), []).append((int(seed), s + [sum(s) / len(s)], ir))

def fmt(values):
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}"

label = {"none": "0 (causal)", "4": "1 (top)", "3": "2 (top)"}
print("| pooling | bidirectional layers | data | seeds | " + " | ".join(
    c.replace("STSBenchmark", "STS-B").replace("SICKRelatedness", "SICK-R") for c in cols) + " | Avg. | SICK-IR nDCG@10 |")
print("|---|---|---|---|" + "---:|" * (len(cols) + 2))
for (pooling, frm, data), runs in sorted(rows.items(), key=lambda kv: (kv[0][0] != "mean", kv[0][2], kv[0][1] != "none", kv[0][1])):
    seeds = ",".join(str(s) for s, _, _ in sorted(runs))
    per_col = [fmt([r[1][i] for r in runs]) for i in range(len(cols) + 1)]
    print(f"| {pooling} | {label[frm]} | {data} | {seeds} | " + " | ".join(per_col) + f" | {fmt([r[2] for r in runs])} |")
print()
print("Per seed (STS Avg. / SICK-IR):")
for key, runs in sorted(rows.items()):
    print(" ", key, "; ".join(f"seed {s}: {v[-1]:.2f} / {ir:.2f}" if ir is not None else f"seed {s}: {v[-1]:.2f}" for s, v, ir in sorted(runs)))
