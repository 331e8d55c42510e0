package dev.bellm.kernels;

/**
 * A source of {@link Kernels} other than the pure-Java ones, found with {@link java.util.ServiceLoader} (the
 * {@code bellm-native} module registers oneDNN). {@link #select(String, int)} chooses among them by the setting
 * {@value #PROPERTY}: {@code java} (the pure-Java {@link VectorKernels}, the default: they keep the bit-exact batch
 * invariance and the fixtures' 1e-4), a provider's name, or {@code auto}: the first provider that loads and says this
 * machine gains from it. Providers are opt-in because they trade those guarantees for speed (oneDNN rounds activations
 * to bf16 and its sums depend on the batch).
 */
public interface KernelProvider {
    /** System property naming the kernels: {@code java} (default), {@code auto} or a provider's name. */
    String PROPERTY = "bellm.kernels";

    /** The setting's name for this provider, e.g. {@code onednn}. */
    String name();

    /** Why it cannot run here (library missing, CPU lacks the instructions), or null when it can. */
    String unavailableReason();

    /** Whether {@code auto} should pick it on this machine (it loads and the CPU has what makes it faster). */
    boolean preferred();

    /** Kernels on {@code threads} threads; only called when {@link #unavailableReason()} is null. */
    Kernels create(int threads);

    /** The kernels the setting {@value #PROPERTY} names (default {@code java}), on {@code threads} threads. */
    static Kernels select(int threads) {
        return select(System.getProperty(PROPERTY, "java"), threads);
    }

    /** @param choice {@code auto}, {@code java} or a provider's name */
    static Kernels select(String choice, int threads) {
        String c = choice.trim().toLowerCase(java.util.Locale.ROOT);
        if (c.equals("java")) return new VectorKernels(threads);
        java.util.List<String> known = new java.util.ArrayList<>(java.util.List.of("auto", "java"));
        for (KernelProvider p : java.util.ServiceLoader.load(KernelProvider.class)) {
            known.add(p.name());
            if (c.equals("auto") && p.preferred()) return p.create(threads);
            if (c.equals(p.name())) {
                String why = p.unavailableReason();
                if (why != null) throw new IllegalStateException(PROPERTY + "=" + p.name() + ": cannot run here: " + why);
                return p.create(threads);
            }
        }
        if (c.equals("auto")) return new VectorKernels(threads);
        throw new IllegalArgumentException(PROPERTY + ": unknown kernels '" + choice + "'; expected one of " + known);
    }
}
