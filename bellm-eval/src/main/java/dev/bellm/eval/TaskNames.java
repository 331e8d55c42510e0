package dev.bellm.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/** Parsing a comma-separated list of task names, with one alias for the whole group. */
final class TaskNames {
    private TaskNames() {}

    /**
     * The tasks named in {@code list} (case-insensitive), in the order given, without repeats; {@code alias}
     * stands for all of {@code all}.
     */
    static <T> List<T> parse(String list, T[] all, Function<T, String> nameOf, String alias, String kind) {
        List<String> names = Arrays.stream(all).map(nameOf).toList();
        Set<T> tasks = new LinkedHashSet<>();
        for (String raw : list.split(",")) {
            String name = raw.strip().toLowerCase(Locale.ROOT);
            if (name.isEmpty()) continue;
            if (name.equals(alias)) {
                tasks.addAll(Arrays.asList(all));
                continue;
            }
            int index = names.indexOf(name);
            if (index < 0) {
                throw new IllegalArgumentException("unknown " + kind + " task '" + raw.strip() + "'; choose from " + names
                        + " or '" + alias + "' for all of them");
            }
            tasks.add(all[index]);
        }
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("no " + kind + " task named in '" + list + "'; use e.g. '" + alias + "'");
        }
        return new ArrayList<>(tasks);
    }
}
