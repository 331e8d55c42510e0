#!/usr/bin/env python3
"""Driver of scripts/peer-bench.sh: runs the engines interleaved and writes the table into docs/PERFORMANCE.md."""
import json, os, re, subprocess, sys, time

ROOT, WORK, DATA, ROUNDS = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
THREADS, N1, N32 = 2, 8, 32
JAVA = [os.environ["JAVA_HOME"] + "/bin/java", "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-XX:+UseParallelGC", "-Xmn128m", "-Xmx10g", "-cp", ROOT + "/bellm-bench/target/benchmarks.jar"]
TORCH = ["/usr/bin/python3", ROOT + "/scripts/peer_torch.py"]
MODELS = [("llama-100m", "F32", "mistral"), ("llama-100m", "BF16", "mistral"), ("qwen2-0.5b", "F32", "qwen3"),
          ("qwen2-0.5b", "BF16", "qwen3"), ("qwen3-0.6b", "BF16", "qwen3")]
ENGINES = ["bellm-java", "bellm-onednn", "pytorch"]
TRAIN_MODELS = [("llama-100m", "F32"), ("llama-100m", "BF16")]
TRAIN_SECONDS = 15
# llama.cpp: npm's prebuilt libllama (scripts/peer-bench.sh installs it) through scripts/peer_llamacpp.py, on GGUF files
# scripts/peer_gguf.py writes from the same checkpoints; Q8_0 (from the BF16 checkpoint) for the shapes listed
LLAMACPP = ["/usr/bin/python3", ROOT + "/scripts/peer_llamacpp.py", "run"]
LLAMACPP_LIB = WORK + "/llamacpp-node/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64"
LLAMACPP_Q8_0 = {("llama-100m", "BF16"), ("qwen2-0.5b", "BF16")}
# PEER_ENGINES=llama.cpp,llama.cpp-q8_0 runs only those engines and prints their lines (no GEMM race, no doc written)
ONLY = [e for e in os.environ.get("PEER_ENGINES", "").split(",") if e]


def engines_for(shape, dtype):
    engines = ENGINES + ["llama.cpp"] + (["llama.cpp-q8_0"] if (shape, dtype) in LLAMACPP_Q8_0 else [])
    return [e for e in engines if not ONLY or e in ONLY]


def gguf(model_dir, engine):
    dtype = "Q8_0" if engine.endswith("q8_0") else model_dir.rsplit("-", 1)[1]
    path = f"{model_dir}/model-{dtype}.gguf"
    if not os.path.exists(path):
        subprocess.run(["/usr/bin/python3", ROOT + "/scripts/peer_gguf.py", model_dir, dtype, path], check=True)
    return path


def load():
    return open("/proc/loadavg").read().split()[:3]


def run_engine(engine, model_dir, ids):
    if engine == "pytorch":
        cmd = TORCH + ["run", model_dir, ids, str(N1), str(N32), str(THREADS)]
    elif engine.startswith("llama.cpp"):
        cmd = LLAMACPP + [gguf(model_dir, engine), ids, str(N1), str(N32), str(THREADS), LLAMACPP_LIB]
    else:
        cmd = JAVA + ["dev.bellm.bench.PeerBench", model_dir, WORK + "/sentences.txt", engine.split("-")[1], ids,
                      str(N1), str(N32), str(THREADS)]
    t0 = time.time()
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    lines = [l for l in out.stdout.splitlines() if l.startswith("{")]
    if out.returncode != 0 or not lines:
        raise SystemExit(f"{engine} on {model_dir} failed:\n{out.stdout}\n{out.stderr}")
    r = json.loads(lines[-1])
    r["process_s"] = time.time() - t0
    return r


