#!/usr/bin/env python3
"""PyTorch side of scripts/peer-bench.sh (Debian python3-torch).

  peer_torch.py make SHAPE DTYPE DIR TOKENIZER_JSON   write a random-weight Hugging Face checkpoint
  peer_torch.py run DIR IDS_JSON N1 N32 THREADS         embed the ids eagerly; print one JSON line
  peer_torch.py train DIR THREADS [PAIRS] [SECONDS]     LoRA training steps (as EngineBench train); one JSON line

The model is a plain eager LLaMA/Qwen2/Qwen3 forward (as transformers computes it): RMSNorm, rotate-half RoPE,
grouped-query attention through an additive mask (causal below the last layer, bidirectional in it, padding masked),
SwiGLU. Batches are right-padded to their longest sequence with an attention mask, as users run it; mean pooling
over real tokens. BF16 checkpoints compute in bfloat16 (PyTorch dispatches those matmuls to oneDNN).

Training mirrors `EngineBench train`: LoRA r 32 (alpha 32, dropout 0.1 on the adapter's input) on all seven
projections of the frozen base, in the checkpoint's dtype (a BF16 model trains bf16 adapters, as `model.to(bfloat16)`
with PEFT does), PAIRS pairs of random-id sentences of 8-64 tokens per step (right-padded, masked), last layer
bidirectional, mean pooling, an in-batch contrastive loss on the pairs, AdamW; tokens/s counts real tokens.
"""
import json, math, os, resource, struct, sys, time

import torch

SHAPES = {
    # name: hidden, layers, heads, kv heads, head_dim, intermediate, vocab, family
    "llama-100m": (768, 12, 12, 4, 64, 2048, 32000, "llama"),
    "qwen2-0.5b": (896, 24, 14, 2, 64, 4864, 151936, "qwen2"),
    "qwen3-0.6b": (1024, 28, 16, 8, 128, 3072, 151936, "qwen3"),
}


def tensors_of(shape):
    h, L, nh, nkv, hd, im, vocab, fam = SHAPES[shape]
    g = torch.Generator().manual_seed(7)
    def rnd(*s):
        return torch.randn(*s, generator=g) * 0.02
    t = {"model.embed_tokens.weight": rnd(vocab, h), "model.norm.weight": torch.ones(h)}
    for l in range(L):
        p = f"model.layers.{l}."
        t[p + "input_layernorm.weight"] = torch.ones(h)
        t[p + "post_attention_layernorm.weight"] = torch.ones(h)
        t[p + "self_attn.q_proj.weight"] = rnd(nh * hd, h)
        t[p + "self_attn.k_proj.weight"] = rnd(nkv * hd, h)
        t[p + "self_attn.v_proj.weight"] = rnd(nkv * hd, h)
        t[p + "self_attn.o_proj.weight"] = rnd(h, nh * hd)
        t[p + "mlp.gate_proj.weight"] = rnd(im, h)
        t[p + "mlp.up_proj.weight"] = rnd(im, h)
        t[p + "mlp.down_proj.weight"] = rnd(h, im)
        if fam == "qwen2":
            for n, d in (("q", nh * hd), ("k", nkv * hd), ("v", nkv * hd)):
                t[p + f"self_attn.{n}_proj.bias"] = rnd(d)
        if fam == "qwen3":
            t[p + "self_attn.q_norm.weight"] = torch.ones(hd)
            t[p + "self_attn.k_norm.weight"] = torch.ones(hd)
    return t


