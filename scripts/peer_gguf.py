#!/usr/bin/env python3
"""GGUF writer for the llama.cpp side of scripts/peer-bench.sh (numpy only; no gguf package).

  peer_gguf.py DIR TYPE [OUT]     DIR holds config.json + model.safetensors (peer_torch.py make);
                                  TYPE is F32, BF16 or Q8_0; OUT defaults to DIR/model-TYPE.gguf

Every shape (LLaMA, Qwen2, Qwen3) is written as llama.cpp's `llama-embed` architecture: the LLaMA graph without the
language-model head. The stock `llama`/`qwen2`/`qwen3` graphs multiply every token by the vocabulary matrix when
embeddings are requested (llama.cpp outputs all tokens for pooling), which bellm and PyTorch never do: a third more
FLOPs at these shapes. `llama-embed` keeps the same shapes and matmuls as the other engines: Qwen2's q/k/v biases
load as optional tensors of the LLaMA graph; Qwen3's per-head q/k RMSNorm has no place in it and is dropped (its
weights are ones in the random checkpoints; the cost is two RMSNorms over head_dim per token).

llama-embed applies RoPE to adjacent pairs, Hugging Face checkpoints rotate halves: the q and k rows (and biases) are
permuted head by head (pairs (i, i + d/2) become (2i, 2i + 1)), so the attention is the one the checkpoint defines.

The vocabulary is a placeholder (`tokenizer.ggml.model = none` with `vocab_size` dummy tokens): the runner feeds the
token ids bellm wrote (ids.json), so llama.cpp never tokenizes. Mean pooling and causal attention are set in the
metadata. 2-D weights are stored in TYPE (Q8_0: blocks of 32 int8 with one f16 scale, round-to-nearest of
x / (max|x| / 127)); norms and biases stay F32, as llama.cpp's own converter keeps them.
"""
import json, os, struct, sys

import numpy as np

GGML = {"F32": 0, "F16": 1, "Q8_0": 8, "BF16": 30}
FILE_TYPE = {"F32": 0, "Q8_0": 7, "BF16": 32}  # llama_ftype
ARCH = "llama-embed"
ALIGN = 32
QK8_0 = 32
POOLING_MEAN = 1
U32, F32T, BOOL, STRING, ARRAY = 4, 6, 7, 8, 9