def train_engine(engine, model_dir, dtype):
    """LoRA training steps: EngineBench train (the same shape, random weights) or peer_torch.py train on the checkpoint."""
    if engine == "pytorch":
        cmd = TORCH + ["train", model_dir, str(THREADS), "16", str(TRAIN_SECONDS)]
    else:
        cmd = JAVA + ["dev.bellm.bench.EngineBench", "train", "--dtype", dtype, "--kernels", engine.split("-")[1],
                      "--threads", str(THREADS), "--warmup-steps", "1", "--min-steps", "2", "--min-seconds", str(TRAIN_SECONDS)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise SystemExit(f"{engine} training on {model_dir} failed:\n{out.stdout}\n{out.stderr}")
    if engine == "pytorch":
        return json.loads([l for l in out.stdout.splitlines() if l.startswith("{")][-1])
    # EngineBench's row: steps | tokens | wall s | CPU s | tokens/s (wall) | ...
    cells = [c.strip() for c in [l for l in out.stdout.splitlines() if re.match(r"\| \d", l)][-1].strip("|").split("|")]
    return {"train_tokens_per_s": float(cells[4]), "train_cpu_per_wall": float(cells[3]) / float(cells[2])}


def best(runs, key, low=False):
    vals = [r[key] for r in runs if key in r]
    return (min(vals) if low else max(vals)) if vals else float("nan")


def rss(runs, file_mb=None):
    file_mb = file_mb or best(runs, "file_mb")
    return f"{best(runs, 'peak_rss_mb', True) / file_mb:.2f}"


def main():
    started, load_before = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), load()
    race = "" if ONLY else subprocess.run(JAVA + ["dev.bellm.bench.GemmRace", "rounds=3"], capture_output=True, text=True).stdout
    race = "\n".join(l for l in race.splitlines() if not l.startswith("WARNING"))
    results, loads = {}, [load_before]
    for shape, dtype, tok in MODELS:
        d = f"{WORK}/{shape}-{dtype}"
        if not os.path.exists(d + "/model.safetensors"):
            subprocess.run(TORCH + ["make", shape, dtype, d, f"{DATA}/tokenizers/{tok}/tokenizer.json"], check=True)
        ids = d + "/ids.json"
        engines = engines_for(shape, dtype)
        for e in engines:  # convert before the timed rounds
            if e.startswith("llama.cpp"):
                gguf(d, e)
        runs = {e: [] for e in engines}
        for r in range(ROUNDS):
            order = engines[r % len(engines):] + engines[:r % len(engines)]
            for e in order:  # round 0 starts with bellm, which writes the ids PyTorch reads
                runs[e].append(run_engine(e, d, ids))
                print(shape, dtype, e, json.dumps(runs[e][-1]), flush=True)
            loads.append(load())
        results[(shape, dtype)] = runs
    if ONLY:
        print("load average (1/5/15 min) before and after each model's rounds:", " → ".join("/".join(l) for l in loads))
        return
    training = {}
    for shape, dtype in TRAIN_MODELS:
        d = f"{WORK}/{shape}-{dtype}"
        runs = {e: [] for e in ENGINES}
        for r in range(ROUNDS):
            for e in ENGINES[r % 3:] + ENGINES[:r % 3]:
                runs[e].append(train_engine(e, d, dtype))
                print(shape, dtype, "train", e, json.dumps(runs[e][-1]), flush=True)
        loads.append(load())
        training[(shape, dtype)] = runs
    write(started, loads, race, results, training)


