package dev.bellm.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bellm.io.DataDirectory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every model, normalizer, pre-tokenizer, post-processor and decoder type bellm implements, in small synthetic
 * tokenizer.json files, against the Rust library through DJL (test scope): the same ids for every text, and the same
 * decoded text.
 */
class ComponentParityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path FIXTURES = DataDirectory.resolve("fixtures");
    private static List<String> texts;
    private static List<String> words;

    @BeforeAll
    static void readTexts() throws IOException {
        List<String> all = new ArrayList<>();
        JSON.readTree(DataDirectory.resolve("tokenizers/sentences.json").toFile()).forEach(s -> all.add(s.textValue()));
        texts = new ArrayList<>(all.subList(0, 150));
        texts.addAll(all.subList(all.size() - 100, all.size())); // the edge cases
        texts.addAll(List.of("", " ", "  leading and trailing  ", "Café naïve façade ÀÉÎÕÜ", "ｆｕｌｌｗｉｄｔｈ ①②③ ﬁne",
                "中文字符 and 日本語", "don't I'm we've they're", "a man [X] plays [X]guitar", "manly man, MAN; the man.",
                "Two two TWO", "123 4567 89.5", "<s>hello</s> world <s>", "tab\there\nnewline\r\nend", "emoji 👍🏽 🇫🇷 👨‍👩‍👧",
                "aaaaaaaaaaaaaaaaaaaaaaaa bbbbbbbbbbbbb", "ＡＢＣ ﬁ ①"));
        JsonNode vocab = JSON.readTree(FIXTURES.resolve("tiny-llama/tokenizer.json").toFile()).get("model").get("vocab");
        words = new ArrayList<>();
        vocab.properties().forEach(e -> words.add(e.getKey()));
    }

    record Case(String name, String json) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() throws IOException {
        readTexts();
        List<Case> cases = new ArrayList<>();
        String bertPost = "{\"type\":\"BertProcessing\",\"sep\":[\"</s>\",2],\"cls\":[\"<s>\",1]}";
        String template = "{\"type\":\"TemplateProcessing\",\"single\":[{\"SpecialToken\":{\"id\":\"<s>\",\"type_id\":0}},"
                + "{\"Sequence\":{\"id\":\"A\",\"type_id\":0}},{\"SpecialToken\":{\"id\":\"</s>\",\"type_id\":0}}],"
                + "\"pair\":[{\"Sequence\":{\"id\":\"A\",\"type_id\":0}},{\"Sequence\":{\"id\":\"B\",\"type_id\":1}}],"
                + "\"special_tokens\":{\"<s>\":{\"id\":\"<s>\",\"ids\":[1],\"tokens\":[\"<s>\"]},"
                + "\"</s>\":{\"id\":\"</s>\",\"ids\":[2],\"tokens\":[\"</s>\"]}}}";
        String specials = "[" + added(0, "<unk>", true, false, false, false, false) + "," + added(1, "<s>", true, false, false, false, false)
                + "," + added(2, "</s>", true, false, false, false, false) + "]";
        String wordLevel = wordLevel();
        cases.add(new Case("WordLevel+Bert", tokenizer(wordLevel, "{\"type\":\"BertNormalizer\",\"clean_text\":true,"
                + "\"handle_chinese_chars\":false,\"strip_accents\":true,\"lowercase\":false}",
                "{\"type\":\"BertPreTokenizer\"}", bertPost, null, specials)));
        cases.add(new Case("WordPiece+Bert", tokenizer(wordPiece(), "{\"type\":\"BertNormalizer\",\"clean_text\":true,"
                + "\"handle_chinese_chars\":true,\"strip_accents\":null,\"lowercase\":true}", "{\"type\":\"BertPreTokenizer\"}",
                template, "{\"type\":\"WordPiece\",\"prefix\":\"##\",\"cleanup\":true}", specials)));
        for (String behavior : List.of("Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous")) {
            for (boolean invert : List.of(false, true)) {
                cases.add(new Case("Split " + behavior + (invert ? " inverted" : ""), tokenizer(wordLevel,
                        "{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFKD\"},{\"type\":\"StripAccents\"},"
                                + "{\"type\":\"Lowercase\"},{\"type\":\"Strip\",\"strip_left\":true,\"strip_right\":true}]}",
                        "{\"type\":\"Split\",\"pattern\":{\"Regex\":\"\\\\s+|[aeiou]\"},\"behavior\":\"" + behavior
                                + "\",\"invert\":" + invert + "}", null, null, specials)));
            }
        }
        cases.add(new Case("Split string MergedWithPrevious", tokenizer(wordLevel, "{\"type\":\"Lowercase\"}",
                "{\"type\":\"Split\",\"pattern\":{\"String\":\" \"},\"behavior\":\"MergedWithPrevious\",\"invert\":false}",
                null, null, specials)));
        cases.add(new Case("WhitespaceSplit+Punctuation+Digits", tokenizer(wordLevel, "{\"type\":\"Lowercase\"}",
                "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"WhitespaceSplit\"},{\"type\":\"Punctuation\","
                        + "\"behavior\":\"Contiguous\"},{\"type\":\"Digits\",\"individual_digits\":true}]}", template, null, specials)));
        cases.add(new Case("Digits contiguous", tokenizer(wordLevel, "{\"type\":\"NFC\"}",
                "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Whitespace\"},{\"type\":\"Digits\",\"individual_digits\":false}]}",
                null, null, specials)));
        String addedVariants = "[" + added(0, "<unk>", true, false, false, false, false) + ","
                + added(1, "<s>", true, false, false, false, false) + "," + added(2, "</s>", true, false, false, false, false) + ","
                + added(15, "man", false, false, false, true, true) + "," + added(1507, "[X]", true, true, true, false, false) + ","
                + added(1508, "Two", false, false, false, true, false) + "," + added(1509, "the", false, false, true, false, false) + "]";
        cases.add(new Case("added tokens lstrip/rstrip/single_word/normalized", tokenizer(wordLevel,
                "{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFC\"},{\"type\":\"Lowercase\"}]}",
                "{\"type\":\"Whitespace\"}", template, null, addedVariants)));
        cases.add(new Case("Replace regex + Prepend + CharDelimiterSplit", tokenizer(wordLevel,
                "{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"Lowercase\"},{\"type\":\"Replace\",\"pattern\":{\"Regex\":\"[0-9]+\"},"
                        + "\"content\":\" a \"},{\"type\":\"Prepend\",\"prepend\":\"the \"}]}",
                "{\"type\":\"CharDelimiterSplit\",\"delimiter\":\" \"}", null, null, specials)));
        String byteLevel = byteLevelBpe(false);
        cases.add(new Case("byte-level BPE + Roberta", tokenizer(byteLevel, null,
                "{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim_offsets\":true,\"use_regex\":true}",
                "{\"type\":\"RobertaProcessing\",\"sep\":[\"</s>\",2],\"cls\":[\"<s>\",1],\"trim_offsets\":true,\"add_prefix_space\":true}",
                "{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim_offsets\":true,\"use_regex\":true}", specials)));
        cases.add(new Case("byte-level BPE ignore_merges + Split regex + Sequence post", tokenizer(byteLevelBpe(true), "{\"type\":\"NFC\"}",
                "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Split\",\"pattern\":{\"Regex\":"
                        + JSON.valueToTree("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")
                        + "},\"behavior\":\"Isolated\",\"invert\":false},{\"type\":\"ByteLevel\",\"add_prefix_space\":false,"
                        + "\"trim_offsets\":false,\"use_regex\":false}]}",
                "{\"type\":\"Sequence\",\"processors\":[{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":false,\"use_regex\":false},"
                        + "{\"type\":\"BertProcessing\",\"sep\":[\"</s>\",2],\"cls\":[\"<s>\",1]}]}",
                "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":false,\"use_regex\":false}", specials)));
        String sp = sentencePieceBpe();
        cases.add(new Case("sentencepiece BPE byte_fallback", tokenizer(sp,
                "{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"Prepend\",\"prepend\":\"▁\"},{\"type\":\"Replace\","
                        + "\"pattern\":{\"String\":\" \"},\"content\":\"▁\"}]}", null, template,
                "{\"type\":\"Sequence\",\"decoders\":[{\"type\":\"Replace\",\"pattern\":{\"String\":\"▁\"},\"content\":\" \"},"
                        + "{\"type\":\"ByteFallback\"},{\"type\":\"Fuse\"},{\"type\":\"Strip\",\"content\":\" \",\"start\":1,\"stop\":0}]}",
                specials)));
        for (String scheme : List.of("first", "always", "never")) {
            cases.add(new Case("Metaspace " + scheme, tokenizer(sp, null,
                    "{\"type\":\"Metaspace\",\"replacement\":\"▁\",\"prepend_scheme\":\"" + scheme + "\",\"split\":" + !scheme.equals("never") + "}",
                    null, "{\"type\":\"Metaspace\",\"replacement\":\"▁\",\"prepend_scheme\":\"" + scheme + "\",\"split\":true}",
                    addedVariants.replace("\"man\"", "\"▁man\"").replace("\"the\"", "\"▁the\""))));
        }
        cases.add(new Case("BPE prefix/suffix", tokenizer(affixBpe(), "{\"type\":\"Lowercase\"}", "{\"type\":\"WhitespaceSplit\"}",
                null, "{\"type\":\"BPEDecoder\",\"suffix\":\"</w>\"}", specials)));
        String charsmap = Charsmaps.build(new LinkedHashMap<>(Map.of("Ａ", "A", "Ｂ", "B", "ﬁ", "fi", "①", "1", "②", "2",
                "\t", " ", "é", "e")));
        cases.add(new Case("Unigram + Precompiled + byte_fallback", tokenizer(unigram(true),
                "{\"type\":\"Precompiled\",\"precompiled_charsmap\":\"" + charsmap + "\"}",
                "{\"type\":\"Metaspace\",\"replacement\":\"▁\",\"prepend_scheme\":\"always\",\"split\":true}", template,
                "{\"type\":\"Metaspace\",\"replacement\":\"▁\",\"prepend_scheme\":\"always\",\"split\":true}", specials)));
        cases.add(new Case("Unigram unk", tokenizer(unigram(false), "{\"type\":\"Lowercase\"}",
                "{\"type\":\"Metaspace\",\"replacement\":\"▁\",\"add_prefix_space\":true}", null, null, specials)));
        return cases.stream();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void idsAndDecodedTextMatchTheRustLibrary(Case c) throws IOException {
        HfTokenizer ours = HfTokenizer.parse(Path.of(c.name() + "/tokenizer.json"), c.json().getBytes(StandardCharsets.UTF_8),
                Path.of(c.name() + "/tokenizer_config.json"), null);
        List<String> mismatches = new ArrayList<>();
        try (HuggingFaceTokenizer rust = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(c.json().getBytes(StandardCharsets.UTF_8)),
                Map.of("truncation", "false", "padding", "false"))) {
            for (String text : texts) {
                int[] expected = Arrays.stream(rust.encode(text, true, false).getIds()).mapToInt(Math::toIntExact).toArray();
                int[] got = ours.encode(text);
                if (!Arrays.equals(expected, got)) {
                    mismatches.add(JSON.valueToTree(text) + ": expected " + Arrays.toString(expected) + " got " + Arrays.toString(got));
                    continue;
                }
                long[] asLongs = Arrays.stream(got).asLongStream().toArray();
                String expectedText = rust.decode(asLongs, true);
                String gotText = ours.decode(got);
                if (!expectedText.equals(gotText)) {
                    mismatches.add("decode of " + JSON.valueToTree(text) + ": expected " + JSON.valueToTree(expectedText) + " got "
                            + JSON.valueToTree(gotText));
                }
            }
        }
        assertEquals(List.of(), mismatches.subList(0, Math.min(5, mismatches.size())), mismatches.size() + " mismatches");
    }

    private static String added(int id, String content, boolean special, boolean lstrip, boolean rstrip, boolean normalized,
                                boolean singleWord) {
        ObjectNode t = JSON.createObjectNode().put("id", id).put("content", content).put("single_word", singleWord)
                .put("lstrip", lstrip).put("rstrip", rstrip).put("normalized", normalized).put("special", special);
        return t.toString();
    }

    private static String tokenizer(String model, String normalizer, String preTokenizer, String postProcessor, String decoder,
                                    String addedTokens) {
        return "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":" + addedTokens + ",\"normalizer\":"
                + normalizer + ",\"pre_tokenizer\":" + preTokenizer + ",\"post_processor\":" + postProcessor + ",\"decoder\":"
                + decoder + ",\"model\":" + model + "}";
    }

    private static String wordLevel() {
        ObjectNode vocab = JSON.createObjectNode();
        for (int i = 0; i < words.size(); i++) vocab.put(words.get(i), i);
        return JSON.createObjectNode().put("type", "WordLevel").put("unk_token", "<unk>").set("vocab", vocab).toString();
    }

    private static String wordPiece() {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (String w : words) vocab.putIfAbsent(w, vocab.size());
        for (char c = 'a'; c <= 'z'; c++) {
            vocab.putIfAbsent(String.valueOf(c), vocab.size());
            vocab.putIfAbsent("##" + c, vocab.size());
        }
        for (String s : List.of("##ing", "##s", "##ed", "##er", "中", "1", "##2", "##3")) vocab.putIfAbsent(s, vocab.size());
        ObjectNode v = JSON.createObjectNode();
        vocab.forEach(v::put);
        return JSON.createObjectNode().put("type", "WordPiece").put("unk_token", "<unk>").put("continuing_subword_prefix", "##")
                .put("max_input_chars_per_word", 12).set("vocab", v).toString();
    }

    /** Symbols of 256 bytes, then merges built word by word (left to right) from the fixture's words with a leading space. */
    private static String byteLevelBpe(boolean ignoreMerges) {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (String s : List.of("<unk>", "<s>", "</s>")) vocab.put(s, vocab.size());
        for (int b = 0; b < 256; b++) vocab.putIfAbsent(byteLevel(new byte[] {(byte) b}), vocab.size());
        ArrayNode merges = JSON.createArrayNode();
        Set<String> seen = new LinkedHashSet<>();
        for (String w : words.subList(4, 400)) {
            for (String form : List.of(" " + w, w)) {
                String encoded = byteLevel(form.getBytes(StandardCharsets.UTF_8));
                String left = encoded.substring(0, 1);
                for (int i = 1; i < encoded.length(); i++) {
                    String right = encoded.substring(i, i + 1);
                    if (seen.add(left + " " + right)) {
                        merges.add(left + " " + right);
                        vocab.putIfAbsent(left + right, vocab.size());
                    }
                    left = left + right;
                }
            }
        }
        ObjectNode v = JSON.createObjectNode();
        vocab.forEach(v::put);
        ObjectNode model = JSON.createObjectNode().put("type", "BPE").putNull("dropout").putNull("unk_token")
                .put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", ignoreMerges);
        model.set("vocab", v);
        model.set("merges", merges);
        return model.toString();
    }

    private static String byteLevel(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        for (byte b : bytes) {
            int u = b & 0xFF;
            boolean printable = (u >= '!' && u <= '~') || (u >= 0xA1 && u <= 0xAC) || (u >= 0xAE);
            if (printable) out.append((char) u);
            else {
                int n = 0;
                for (int k = 0; k < u; k++) {
                    boolean p = (k >= '!' && k <= '~') || (k >= 0xA1 && k <= 0xAC) || (k >= 0xAE);
                    if (!p) n++;
                }
                out.append((char) (256 + n));
            }
        }
        return out.toString();
    }

    /** Characters of the fixture's words plus ▁, byte tokens, merges as [a, b] pairs. */
    private static String sentencePieceBpe() {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (String s : List.of("<unk>", "<s>", "</s>")) vocab.put(s, vocab.size());
        for (int b = 0; b < 256; b++) vocab.put(String.format("<0x%02X>", b), vocab.size());
        vocab.putIfAbsent("▁", vocab.size());
        ArrayNode merges = JSON.createArrayNode();
        Set<String> seen = new LinkedHashSet<>();
        for (String w : words.subList(4, 400)) {
            String form = "▁" + w;
            form.codePoints().forEach(c -> vocab.putIfAbsent(new String(Character.toChars(c)), vocab.size()));
            String left = form.substring(0, 1);
            for (int i = 1; i < form.length(); i++) {
                String right = form.substring(i, i + 1);
                if (seen.add(left + " " + right)) {
                    merges.add(JSON.createArrayNode().add(left).add(right));
                    vocab.putIfAbsent(left + right, vocab.size());
                }
                left = left + right;
            }
        }
        ObjectNode v = JSON.createObjectNode();
        vocab.forEach(v::put);
        ObjectNode model = JSON.createObjectNode().put("type", "BPE").putNull("dropout").put("unk_token", "<unk>")
                .put("fuse_unk", true).put("byte_fallback", true);
        model.set("vocab", v);
        model.set("merges", merges);
        return model.toString();
    }

    /** BPE with continuing_subword_prefix "##" and end_of_word_suffix "</w>", merges as "a b" strings. */
    private static String affixBpe() {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (String s : List.of("<unk>", "<s>", "</s>")) vocab.put(s, vocab.size());
        ArrayNode merges = JSON.createArrayNode();
        Set<String> seen = new LinkedHashSet<>();
        for (String w : words.subList(4, 300)) {
            if (w.length() < 2 || w.contains(" ")) continue;
            List<String> symbols = new ArrayList<>();
            for (int i = 0; i < w.length(); i++) {
                String s = (i > 0 ? "##" : "") + w.charAt(i) + (i == w.length() - 1 ? "</w>" : "");
                symbols.add(s);
                vocab.putIfAbsent(s, vocab.size());
            }
            String left = symbols.getFirst();
            for (int i = 1; i < symbols.size(); i++) {
                String right = symbols.get(i);
                String merged = left + right.substring(2);
                if (seen.add(left + " " + right)) {
                    merges.add(left + " " + right);
                    vocab.putIfAbsent(merged, vocab.size());
                }
                left = merged;
            }
        }
        ObjectNode v = JSON.createObjectNode();
        vocab.forEach(v::put);
        ObjectNode model = JSON.createObjectNode().put("type", "BPE").putNull("dropout").put("unk_token", "<unk>")
                .put("continuing_subword_prefix", "##").put("end_of_word_suffix", "</w>").put("fuse_unk", false);
        model.set("vocab", v);
        model.set("merges", merges);
        return model.toString();
    }

    private static String unigram(boolean byteFallback) {
        ArrayNode vocab = JSON.createArrayNode();
        Set<String> pieces = new LinkedHashSet<>(List.of("<unk>", "<s>", "</s>"));
        if (byteFallback) for (int b = 0; b < 256; b++) pieces.add(String.format("<0x%02X>", b));
        pieces.add("▁");
        for (char c = 'a'; c <= 'z'; c++) pieces.add(String.valueOf(c));
        for (String w : words.subList(4, 500)) {
            pieces.add("▁" + w);
            if (w.length() > 3) pieces.add(w.substring(0, 3));
            if (w.length() > 4) pieces.add(w.substring(2));
        }
        int i = 0;
        for (String p : pieces) {
            double score = p.startsWith("<") ? (p.startsWith("<0x") ? -20.0 : 0.0) : -1.0 - (i % 13) * 0.37 - 0.1 * p.length();
            vocab.add(JSON.createArrayNode().add(p).add(score));
            i++;
        }
        ObjectNode model = JSON.createObjectNode().put("type", "Unigram").put("unk_id", 0).put("byte_fallback", byteFallback);
        model.set("vocab", vocab);
        return model.toString();
    }
}
