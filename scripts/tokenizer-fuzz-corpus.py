#!/usr/bin/env python3
"""Writes the tokenizer fuzz targets' regression corpus (bellm-engine TokenizerFuzzTest): small valid tokenizer.json
files of each model/normalizer/pre-tokenizer/post-processor kind as seeds, and issue 11's crash reproductions rebuilt
from their descriptions (files named issue11-*). Run from the repository root; deterministic."""
import base64, json, os, struct

OUT = "bellm-engine/src/test/resources/dev/bellm/tokenizer/TokenizerFuzzTestInputs"
LOAD = os.path.join(OUT, "loadTokenizerJson")
ENC = os.path.join(OUT, "encodeText")

def added(i, c, special=True, **kw):
    t = {"id": i, "content": c, "single_word": False, "lstrip": False, "rstrip": False, "normalized": not special, "special": special}
    t.update(kw)
    return t

SPECIALS = [added(0, "<unk>"), added(1, "<s>"), added(2, "</s>")]
WORDS = ["<unk>", "<s>", "</s>", "a", "man", "is", "playing", "guitar", ".", "hello", "world", "the"]
TEMPLATE = {"type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}}

def tok(model, normalizer=None, pre=None, post=None, decoder=None, added_tokens=SPECIALS):
    return {"version": "1.0", "truncation": None, "padding": None, "added_tokens": added_tokens, "normalizer": normalizer,
            "pre_tokenizer": pre, "post_processor": post, "decoder": decoder, "model": model}

def word_level(unk="<unk>"):
    m = {"type": "WordLevel", "vocab": {w: i for i, w in enumerate(WORDS)}}
    if unk is not None: m["unk_token"] = unk
    return m

def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs: bs.append(b); cs.append(256 + n); n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}

def byte_level_bpe(pairs_as_lists):
    m = bytes_to_unicode()
    vocab = {m[b]: i for i, b in enumerate(sorted(m))}
    merges = []
    for w in ["Ġthe", "Ġman", "Ġa", "he", "llo"]:
        left = w[0]
        for ch in w[1:]:
            merges.append([left, ch] if pairs_as_lists else left + " " + ch)
            left += ch
            vocab.setdefault(left, len(vocab))
    return {"type": "BPE", "dropout": None, "unk_token": None, "fuse_unk": False, "byte_fallback": False,
            "ignore_merges": False, "vocab": vocab, "merges": merges}

def sp_bpe():
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256): vocab["<0x%02X>" % b] = len(vocab)
    merges = []
    for w in ["▁the", "▁man", "▁a", "▁hello"]:
        for ch in w: vocab.setdefault(ch, len(vocab))
        left = w[0]
        for ch in w[1:]:
            merges.append(left + " " + ch); left += ch; vocab.setdefault(left, len(vocab))
    return {"type": "BPE", "dropout": None, "unk_token": "<unk>", "fuse_unk": True, "byte_fallback": True, "vocab": vocab, "merges": merges}

def unigram():
    pieces = [["<unk>", 0.0], ["<s>", 0.0], ["</s>", 0.0], ["▁", -2.0]] + [[c, -3.0] for c in "abcdefghijklmnopqrstuvwxyz"]
    pieces += [["▁the", -1.0], ["▁man", -1.5], ["ing", -1.2], ["▁play", -1.4], ["<0x41>", -9.0]]
    return {"type": "Unigram", "unk_id": 0, "byte_fallback": True, "vocab": pieces}

def wordpiece():
    vocab = {w: i for i, w in enumerate(WORDS + ["##s", "##ing", "play", "[UNK]"])}
    return {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100, "vocab": vocab}

def charsmap(rules):
    """A darts-clone double array over UTF-8 bytes (one base per node, 256 slots each) and its replacement pool."""
    pool = b""; root = {}
    for key, value in rules.items():
        node = root
        for b in key.encode(): node = node.setdefault(b, {})
        node[-1] = len(pool); pool += value.encode() + b"\0"
    units, used, bases = {}, set([0]), set()
    def place(node, at):
        labels = [k for k in node if k >= 0]; leaf = -1 in node
        base = 1
        while base in bases or (leaf and base in used) or any((base ^ c) in used for c in labels): base += 1
        bases.add(base)
        units[at] = ((at ^ base) << 10) | ((1 << 8) if leaf else 0) | (units.get(at, 0) & 0xFF if at else 0)
        if leaf: used.add(base); units[base] = 0x80000000 | node[-1]
        for c in labels: used.add(base ^ c); units[base ^ c] = c
        for c in labels: place(node[c], base ^ c)
    place(root, 0)
    length = max(max(used) + 1, max(b | 0xFF for b in bases) + 1)
    arr = [units.get(i, 0) for i in range(length)]
    return base64.b64encode(struct.pack("<I", 4 * length) + struct.pack("<%dI" % length, *arr) + pool).decode()

def write(directory, name, obj):
    os.makedirs(directory, exist_ok=True)
    data = obj if isinstance(obj, bytes) else json.dumps(obj, ensure_ascii=False).encode()
    with open(os.path.join(directory, name), "wb") as f: f.write(data)