def write(started, loads, race, results, training):
    rows = ["| model shape | dtype | bellm java B=1 | bellm java B=32 | bellm onednn B=1 | bellm onednn B=32 | "
            "PyTorch eager B=1 | PyTorch eager B=32 | llama.cpp B=1 | llama.cpp B=32 | llama.cpp Q8_0 B=1 / B=32 | "
            "prefix reuse gain (B=32, java) | CPU÷wall B=1 (java / PyTorch) | peak RSS ÷ file (java / onednn / PyTorch / llama.cpp) |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    lat = ["| model shape | dtype | engine | first vector (s, JVM/interpreter start to vector) | warm single text (ms, best / median) |",
           "| --- | --- | --- | ---: | ---: |"]
    for (shape, dtype), runs in results.items():
        j, o, t = runs["bellm-java"], runs["bellm-onednn"], runs["pytorch"]
        c, q = runs["llama.cpp"], runs.get("llama.cpp-q8_0", [])
        q8 = f"{best(q, 'b1_tokens_per_s'):.0f} / {best(q, 'b32_tokens_per_s'):.0f}" if q else "–"
        gain = best(j, "b32_tokens_per_s") / best(j, "b32_noprefix_tokens_per_s")
        rows.append(f"| {shape} | {dtype} | {best(j, 'b1_tokens_per_s'):.0f} | {best(j, 'b32_tokens_per_s'):.0f} | "
                    f"{best(o, 'b1_tokens_per_s'):.0f} | {best(o, 'b32_tokens_per_s'):.0f} | {best(t, 'b1_tokens_per_s'):.0f} | "
                    f"{best(t, 'b32_tokens_per_s'):.0f} | {best(c, 'b1_tokens_per_s'):.0f} | {best(c, 'b32_tokens_per_s'):.0f} | "
                    f"{q8} | {gain:.2f}× | {best(j, 'b1_cpu_per_wall'):.2f} / {best(t, 'b1_cpu_per_wall'):.2f} | "
                    f"{rss(j)} / {rss(o)} / {rss(t, best(j, 'file_mb'))} / {rss(c)} |")
        for name, rs in (("bellm java", j), ("bellm onednn", o), ("PyTorch eager", t), ("llama.cpp", c), ("llama.cpp Q8_0", q)):
            if not rs:
                continue
            lat.append(f"| {shape} | {dtype} | {name} | {best(rs, 'first_vector_s', True):.2f} | "
                       f"{best(rs, 'latency_ms_best', True):.0f} / {best(rs, 'latency_ms_median', True):.0f} |")
    train_rows = ["| model shape | dtype | bellm java | bellm onednn | PyTorch eager | CPU÷wall (java / onednn / PyTorch) |",
                  "| --- | --- | ---: | ---: | ---: | ---: |"]
    for (shape, dtype), runs in training.items():
        j, o, t = runs["bellm-java"], runs["bellm-onednn"], runs["pytorch"]
        train_rows.append(f"| {shape} | {dtype} | {best(j, 'train_tokens_per_s'):.0f} | {best(o, 'train_tokens_per_s'):.0f} | "
                          f"{best(t, 'train_tokens_per_s'):.0f} | {best(j, 'train_cpu_per_wall'):.2f} / "
                          f"{best(o, 'train_cpu_per_wall'):.2f} / {best(t, 'train_cpu_per_wall'):.2f} |")
    pad = next(iter(results.values()))["pytorch"][0].get("padding_fraction", 0)
    text = f"""<!-- peer-bench:start (written by scripts/peer-bench.sh; do not edit by hand) -->
Run {started} by `scripts/peer-bench.sh {ROUNDS}` ({ROUNDS} interleaved rounds, best round per figure), {THREADS} threads,
STS-B test sentences in the BeLLM prompt, mean pooling, last layer bidirectional; tokens/s of real tokens (prompt
included) after warm-up: batch 1 over {N1} sentences, batch 32 over {N32}. PyTorch pads each batch
(padding was {pad:.0%} of its batch-32 tokens) and masks it. llama.cpp (npm's prebuilt libllama through
`scripts/peer_llamacpp.py`, GGUF files from `scripts/peer_gguf.py`) decodes each batch's sequences in one call without
padding, mean-pools per sequence, and is causal in every layer (it has no per-layer mask). Load average (1/5/15 min) before and after each model's
rounds: {' → '.join('/'.join(l) for l in loads)}.

{chr(10).join(rows)}

Peak RSS is the process's high-water mark (VmHWM / ru_maxrss) over the whole run, as a multiple of the checkpoint's
size; bellm maps the file, the PyTorch script reads it into memory (its loader, not transformers').

LoRA training, tokens/s of real tokens (r 32 on all seven projections, 16 pairs of 8–64-token random-id sentences per
step, last layer bidirectional, {TRAIN_SECONDS} s after one warm-up step; bellm: `EngineBench train --kernels K`,
PyTorch: `peer_torch.py train`, padded and masked):

{chr(10).join(train_rows)}

Start-up and latency (best over rounds):

{chr(10).join(lat)}

GEMM race in the same run (`dev.bellm.bench.GemmRace rounds=3`):

```
{race.strip()}
```
<!-- peer-bench:end -->"""
    path = ROOT + "/docs/PERFORMANCE.md"
    doc = open(path).read()
    if "<!-- peer-bench:start" in doc:
        doc = re.sub(r"<!-- peer-bench:start.*?<!-- peer-bench:end -->", lambda m: text, doc, flags=re.S)
    else:
        doc += "\n## Peer benchmark: bellm against PyTorch eager\n\n" + text + "\n"
    open(path, "w").write(doc)
    print(text)


main()