def write_safetensors(path, tensors, dtype):
    names = sorted(tensors)
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for n in names:
        x = tensors[n].to(dtype).contiguous()
        raw = x.view(torch.int16).numpy().tobytes() if dtype == torch.bfloat16 else x.numpy().tobytes()
        header[n] = {"dtype": "BF16" if dtype == torch.bfloat16 else "F32", "shape": list(x.shape),
                     "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def make(shape, dtype_name, out, tokenizer):
    h, L, nh, nkv, hd, im, vocab, fam = SHAPES[shape]
    os.makedirs(out, exist_ok=True)
    cfg = {"architectures": [{"llama": "LlamaForCausalLM", "qwen2": "Qwen2ForCausalLM", "qwen3": "Qwen3ForCausalLM"}[fam]],
           "model_type": fam, "hidden_size": h, "num_hidden_layers": L, "num_attention_heads": nh,
           "num_key_value_heads": nkv, "head_dim": hd, "intermediate_size": im, "vocab_size": vocab,
           "rms_norm_eps": 1e-6, "rope_theta": 1000000.0 if fam != "llama" else 10000.0, "tie_word_embeddings": True,
           "max_position_embeddings": 4096, "hidden_act": "silu", "bos_token_id": 1, "eos_token_id": 2,
           "attention_bias": fam == "qwen2", "torch_dtype": "bfloat16" if dtype_name == "BF16" else "float32"}
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    write_safetensors(os.path.join(out, "model.safetensors"), tensors_of(shape),
                      torch.bfloat16 if dtype_name == "BF16" else torch.float32)
    with open(tokenizer) as src, open(os.path.join(out, "tokenizer.json"), "w") as dst:
        dst.write(src.read())


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        raw = bytearray(data[b:end])
        if e["dtype"] == "BF16":
            out[name] = torch.frombuffer(raw, dtype=torch.int16).view(torch.bfloat16).reshape(e["shape"])
        else:
            out[name] = torch.frombuffer(raw, dtype=torch.float32).reshape(e["shape"])
    return out


class Model(torch.nn.Module):
    last_layer_bidirectional = True  # peer_llamacpp.py check turns it off: llama.cpp has no per-layer mask

    def __init__(self, cfg, w):
        super().__init__()
        self.c, self.w = cfg, w
        self.hd = cfg.get("head_dim", cfg["hidden_size"] // cfg["num_attention_heads"])
        self.dtype = w["model.embed_tokens.weight"].dtype

    def rms(self, x, weight):
        var = x.float().pow(2).mean(-1, keepdim=True)
        return (x.float() * torch.rsqrt(var + self.c["rms_norm_eps"])).to(x.dtype) * weight

    @torch.no_grad()
    def forward(self, ids, mask):
        return self.encode(ids, mask)

    def encode(self, ids, mask):
        c, w, hd = self.c, self.w, self.hd
        lora = getattr(self, "lora", None)
        B, T = ids.shape
        nh, nkv = c["num_attention_heads"], c["num_key_value_heads"]
        x = w["model.embed_tokens.weight"][ids]
        inv = 1.0 / (c["rope_theta"] ** (torch.arange(0, hd, 2).float() / hd))
        ang = torch.arange(T).float()[:, None] * inv[None, :]
        cos, sin = torch.cat([ang.cos()] * 2, -1).to(self.dtype), torch.cat([ang.sin()] * 2, -1).to(self.dtype)
        def rope(t):
            t1, t2 = t[..., : hd // 2], t[..., hd // 2:]
            return t * cos + torch.cat([-t2, t1], -1) * sin
        neg = torch.finfo(self.dtype).min
        pad = (1 - mask[:, None, None, :].to(self.dtype)) * neg
        causal = torch.triu(torch.full((T, T), neg, dtype=self.dtype), 1)[None, None] + pad
        L = c["num_hidden_layers"]
        for l in range(L):
            p = f"model.layers.{l}."
            h = self.rms(x, w[p + "input_layernorm.weight"])
            def lin(name, v):
                y = torch.nn.functional.linear(v, w[p + name + ".weight"], w.get(p + name + ".bias"))
                if lora is not None:
                    a, b = lora[p + name]
                    y = y + torch.nn.functional.dropout(v, 0.1, self.training) @ a.t() @ b.t()
                return y
            q = lin("self_attn.q_proj", h).view(B, T, nh, hd)
            k = lin("self_attn.k_proj", h).view(B, T, nkv, hd)
            v = lin("self_attn.v_proj", h).view(B, T, nkv, hd).transpose(1, 2)
            if p + "self_attn.q_norm.weight" in w:
                q, k = self.rms(q, w[p + "self_attn.q_norm.weight"]), self.rms(k, w[p + "self_attn.k_norm.weight"])
            q, k = rope(q.transpose(1, 2)), rope(k.transpose(1, 2))
            k, v = k.repeat_interleave(nh // nkv, 1), v.repeat_interleave(nh // nkv, 1)
            s = q @ k.transpose(-1, -2) / math.sqrt(hd) + (pad if l == L - 1 and self.last_layer_bidirectional else causal)
            a = torch.softmax(s.float(), -1).to(self.dtype) @ v
            x = x + lin("self_attn.o_proj", a.transpose(1, 2).reshape(B, T, nh * hd))
            h = self.rms(x, w[p + "post_attention_layernorm.weight"])
            x = x + lin("mlp.down_proj", torch.nn.functional.silu(lin("mlp.gate_proj", h)) * lin("mlp.up_proj", h))
        x = self.rms(x, w["model.norm.weight"]).float()
        m = mask[:, :, None].float()
        e = (x * m).sum(1) / m.sum(1)
        return torch.nn.functional.normalize(e, dim=-1)


def batches(seqs, size):
    for s in range(0, len(seqs), size):
        chunk = seqs[s:s + size]
        T = max(len(q) for q in chunk)
        ids = torch.zeros(len(chunk), T, dtype=torch.long)
        mask = torch.zeros(len(chunk), T, dtype=torch.long)
        for i, q in enumerate(chunk):
            ids[i, :len(q)] = torch.tensor(q)
            mask[i, :len(q)] = 1
        yield ids, mask, sum(len(q) for q in chunk)


def rate(model, seqs, size):
    next(iter([model(*next(batches(seqs[:size], size))[:2])]))  # warm-up
    tokens, c0, t0 = 0, time.process_time(), time.perf_counter()
    for ids, mask, real in batches(seqs, size):
        model(ids, mask)
        tokens += real
    wall = time.perf_counter() - t0
    return tokens / wall, (time.process_time() - c0) / wall


def run(d, ids_file, n1, n32, threads):
    start = time.perf_counter()
    torch.set_num_threads(threads)
    cfg = json.load(open(os.path.join(d, "config.json")))
    model = Model(cfg, read_safetensors(os.path.join(d, "model.safetensors")))
    seqs = json.load(open(ids_file))
    model(*next(batches(seqs[:1], 1))[:2])
    first = time.perf_counter() - start  # from the interpreter's imports done to the first vector
    lat = []
    for i in range(7):
        t0 = time.perf_counter()
        model(*next(batches(seqs[i % 4:i % 4 + 1], 1))[:2])
        lat.append((time.perf_counter() - t0) * 1e3)
    lat.sort()
    r1, u1 = rate(model, seqs[:n1], 1)
    r32, u32 = rate(model, seqs[:n32], 32)
    print(json.dumps({"engine": "pytorch-" + torch.__version__, "first_vector_s": first, "latency_ms_best": lat[0],
                      "latency_ms_median": lat[3], "b1_tokens_per_s": r1, "b1_cpu_per_wall": u1,
                      "b32_tokens_per_s": r32, "b32_cpu_per_wall": u32,
                      "padding_fraction": padding(seqs[:n32], 32),
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3}))


def train(d, threads, pairs=16, seconds=15.0):
    torch.set_num_threads(threads)
    cfg = json.load(open(os.path.join(d, "config.json")))
    model = Model(cfg, read_safetensors(os.path.join(d, "model.safetensors")))
    dt, r = model.dtype, 32
    g = torch.Generator().manual_seed(1)
    model.lora, params = {}, []
    for name, t in model.w.items():
        if name.endswith("_proj.weight"):
            a = torch.nn.Parameter((torch.randn(r, t.shape[1], generator=g) / math.sqrt(t.shape[1])).to(dt))
            b = torch.nn.Parameter(torch.zeros(t.shape[0], r, dtype=dt))
            model.lora[name[:-len(".weight")]] = (a, b)
            params += [a, b]
    model.train()
    opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.0)
    rng = torch.Generator().manual_seed(2)
    def sentences():
        lengths = torch.randint(8, 65, (2 * pairs,), generator=rng).tolist()
        return [[1] + torch.randint(3, cfg["vocab_size"], (n - 1,), generator=rng).tolist() for n in lengths]
    def step():
        seqs = sentences()
        ids, mask, real = next(batches(seqs, len(seqs)))
        e = model.encode(ids, mask).float()
        sim = e[0::2] @ e[1::2].t() / 0.05
        loss = torch.nn.functional.cross_entropy(sim, torch.arange(pairs))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        return real
    step()  # warm-up
    tokens, steps, c0, t0 = 0, 0, time.process_time(), time.perf_counter()
    while steps < 2 or time.perf_counter() - t0 < seconds:
        tokens += step()
        steps += 1
    wall = time.perf_counter() - t0
    print(json.dumps({"engine": "pytorch-" + torch.__version__, "dtype": str(dt), "steps": steps,
                      "train_tokens_per_s": tokens / wall, "train_cpu_per_wall": (time.process_time() - c0) / wall}))


def padding(seqs, size):
    real = total = 0
    for ids, mask, n in batches(seqs, size):
        real += n
        total += ids.numel()
    return 1 - real / total


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(*sys.argv[2:6])
    elif sys.argv[1] == "train":
        train(sys.argv[2], int(sys.argv[3]), *(int(a) for a in sys.argv[4:5]), *(float(a) for a in sys.argv[5:6]))
    else:
        run(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]))
