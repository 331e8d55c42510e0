package dev.bellm.onednn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/** The CPU's instruction-set flags as Linux reports them ({@code /proc/cpuinfo}); empty elsewhere. */
record CpuFeatures(Set<String> flags) {
    static CpuFeatures ofThisMachine() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    return new CpuFeatures(Arrays.stream(line.substring(line.indexOf(':') + 1).trim().split("\\s+"))
                            .collect(Collectors.toUnmodifiableSet()));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or no access: no flags, so nothing native is preferred
        }
        return new CpuFeatures(Set.of());
    }

    /** bf16 dot products in hardware: AVX512-BF16 (Zen 4, Cooper Lake, Sapphire Rapids) or AMX. */
    boolean bf16() {
        return flags.contains("avx512_bf16") || flags.contains("amx_bf16");
    }

    /** int8 dot products in hardware: AVX512-VNNI, AVX-VNNI or AMX. */
    boolean int8() {
        return flags.contains("avx512_vnni") || flags.contains("avx_vnni") || flags.contains("amx_int8");
    }

    boolean x86() {
        return flags.contains("avx2");
    }
}
