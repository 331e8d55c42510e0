#!/usr/bin/env python3
"""llama.cpp side of scripts/peer-bench.sh: Python ctypes on the prebuilt libllama that npm's
@node-llama-cpp/linux-x64 package ships (llama.cpp with CPU back ends per x86 level; ggml picks the best one for the
CPU at load time, e.g. zen4 with AVX-512 and AVX512-BF16).

  peer_llamacpp.py run GGUF IDS_JSON N1 N32 THREADS LIBDIR     embed the ids; print one JSON line (peer_torch's keys)
  peer_llamacpp.py check DIR GGUF LIBDIR [N]                  cosine of N llama.cpp vectors (one batch, and one by
                                                               one) against peer_torch.py's model made causal in
                                                               every layer: checks the GGUF conversion and batching
  peer_llamacpp.py layout                                      print sizeof/offsetof of the ctypes structs

Why ctypes rather than node-llama-cpp's JavaScript API: its addon reads back only sequence 0's pooled vector, so a
batch of 32 sequences in one decode call could not return 32 embeddings; its embedding context also prepends BOS and
appends EOS to every input. Here the runner feeds bellm's token ids unchanged, puts all sequences of a batch into one
`llama_decode` call (one sequence id each: llama.cpp masks attention across sequences, with no padding) and reads each
sequence's mean-pooled vector with `llama_get_embeddings_seq`, then L2-normalizes it, as bellm and PyTorch do. The
struct layouts below follow include/llama.h of the llama.cpp release that package was built from (recorded in its
bins/linux-x64/_nlcBuildMetadata.json); `layout` prints them for a check against that header.

Attention is causal in every layer (llama.cpp has no per-layer mask; bellm and PyTorch make the last layer
bidirectional): the FLOPs are the same, the vectors are not. Timing as peer_torch.py: tokens/s of real tokens after one
warm-up batch, batch 1 over the first N1 sequences and batch 32 over the first N32; first_vector_s from the start of
`run` (library and model load included) to the first vector.
"""
import ctypes as C
import json, os, resource, sys, time

import numpy as np

POOLING_MEAN, ATTENTION_CAUSAL, FLASH_ATTN_AUTO = 1, 0, -1


class ModelParams(C.Structure):
    _fields_ = [("devices", C.c_void_p), ("tensor_buft_overrides", C.c_void_p), ("n_gpu_layers", C.c_int32),
                ("split_mode", C.c_int), ("load_mode", C.c_int), ("lazy_mode", C.c_int), ("main_gpu", C.c_int32),
                ("tensor_split", C.c_void_p), ("progress_callback", C.c_void_p),
                ("progress_callback_user_data", C.c_void_p), ("kv_overrides", C.c_void_p),
                ("vocab_only", C.c_bool), ("check_tensors", C.c_bool), ("use_extra_bufts", C.c_bool),
                ("no_host", C.c_bool), ("no_alloc", C.c_bool), ("load_mtp", C.c_bool)]


class ContextParams(C.Structure):
    _fields_ = [("n_ctx", C.c_uint32), ("n_batch", C.c_uint32), ("n_ubatch", C.c_uint32), ("n_seq_max", C.c_uint32),
                ("n_rs_seq", C.c_uint32), ("n_outputs_max", C.c_uint32), ("n_outputs_max_per_seq", C.c_uint32),
                ("n_threads", C.c_int32), ("n_threads_batch", C.c_int32), ("ctx_type", C.c_int),
                ("rope_scaling_type", C.c_int), ("pooling_type", C.c_int), ("attention_type", C.c_int),
                ("flash_attn_type", C.c_int), ("rope_freq_base", C.c_float), ("rope_freq_scale", C.c_float),
                ("yarn_ext_factor", C.c_float), ("yarn_attn_factor", C.c_float), ("yarn_beta_fast", C.c_float),
                ("yarn_beta_slow", C.c_float), ("yarn_orig_ctx", C.c_uint32), ("defrag_thold", C.c_float),
                ("cb_eval", C.c_void_p), ("cb_eval_user_data", C.c_void_p), ("type_k", C.c_int), ("type_v", C.c_int),
                ("abort_callback", C.c_void_p), ("abort_callback_data", C.c_void_p),
                ("embeddings", C.c_bool), ("offload_kqv", C.c_bool), ("no_perf", C.c_bool), ("op_offload", C.c_bool),
                ("swa_full", C.c_bool), ("kv_unified", C.c_bool), ("samplers", C.c_void_p), ("n_samplers", C.c_size_t),
                ("ctx_other", C.c_void_p)]