GOOD_CHARSMAP = charsmap({"Ａ": "A", "ﬁ": "fi", "①": "1"})
seeds = {
    "wordlevel-bert": tok(word_level(), {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True, "strip_accents": None, "lowercase": True},
                          {"type": "BertPreTokenizer"}, {"type": "BertProcessing", "sep": ["</s>", 2], "cls": ["<s>", 1]}),
    "wordpiece": tok(wordpiece(), {"type": "Lowercase"}, {"type": "Whitespace"}, TEMPLATE, {"type": "WordPiece", "prefix": "##", "cleanup": True}),
    "bytelevel-bpe-regex": tok(byte_level_bpe(True), {"type": "NFC"},
        {"type": "Sequence", "pretokenizers": [{"type": "Split", "pattern": {"Regex": "(?i:'s|'t)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"}, "behavior": "Isolated", "invert": False},
                                              {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}]},
        {"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 1], "trim_offsets": True, "add_prefix_space": True},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}, []),
    "bytelevel-bpe-string-merges": tok(byte_level_bpe(False), None, {"type": "ByteLevel", "add_prefix_space": True, "use_regex": True}, None,
                                       {"type": "ByteLevel"}, []),
    "sentencepiece-bpe": tok(sp_bpe(), {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"}, {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
        None, TEMPLATE, {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}),
    "unigram-precompiled-metaspace": tok(unigram(), {"type": "Precompiled", "precompiled_charsmap": GOOD_CHARSMAP},
        {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": True}, None, {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first"}),
    "wordlevel-splits": tok(word_level(), {"type": "Sequence", "normalizers": [{"type": "NFKD"}, {"type": "StripAccents"}, {"type": "Strip"}]},
        {"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"}, {"type": "Punctuation", "behavior": "Contiguous"}, {"type": "Digits", "individual_digits": True},
                                               {"type": "Split", "pattern": {"String": "a"}, "behavior": "MergedWithNext", "invert": True}]},
        {"type": "Sequence", "processors": [{"type": "ByteLevel", "trim_offsets": False}, TEMPLATE]}, None,
        SPECIALS + [added(3, "a", False, single_word=True), added(20, "[X]", True, lstrip=True, rstrip=True)]),
}
for name, t in seeds.items(): write(LOAD, name, t)

# issue 11's crash reproductions (each aborted the JVM through the native library, or named no file)
unlisted = json.loads(json.dumps(TEMPLATE)); unlisted["single"].insert(0, {"SpecialToken": {"id": "<cls>", "type_id": 0}})
write(LOAD, "issue11-template-unlisted-special-token", tok(word_level(), {"type": "Lowercase"}, {"type": "Whitespace"}, unlisted))
b_in_single = json.loads(json.dumps(TEMPLATE)); b_in_single["single"].append({"Sequence": {"id": "B", "type_id": 1}})
write(LOAD, "issue11-template-sequence-b-in-single", tok(word_level(), {"type": "Lowercase"}, {"type": "Whitespace"}, b_in_single))
bad = base64.b64decode(GOOD_CHARSMAP)
write(LOAD, "issue11-precompiled-truncated-trie", tok(unigram(), {"type": "Precompiled", "precompiled_charsmap": base64.b64encode(struct.pack("<I", 64) + bad[4:68]).decode()}, {"type": "Metaspace"}))
write(LOAD, "issue11-precompiled-size-beyond-blob", tok(unigram(), {"type": "Precompiled", "precompiled_charsmap": base64.b64encode(struct.pack("<I", 1 << 30) + bad[4:]).decode()}, {"type": "Metaspace"}))
write(LOAD, "issue11-precompiled-not-base64", tok(unigram(), {"type": "Precompiled", "precompiled_charsmap": "%%%not base64%%%"}, {"type": "Metaspace"}))
write(LOAD, "issue11-replace-empty-pattern-before-bytelevel", tok(byte_level_bpe(True), {"type": "Replace", "pattern": {"String": ""}, "content": "x"},
      {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": True}, None, None, []))
write(LOAD, "issue11-unknown-word-no-unk", tok(word_level(unk=None), {"type": "Lowercase"}, {"type": "Whitespace"}, TEMPLATE))
write(LOAD, "issue11-unk-token-not-in-vocab", tok(word_level(unk="<missing>"), None, {"type": "Whitespace"}))
write(LOAD, "unknown-normalizer-type", tok(word_level(), {"type": "NoSuchNormalizer"}))
write(LOAD, "regex-catastrophic-backtracking", tok(word_level(), None, {"type": "Split", "pattern": {"Regex": "(.*x){10}y"}, "behavior": "Isolated", "invert": False}))
write(LOAD, "vocab-id-huge", tok({"type": "WordLevel", "vocab": {"a": 2147483647}, "unk_token": "a"}))
write(LOAD, "merge-part-missing", tok({"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a c"]}))
write(LOAD, "not-json", b"{\"model\": {\"type\": \"BPE\", \"vocab\": {")

for name, text in {"qwen3-mixed": b"\x00Hello world, naive caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 <|endoftext|> 123",
                   "mistral-bytes": b"\x01\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd \xff\xfe invalid <s> </s>",
                   "llama3-spaces": b"\x02   \t\r\n  x  \xe2\x80\x8b\xef\xbb\xbf" + b"9" * 40,
                   "wordlevel-punct": b"\x03A man, a plan; <unk> <s>!"}.items():
    write(ENC, name, text)
print("wrote", OUT)