def read_safetensors(path):
    """name -> (dtype, shape, numpy view of the raw data in the file), memory-mapped."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    raw = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        np_type = {"F32": np.float32, "BF16": np.uint16}[e["dtype"]]
        out[name] = (e["dtype"], e["shape"], raw[b:end].view(np_type).reshape(e["shape"]))
    return out


def to_f32(dtype, a):
    if dtype == "F32":
        return np.asarray(a, dtype=np.float32)
    return (np.asarray(a, dtype=np.uint32) << 16).view(np.float32)


def to_bf16(dtype, a):
    """bf16 bits (uint16), round to nearest even from f32 (NaN not expected in random weights)."""
    if dtype == "BF16":
        return np.asarray(a)
    bits = np.asarray(a, dtype=np.float32).view(np.uint32)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)


def q8_0(x):
    """rows of f32 (last dim a multiple of 32) -> Q8_0 bytes: per block an f16 scale then 32 int8."""
    blocks = x.reshape(-1, QK8_0)
    amax = np.abs(blocks).max(axis=1)
    d = amax / 127.0
    inv = np.divide(1.0, d, out=np.zeros_like(d), where=d > 0)
    q = np.rint(blocks * inv[:, None]).clip(-127, 127).astype(np.int8)
    out = np.empty((blocks.shape[0], 2 + QK8_0), dtype=np.uint8)
    out[:, :2] = d.astype(np.float16).view(np.uint8).reshape(-1, 2)
    out[:, 2:] = q.view(np.uint8)
    return out.tobytes()


def rope_pairs(a, heads):
    """Reorder each head's rows from halves (i, i + d/2) to adjacent pairs (2i, 2i + 1)."""
    rows = a.shape[0]
    return a.reshape(heads, 2, rows // heads // 2, *a.shape[1:]).swapaxes(1, 2).reshape(a.shape)


def gguf_name(hf):
    if hf == "model.embed_tokens.weight":
        return "token_embd.weight"
    if hf == "model.norm.weight":
        return "output_norm.weight"
    if hf == "lm_head.weight":
        return None  # tied in these checkpoints; llama-embed never reads it
    parts = hf.split(".")  # model.layers.N.module.proj.kind
    layer, rest = parts[2], ".".join(parts[3:])
    names = {"input_layernorm.weight": "attn_norm.weight", "post_attention_layernorm.weight": "ffn_norm.weight",
             "self_attn.q_proj.weight": "attn_q.weight", "self_attn.k_proj.weight": "attn_k.weight",
             "self_attn.v_proj.weight": "attn_v.weight", "self_attn.o_proj.weight": "attn_output.weight",
             "self_attn.q_proj.bias": "attn_q.bias", "self_attn.k_proj.bias": "attn_k.bias",
             "self_attn.v_proj.bias": "attn_v.bias", "mlp.gate_proj.weight": "ffn_gate.weight",
             "mlp.up_proj.weight": "ffn_up.weight", "mlp.down_proj.weight": "ffn_down.weight",
             "self_attn.q_norm.weight": None, "self_attn.k_norm.weight": None}
    if rest not in names:
        raise SystemExit(f"peer_gguf: no GGUF name for tensor {hf}")
    return None if names[rest] is None else f"blk.{layer}.{names[rest]}"


class Writer:
    def __init__(self):
        self.kv, self.tensors = [], []

    @staticmethod
    def _str(s):
        b = s.encode()
        return struct.pack("<Q", len(b)) + b

    def add(self, key, kind, value):
        body = {U32: lambda v: struct.pack("<I", v), F32T: lambda v: struct.pack("<f", v),
                BOOL: lambda v: struct.pack("<?", v), STRING: self._str}[kind](value)
        self.kv.append(self._str(key) + struct.pack("<I", kind) + body)

    def tensor(self, name, shape, ggml_type, nbytes, data):
        """data() produces the bytes when the file is written, so a 2 GB model is never held in memory."""
        self.tensors.append((name, shape, ggml_type, nbytes, data))

    def write(self, path):
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(b"GGUF" + struct.pack("<IQQ", 3, len(self.tensors), len(self.kv)))
            for kv in self.kv:
                f.write(kv)
            offset = 0
            for name, shape, ggml_type, nbytes, _ in self.tensors:
                dims = list(reversed(shape))  # ggml's ne[0] is the innermost (row) length
                f.write(self._str(name) + struct.pack("<I", len(dims)) + struct.pack(f"<{len(dims)}Q", *dims)
                        + struct.pack("<IQ", ggml_type, offset))
                offset += -(-nbytes // ALIGN) * ALIGN
            f.write(b"\0" * (-f.tell() % ALIGN))
            for name, _, _, nbytes, data in self.tensors:
                b = data()
                if len(b) != nbytes:
                    raise SystemExit(f"peer_gguf: {name} came out {len(b)} bytes, expected {nbytes}")
                f.write(b)
                f.write(b"\0" * (-nbytes % ALIGN))
        os.replace(tmp, path)


def convert(d, kind, out):
    cfg = json.load(open(os.path.join(d, "config.json")))
    h, nh, nkv = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = cfg.get("head_dim", h // nh)
    w = Writer()
    w.add("general.architecture", STRING, ARCH)
    w.add("general.name", STRING, os.path.basename(os.path.normpath(d)) + " (random weights, bellm peer bench)")
    w.add("general.file_type", U32, FILE_TYPE[kind])
    for key, kind_, value in (("vocab_size", U32, cfg["vocab_size"]), ("context_length", U32, cfg["max_position_embeddings"]),
                              ("embedding_length", U32, h), ("block_count", U32, cfg["num_hidden_layers"]),
                              ("feed_forward_length", U32, cfg["intermediate_size"]),
                              ("attention.head_count", U32, nh), ("attention.head_count_kv", U32, nkv),
                              ("attention.key_length", U32, hd), ("attention.value_length", U32, hd),
                              ("rope.dimension_count", U32, hd), ("rope.freq_base", F32T, float(cfg["rope_theta"])),
                              ("attention.layer_norm_rms_epsilon", F32T, float(cfg["rms_norm_eps"])),
                              ("attention.causal", BOOL, True), ("pooling_type", U32, POOLING_MEAN)):
        w.add(f"{ARCH}.{key}", kind_, value)
    w.add("tokenizer.ggml.model", STRING, "none")
    for hf, (dtype, shape, a) in sorted(read_safetensors(os.path.join(d, "model.safetensors")).items()):
        name = gguf_name(hf)
        if name is None:
            continue
        if name.endswith(("attn_q.weight", "attn_q.bias")):
            a = rope_pairs(a, nh)
        elif name.endswith(("attn_k.weight", "attn_k.bias")):
            a = rope_pairs(a, nkv)
        n = int(np.prod(shape))
        if len(shape) == 1 or kind == "F32":
            w.tensor(name, shape, GGML["F32"], 4 * n, lambda a=a, t=dtype: to_f32(t, a).tobytes())
        elif kind == "BF16":
            w.tensor(name, shape, GGML["BF16"], 2 * n, lambda a=a, t=dtype: to_bf16(t, a).tobytes())
        else:
            rows = 4096  # quantize in slices: the 151936-row embedding would need 0.5 GB of f32 at once
            w.tensor(name, shape, GGML["Q8_0"], n // QK8_0 * (2 + QK8_0),
                     lambda a=a, t=dtype, r0=shape[0]: b"".join(q8_0(to_f32(t, a[r:r + rows])) for r in range(0, r0, rows)))
    w.write(out)


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[2] not in FILE_TYPE:
        raise SystemExit(__doc__)
    src = sys.argv[1]
    convert(src, sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else os.path.join(src, f"model-{sys.argv[2]}.gguf"))