class Batch(C.Structure):
    _fields_ = [("n_tokens", C.c_int32), ("token", C.POINTER(C.c_int32)), ("embd", C.POINTER(C.c_float)),
                ("pos", C.POINTER(C.c_int32)), ("n_seq_id", C.POINTER(C.c_int32)),
                ("seq_id", C.POINTER(C.POINTER(C.c_int32))), ("logits", C.POINTER(C.c_int8))]


def layout():
    for s in (ModelParams, ContextParams, Batch):
        print(s.__name__, C.sizeof(s), " ".join(f"{n}@{getattr(s, n).offset}" for n, _ in s._fields_))


class LlamaCpp:
    def __init__(self, libdir, gguf, threads, n_seq_max, n_tokens):
        C.CDLL(os.path.join(libdir, "libggml-base.so"), mode=C.RTLD_GLOBAL)
        ggml = C.CDLL(os.path.join(libdir, "libggml.v0.5.0.so"), mode=C.RTLD_GLOBAL)
        lib = self.lib = C.CDLL(os.path.join(libdir, "libllama.v0.5.0.so"))
        ggml.ggml_backend_load_all_from_path.argtypes = [C.c_char_p]
        ggml.ggml_backend_load_all_from_path(libdir.encode())  # registers the best CPU variant for this machine
        if not os.environ.get("PEER_LLAMACPP_LOG"):  # quiet unless asked; keep the callback alive with the object
            self._quiet = C.CFUNCTYPE(None, C.c_int, C.c_char_p, C.c_void_p)(lambda *a: None)
            lib.llama_log_set(self._quiet, None)
        lib.llama_backend_init()
        lib.llama_model_default_params.restype = ModelParams
        lib.llama_context_default_params.restype = ContextParams
        lib.llama_model_load_from_file.argtypes = [C.c_char_p, ModelParams]
        lib.llama_model_load_from_file.restype = C.c_void_p
        lib.llama_init_from_model.argtypes = [C.c_void_p, ContextParams]
        lib.llama_init_from_model.restype = C.c_void_p
        lib.llama_model_n_embd.argtypes = [C.c_void_p]
        lib.llama_batch_init.argtypes = [C.c_int32, C.c_int32, C.c_int32]
        lib.llama_batch_init.restype = Batch
        lib.llama_batch_free.argtypes = [Batch]
        lib.llama_decode.argtypes = [C.c_void_p, Batch]
        lib.llama_get_embeddings_seq.argtypes = [C.c_void_p, C.c_int32]
        lib.llama_get_embeddings_seq.restype = C.POINTER(C.c_float)
        lib.llama_get_memory.argtypes = [C.c_void_p]
        lib.llama_get_memory.restype = C.c_void_p
        lib.llama_memory_clear.argtypes = [C.c_void_p, C.c_bool]
        mp = lib.llama_model_default_params()
        mp.n_gpu_layers = 0
        self.model = lib.llama_model_load_from_file(gguf.encode(), mp)
        if not self.model:
            raise SystemExit(f"llama.cpp could not load {gguf} (PEER_LLAMACPP_LOG=1 shows why)")
        cp = lib.llama_context_default_params()
        # a batch of sequences is one ubatch, pooled in one graph; sized to the largest batch, as the compute buffers
        # (attention scores included) are reserved for it
        self.n_tokens = -(-n_tokens // 256) * 256
        cp.n_ctx = cp.n_batch = cp.n_ubatch = self.n_tokens
        cp.n_seq_max = n_seq_max
        cp.n_threads = cp.n_threads_batch = threads
        cp.embeddings, cp.pooling_type, cp.attention_type = True, POOLING_MEAN, ATTENTION_CAUSAL
        cp.flash_attn_type = FLASH_ATTN_AUTO
        # one KV stream: otherwise llama.cpp splits a batch of unequal sequences into equal-length ubatches, which the
        # llama-embed graph (attention without the cache) would pool piece by piece
        cp.kv_unified = True
        self.ctx = lib.llama_init_from_model(self.model, cp)
        if not self.ctx:
            raise SystemExit(f"llama.cpp could not create a context for {gguf}")
        self.n_embd = lib.llama_model_n_embd(self.model)
        self.batch = lib.llama_batch_init(self.n_tokens, 0, 1)

    def embed(self, seqs):
        """One llama_decode over all sequences (sequence i has id i); L2-normalized mean-pooled vectors."""
        b, n = self.batch, 0
        if sum(len(q) for q in seqs) > self.n_tokens:
            raise SystemExit(f"a batch of {sum(len(q) for q in seqs)} tokens exceeds the context's {self.n_tokens}")
        for s, ids in enumerate(seqs):
            for p, t in enumerate(ids):
                b.token[n], b.pos[n], b.n_seq_id[n], b.logits[n] = t, p, 1, 1
                b.seq_id[n][0] = s
                n += 1
        b.n_tokens = n
        memory = self.lib.llama_get_memory(self.ctx)
        if memory:  # the llama-embed graph keeps no cache; other archs would see the previous batch
            self.lib.llama_memory_clear(memory, True)
        rc = self.lib.llama_decode(self.ctx, b)
        if rc != 0:
            raise SystemExit(f"llama_decode returned {rc}")
        v = np.stack([np.ctypeslib.as_array(self.lib.llama_get_embeddings_seq(self.ctx, s), (self.n_embd,))
                      for s in range(len(seqs))])
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


def rate(engine, seqs, size):
    engine.embed(seqs[:size])  # warm-up
    tokens, c0, t0 = 0, time.process_time(), time.perf_counter()
    for s in range(0, len(seqs), size):
        chunk = seqs[s:s + size]
        engine.embed(chunk)
        tokens += sum(len(q) for q in chunk)
    wall = time.perf_counter() - t0
    return tokens / wall, (time.process_time() - c0) / wall


def run(gguf, ids_file, n1, n32, threads, libdir):
    start = time.perf_counter()
    seqs = json.load(open(ids_file))
    engine = LlamaCpp(libdir, gguf, threads, n_seq_max=n32,
                      n_tokens=max(sum(len(q) for q in seqs[s:s + n32]) for s in range(0, n32, n32)))
    engine.embed(seqs[:1])
    first = time.perf_counter() - start
    lat = []
    for i in range(7):
        t0 = time.perf_counter()
        engine.embed(seqs[i % 4:i % 4 + 1])
        lat.append((time.perf_counter() - t0) * 1e3)
    lat.sort()
    r1, u1 = rate(engine, seqs[:n1], 1)
    r32, u32 = rate(engine, seqs[:n32], 32)
    print(json.dumps({"engine": "llama.cpp", "gguf": os.path.basename(gguf), "first_vector_s": first,
                      "latency_ms_best": lat[0], "latency_ms_median": lat[3], "b1_tokens_per_s": r1,
                      "b1_cpu_per_wall": u1, "b32_tokens_per_s": r32, "b32_cpu_per_wall": u32,
                      "padding_fraction": 0.0, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3,
                      "file_mb": os.path.getsize(gguf) / 1e6}))


def check(d, gguf, libdir, n=4):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import torch, peer_torch
    seqs = json.load(open(os.path.join(d, "ids.json")))[:n]
    model = peer_torch.Model(json.load(open(os.path.join(d, "config.json"))),
                             peer_torch.read_safetensors(os.path.join(d, "model.safetensors")))
    model.last_layer_bidirectional = False
    ids, mask, _ = next(peer_torch.batches(seqs, n))
    ref = model(ids, mask).float().numpy()
    engine = LlamaCpp(libdir, gguf, torch.get_num_threads(), n_seq_max=n, n_tokens=sum(len(q) for q in seqs))
    for how, got in (("one batch", engine.embed(seqs)), ("one by one", np.concatenate([engine.embed([q]) for q in seqs]))):
        print(json.dumps({"gguf": gguf, "sequences": how, "cosine_with_pytorch": np.round((ref * got).sum(1), 6).tolist(),
                          "max_abs_diff": float(np.abs(ref - got).max())}))


if __name__ == "__main__":
    if sys.argv[1:2] == ["layout"]:
        layout()
    elif sys.argv[1:2] == ["check"]:
        check(sys.argv[2], sys.argv[3], sys.argv[4], *(int(a) for a in sys.argv[5:6]))
    elif sys.argv[1:2] == ["run"] and len(sys.argv) == 8:
        run(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7])
    else:
        raise SystemExit(__doc__)
