#!/usr/bin/env python3
"""Writes the committed Jazzer regression corpus: the crash reproductions of issue 11, rebuilt from their
descriptions, and a valid seed per target. Run from the repository root with the shared data beside it:
    python3 scripts/fuzz-corpus.py [../shared]
Each file is one input of one fuzz target; `./bellm test` replays them all (regression mode)."""
import json, os, struct, sys

shared = sys.argv[1] if len(sys.argv) > 1 else "../shared"
ENGINE = "bellm-engine/src/test/resources/dev/bellm/io/LoaderFuzzTestInputs"
TRAIN = "bellm-train/src/test/resources/dev/bellm/train/TrainingDataFuzzTestInputs"


def put(target_dir, name, data):
    os.makedirs(target_dir, exist_ok=True)
    with open(os.path.join(target_dir, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


# ---------------------------------------------------------------- safetensors files
def st(header, data_len, stated=None, raw_header=None, pad=True):
    h = raw_header if raw_header is not None else json.dumps(header, separators=(",", ":")).encode()
    if pad:
        h += b" " * (-len(h) % 8)
    n = len(h) if stated is None else stated
    return struct.pack("<Q", n & 0xFFFFFFFFFFFFFFFF) + h + bytes(range(256)) * (data_len // 256) + bytes(data_len % 256)


W = {"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}
d = f"{ENGINE}/safetensorsFile"
valid = st(W, 16)
assert (len(valid) - 8 - 16) % 8 == 0
put(d, "valid-padded", valid)
hlen = len(json.dumps(W, separators=(",", ":")))
padded = hlen + (-hlen % 8)
assert padded > hlen, "the seed must have padding for the one-short case"
put(d, "issue11-header-length-one-byte-short", st(W, 16, stated=padded - 1))
put(d, "header-length-one-byte-long", st(W, 16, stated=padded + 1))
put(d, "issue11-trailing-junk-after-header-json", st(None, 16, raw_header=json.dumps(W).encode() + b"junk", pad=True))
put(d, "second-json-value-after-header", st(None, 16, raw_header=json.dumps(W).encode() + b"{}"))
put(d, "newline-padding", st(None, 16, raw_header=json.dumps(W).encode() + b"\n\t\n", pad=True))
put(d, "data-longer-than-tensors", st(W, 17))
put(d, "data-truncated", st(W, 15))
put(d, "negative-header-length", st(W, 16, stated=-1))
put(d, "huge-header-length", st(W, 16, stated=1 << 40))
put(d, "header-length-zero", st(W, 16, stated=0))
put(d, "overlapping-offsets", st({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                  "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, 12))
put(d, "fractional-offsets", st({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0.5, 4]}}, 4))
put(d, "shape-product-overflows-a-long", st({"w": {"dtype": "F32", "shape": [1 << 32, 1 << 32, 1 << 32], "data_offsets": [0, 16]}}, 16))
put(d, "shape-times-width-overflows", st({"w": {"dtype": "F64", "shape": [(1 << 61) + 1], "data_offsets": [0, 8]}}, 8))
put(d, "negative-dimension", st({"w": {"dtype": "F32", "shape": [-4], "data_offsets": [0, 16]}}, 16))
put(d, "duplicate-tensor-name", st(None, 4, raw_header=b'{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'))
put(d, "metadata-not-strings", st({"__metadata__": {"format": 3}, **W}, 16))
put(d, "metadata-an-array", st({"__metadata__": [1, 2], **W}, 16))
put(d, "entry-not-an-object", st({"w": [1, 2, 3]}, 0))
put(d, "unsupported-dtype", st({"w": {"dtype": "I64", "shape": [2], "data_offsets": [0, 16]}}, 16))
put(d, "unknown-dtype", st({"w": {"dtype": "Q4", "shape": [2], "data_offsets": [0, 16]}}, 16))
put(d, "bf16-and-zero-size", st({"a": {"dtype": "BF16", "shape": [3, 2], "data_offsets": [0, 12]},
                                 "z": {"dtype": "F16", "shape": [0, 5], "data_offsets": [12, 12]}}, 12))
put(d, "invalid-utf8-name", st(None, 4, raw_header=b'{"\xff\xfe":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'))
put(d, "deeply-nested", st(None, 0, raw_header=b'{"w":' + b"[" * 5000 + b"]" * 5000 + b"}"))
put(d, "not-an-object", st(None, 0, raw_header=b"[1,2,3]"))
put(d, "short-file", b"\x10\x00\x00")

# ---------------------------------------------------------------- config.json beside tiny-llama's weights
with open(f"{shared}/fixtures/tiny-llama/config.json") as f:
    base = json.load(f)
d = f"{ENGINE}/configJson"


def cfg(name, **changes):
    c = dict(base)
    for k, v in changes.items():
        if v is None:
            c.pop(k, None)
        else:
            c[k] = v
    put(d, name, json.dumps(c, indent=1))


cfg("valid-tiny-llama")
cfg("issue11-heads-times-head-dim-overflows-int", num_attention_heads=65536, num_key_value_heads=65536, head_dim=65536)
cfg("heads-times-head-dim-above-bound", num_attention_heads=1024, num_key_value_heads=1024, head_dim=1024)
cfg("head-dim-wraps-to-hidden", num_attention_heads=4, head_dim=(1 << 30) + 16)
cfg("issue11-layers-one-billion", num_hidden_layers=10 ** 9)
cfg("issue11-layers-int-max", num_hidden_layers=2 ** 31 - 1)
cfg("layers-more-than-the-weights", num_hidden_layers=5)
cfg("vocab-int-max", vocab_size=2 ** 31 - 1)
cfg("vocab-smaller-than-the-weights", vocab_size=1000)
cfg("hidden-does-not-match-tensors", hidden_size=128)
cfg("intermediate-huge", intermediate_size=2 ** 31 - 1)
cfg("max-positions-huge", max_position_embeddings=2 ** 31 - 1)
cfg("max-positions-zero", max_position_embeddings=0)
cfg("layers-beyond-int", num_hidden_layers=2 ** 40)
cfg("layers-fractional", num_hidden_layers=4.5)
cfg("kv-heads-not-dividing", num_key_value_heads=3)
cfg("head-dim-odd", head_dim=15)
cfg("rope-theta-infinite", rope_theta=1e400)
cfg("rms-eps-negative", rms_norm_eps=-1)
cfg("llama3-rope-zero-factor", rope_scaling={"rope_type": "llama3", "factor": 0, "low_freq_factor": 1,
                                             "high_freq_factor": 4, "original_max_position_embeddings": 8192})
cfg("unknown-model-type", model_type="gpt2")
cfg("tied-with-an-lm-head", tie_word_embeddings=True)
put(d, "not-json", "{\"model_type\": \"llama\",")
put(d, "array-top-level", "[1, 2]")
put(d, "trailing-junk", json.dumps(base) + " junk")

# ---------------------------------------------------------------- adapter_config.json beside tiny-llama-lora's weights
with open(f"{shared}/fixtures/tiny-llama-lora/adapter_config.json") as f:
    lora = json.load(f)
d = f"{ENGINE}/adapterConfig"


def adapter(name, **changes):
    c = dict(lora)
    c.update(changes)
    put(d, name, json.dumps(c, indent=1))


adapter("valid-tiny-llama-lora")
put(d, "issue11-lora-alpha-1e38", json.dumps(dict(lora, lora_alpha=1e38)))
put(d, "issue11-lora-alpha-1e-320", json.dumps(lora).replace('"lora_alpha": 8', '"lora_alpha": 1e-320'))
adapter("lora-alpha-zero", lora_alpha=0)
adapter("lora-alpha-negative", lora_alpha=-8)
adapter("rslora-alpha-huge", use_rslora=True, lora_alpha=1e30)
adapter("rank-zero", r=0)
adapter("rank-int-max", r=2 ** 31 - 1)
adapter("rank-not-matching-weights", r=8)
adapter("target-regex-invalid", target_modules="((q_proj")
adapter("target-regex", target_modules=r".*\.(q|k|v|o)_proj")
adapter("target-regex-catastrophic-backtracking", target_modules="(.*.*.*.*.*.*)*x")
adapter("targets-missing-module", target_modules=["q_proj"])
adapter("layers-to-transform-beyond-model", layers_to_transform=[999999])
adapter("peft-type-other", peft_type="PREFIX_TUNING")
adapter("dora", use_dora=True)
adapter("rank-pattern", rank_pattern={"q_proj": 8})
put(d, "lora-alpha-string", json.dumps(dict(lora, lora_alpha="8")))
put(d, "not-json", "{\"peft_type\": ")

# ---------------------------------------------------------------- llama2.c tokenizers (stories260K has vocab_size 512)
with open(f"{shared}/models/stories260K/tok512.bin", "rb") as f:
    tok = f.read()
d = f"{ENGINE}/llama2cTokenizer"


def records_end(n):
    at = 4
    for _ in range(n):
        length = struct.unpack_from("<i", tok, at + 4)[0]
        at += 8 + length
    return at


put(d, "valid-tok512", tok)
put(d, "issue11-truncated-tok512-400-tokens", tok[:records_end(400)])
put(d, "truncated-mid-record", tok[:records_end(300) + 5])
put(d, "byte-pieces-only", tok[:records_end(259)])
put(d, "max-token-length-zero", struct.pack("<i", 0) + tok[4:])
rec = bytearray(tok)
struct.pack_into("<i", rec, records_end(10) + 4, -5)
put(d, "negative-piece-length", bytes(rec))
rec = bytearray(tok)
struct.pack_into("<f", rec, records_end(300), float("nan"))
put(d, "nan-score", bytes(rec))
rec = bytearray(tok)
struct.pack_into("<i", rec, records_end(300) + 4, 2 ** 31 - 1)
put(d, "huge-piece-length", bytes(rec))
put(d, "extra-tokens-600", tok + tok[records_end(412):records_end(512)])

# ---------------------------------------------------------------- training JSON Lines
d = f"{TRAIN}/jsonLines"
T = '{"text": "A man plays a guitar.", "positive": "A person makes music.", "negative": "Nobody is playing."}'
P = lambda a, b, y: json.dumps({"text1": a, "text2": b, "label": y})
put(d, "valid-triplets", "\n".join([T, T.replace("man", "woman"), T.replace("guitar", "piano")]) + "\n")
put(d, "valid-pairs", "\n".join([P("a cat", "a dog", 1), P("a man", "a car", 0), P("a boy", "a lad", 1)]) + "\n")
put(d, "issue11-one-example", P("a cat", "a dog", 1) + "\n")
put(d, "all-labels-equal", "\n".join([P("a cat", "a dog", 0), P("a man", "a car", 0)]) + "\n")
put(d, "issue11-label-out-of-range-for-ibn", "\n".join([P("a cat", "a dog", 1), P("a man", "a car", 0), P("a boy", "a lad", 3.5)]) + "\n")
put(d, "label-infinite", P("a cat", "a dog", 1) + "\n" + '{"text1": "a", "text2": "b", "label": 1e999}\n')
put(d, "label-a-string", '{"text1": "a", "text2": "b", "label": "1"}\n')
put(d, "issue11-invalid-utf8-line-2", (T + "\n").encode() + b'{"text": "caf\xe9", "positive": "b", "negative": "c"}\n')
put(d, "truncated-utf8-at-end", (T + "\n").encode() + b'\xe2\x82')
put(d, "mixed-kinds", T + "\n" + P("a", "b", 1) + "\n")
put(d, "mixed-fields", '{"text": "a", "text1": "b", "positive": "c", "negative": "d"}\n')
put(d, "duplicate-key", '{"text": "a", "text": "b", "positive": "c", "negative": "d"}\n')
put(d, "trailing-tokens", T + " {}\n")
put(d, "array-row", "[1, 2, 3]\n")
put(d, "empty-text", '{"text": "  ", "positive": "c", "negative": "d"}\n')
put(d, "crlf-and-blank-lines", "\r\n".join(["", T, "", T.replace("man", "dog"), ""]))
put(d, "empty-file", "")
put(d, "deeply-nested", '{"text": ' + "[" * 3000 + "]" * 3000 + "}\n")
print("corpus written")
