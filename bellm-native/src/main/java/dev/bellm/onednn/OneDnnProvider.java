package dev.bellm.onednn;

import dev.bellm.kernels.KernelProvider;
import dev.bellm.kernels.Kernels;

/**
 * The {@code onednn} {@link KernelProvider}: preferred by {@code auto} where oneDNN loads and the CPU has bf16 dot
 * products (AVX512-BF16 or AMX), the only case where it clearly beats the Java kernels on bellm's bf16 weights.
 */
public final class OneDnnProvider implements KernelProvider {
    private final CpuFeatures cpu = CpuFeatures.ofThisMachine();

    @Override
    public String name() {
        return "onednn";
    }

    @Override
    public String unavailableReason() {
        if (!cpu.x86()) return "oneDNN's bundled natives need an x86-64 CPU with AVX2";
        try {
            OneDnnLibrary.get();
            return null;
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }

    @Override
    public boolean preferred() {
        return cpu.bf16() && unavailableReason() == null;
    }

    @Override
    public Kernels create(int threads) {
        return new OneDnnKernels(threads, cpu.bf16());
    }
}
