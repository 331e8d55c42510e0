package dev.bellm.tokenizer.hf;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a {@code post_processor} adds around a single sequence when special tokens are asked for: ids before and after
 * the text. Pair templates are checked as well, so a file that would fail on a pair fails on load.
 */
record PostProcessor(int[] prefix, int[] suffix) {
    static final PostProcessor NONE = new PostProcessor(new int[0], new int[0]);

    static PostProcessor of(Spec spec) {
        if (spec.isNull()) return NONE;
        String type = spec.type();
        return switch (type) {
            case "ByteLevel" -> NONE; // it only trims offsets
            case "TemplateProcessing" -> template(spec);
            case "BertProcessing", "RobertaProcessing" -> {
                int cls = tokenPair(spec.get("cls"));
                int sep = tokenPair(spec.get("sep"));
                yield new PostProcessor(new int[] {cls}, new int[] {sep});
            }
            case "Sequence" -> {
                PostProcessor result = NONE;
                for (Spec step : spec.get("processors").elements()) {
                    PostProcessor p = of(step);
                    // a later processor wraps what the earlier ones produced
                    result = new PostProcessor(concat(p.prefix, result.prefix), concat(result.suffix, p.suffix));
                }
                yield result;
            }
            default -> throw spec.get("type").unknownType("post_processor", type);
        };
    }

    /** Bert/Roberta's {@code ["[CLS]", 101]}. */
    private static int tokenPair(Spec spec) {
        List<Spec> parts = spec.elements();
        if (parts.size() != 2) throw spec.error("expected [token, id], found " + spec.describe());
        parts.get(0).text();
        return checkedId(parts.get(1));
    }

    private static int checkedId(Spec spec) {
        int id = spec.nonNegativeInt();
        if (id > TokenizerJson.MAX_ID) throw spec.error("id " + id + " is beyond the largest bellm accepts (" + TokenizerJson.MAX_ID + ")");
        return id;
    }

    private static PostProcessor template(Spec spec) {
        Map<String, int[]> specials = new HashMap<>();
        Spec tokens = spec.get("special_tokens");
        if (!tokens.isNull()) {
            tokens.object();
            for (var entry : tokens.node().properties()) {
                Spec token = tokens.get(entry.getKey()).object();
                List<Spec> ids = token.get("ids").elements();
                List<Spec> names = token.has("tokens") ? token.get("tokens").elements() : null;
                if (names != null && names.size() != ids.size()) {
                    throw token.error("has " + ids.size() + " ids but " + names.size() + " tokens; they must pair up");
                }
                int[] values = new int[ids.size()];
                for (int i = 0; i < values.length; i++) values[i] = checkedId(ids.get(i));
                specials.put(token.has("id") ? token.text("id") : entry.getKey(), values);
            }
        }
        List<Item> single = items(spec.get("single"), specials, false);
        items(spec.get("pair"), specials, true);
        int at = -1;
        for (int i = 0; i < single.size(); i++) {
            if (single.get(i).ids == null) {
                if (at >= 0) throw spec.get("single").error("holds $A twice; bellm supports templates that add tokens around one copy of the text");
                at = i;
            }
        }
        if (at < 0) throw spec.get("single").error("has no $A: the text itself would be dropped");
        return new PostProcessor(flatten(single.subList(0, at)), flatten(single.subList(at + 1, single.size())));
    }

    /** A template item: special-token ids, or the sequence ({@code ids} null). */
    private record Item(int[] ids, String sequence) {}

    private static List<Item> items(Spec template, Map<String, int[]> specials, boolean pair) {
        List<Item> items = new ArrayList<>();
        if (template.isNull()) {
            if (pair) return items;
            throw template.error("is missing; a TemplateProcessing needs a single template");
        }
        for (Spec piece : template.elements()) {
            String sequence = null;
            String special = null;
            Spec where = piece;
            if (piece.node().isTextual()) {
                // the short form: "$A", "$B:1", "[CLS]", "[SEP]:0"
                String s = piece.text();
                int colon = s.lastIndexOf(':');
                if (colon > 0 && s.substring(colon + 1).chars().allMatch(Character::isDigit) && colon + 1 < s.length()) s = s.substring(0, colon);
                if (s.startsWith("$")) sequence = s.equals("$") || s.equals("$0") ? "A" : s.equals("$1") ? "B" : s.substring(1);
                else special = s;
            } else if (piece.node().isObject() && piece.has("Sequence")) {
                where = piece.get("Sequence").get("id");
                sequence = where.text();
            } else if (piece.node().isObject() && piece.has("SpecialToken")) {
                where = piece.get("SpecialToken").get("id");
                special = where.text();
            } else {
                throw piece.error("expected {\"Sequence\": ...} or {\"SpecialToken\": ...}, found " + piece.describe());
            }
            if (sequence != null) {
                if (!sequence.equals("A") && !(pair && sequence.equals("B"))) {
                    throw where.error("refers to sequence " + sequence + ", but a " + (pair ? "pair" : "single")
                            + " template can only hold " + (pair ? "$A and $B" : "$A"));
                }
                items.add(new Item(null, sequence));
            } else {
                int[] ids = specials.get(special);
                if (ids == null) {
                    throw where.error("names the special token '" + special + "', which post_processor.special_tokens does not list");
                }
                items.add(new Item(ids, null));
            }
        }
        return items;
    }

    private static int[] flatten(List<Item> items) {
        int[] out = new int[0];
        for (Item item : items) out = concat(out, item.ids);
        return out;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
