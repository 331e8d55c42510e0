package dev.bellm.onednn;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * oneDNN's GEMM entry points, bound with {@code java.lang.foreign} downcalls. The shared libraries come from the
 * {@code org.bytedeco:dnnl} natives jar on the class path ({@code libdnnl.so.3} and the {@code libgomp.so.1} it was
 * built against): they are copied once into a per-version folder under {@code java.io.tmpdir} and loaded from there,
 * without the JavaCPP runtime. The calls are {@linkplain Linker.Option#critical critical}: Java arrays are passed
 * in place (no copies), and the caller guarantees the shapes and lengths (see {@link OneDnnKernels}).
 *
 * <p>oneDNN's GEMM is row-major: {@code C[M, N] = alpha·op(A)[M, K]·op(B)[K, N] + beta·C}.
 */
final class OneDnnLibrary {
    private static final String RESOURCES = "org/bytedeco/dnnl/linux-x86_64/";
    private static final ValueLayout.OfLong DIM = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfByte CHAR = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final ValueLayout ADDR = ValueLayout.ADDRESS;
    /** dnnl_status_t dnnl_sgemm(char ta, char tb, M, N, K, float alpha, A, lda, B, ldb, float beta, C, ldc) */
    private static final FunctionDescriptor GEMM = FunctionDescriptor.of(ValueLayout.JAVA_INT, CHAR, CHAR, DIM, DIM, DIM,
            F, ADDR, DIM, ADDR, DIM, F, ADDR, DIM);

    private static volatile Object loaded; // an OneDnnLibrary, or the String reason it failed

    private final MethodHandle sgemm;
    private final MethodHandle gemmBf16;
    private final MethodHandle ompSetNumThreads;
    final String version;

    private OneDnnLibrary(SymbolLookup dnnl, SymbolLookup gomp) {
        Linker linker = Linker.nativeLinker();
        Linker.Option inPlace = Linker.Option.critical(true);
        sgemm = linker.downcallHandle(dnnl.findOrThrow("dnnl_sgemm"), GEMM, inPlace);
        gemmBf16 = linker.downcallHandle(dnnl.findOrThrow("dnnl_gemm_bf16bf16f32"), GEMM, inPlace);
        ompSetNumThreads = linker.downcallHandle(gomp.findOrThrow("omp_set_num_threads"),
                FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT), Linker.Option.critical(false));
        MethodHandle versionCall = linker.downcallHandle(dnnl.findOrThrow("dnnl_version"), FunctionDescriptor.of(ADDR));
        try {
            // const dnnl_version_t* : int major, minor, patch; const char* hash; unsigned cpu_runtime, gpu_runtime
            MemorySegment v = ((MemorySegment) versionCall.invokeExact()).reinterpret(12);
            version = v.get(ValueLayout.JAVA_INT, 0) + "." + v.get(ValueLayout.JAVA_INT, 4) + "." + v.get(ValueLayout.JAVA_INT, 8);
        } catch (Throwable t) {
            throw new IllegalStateException("dnnl_version failed", t);
        }
    }

    /** The library, loaded on first use; throws {@link IllegalStateException} saying why it cannot load. */
    static OneDnnLibrary get() {
        Object l = loaded;
        if (l == null) {
            synchronized (OneDnnLibrary.class) {
                l = loaded;
                if (l == null) {
                    try {
                        l = load();
                    } catch (RuntimeException | LinkageError e) {
                        l = "oneDNN did not load: " + e.getMessage();
                    }
                    loaded = l;
                }
            }
        }
        if (l instanceof OneDnnLibrary lib) return lib;
        throw new IllegalStateException((String) l);
    }

    private static OneDnnLibrary load() {
        if (!System.getProperty("os.name", "").startsWith("Linux") || !System.getProperty("os.arch", "").equals("amd64")) {
            throw new IllegalStateException("the bundled natives are for linux-x86_64 only");
        }
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "bellm-onednn-" + bundleVersion());
        Path gomp = extract(dir, "libgomp.so.1"), dnnl = extract(dir, "libdnnl.so.3");
        passiveOpenMpWaits();
        // the dynamic linker resolves libdnnl's NEEDED libgomp.so.1 by its soname to the copy already loaded
        SymbolLookup gompLookup = SymbolLookup.libraryLookup(gomp, Arena.global());
        SymbolLookup dnnlLookup = SymbolLookup.libraryLookup(dnnl, Arena.global());
        return new OneDnnLibrary(dnnlLookup, gompLookup);
    }

    /**
     * OpenMP threads that wait for work sleep instead of spinning ({@code OMP_WAIT_POLICY=PASSIVE}, unless the user set
     * it): on a machine shared with other processes, spinning threads took the cores the working ones needed (batch-1
     * latency grew tenfold at load 20). libgomp reads the variable when it loads, so it is set before.
     */
    private static void passiveOpenMpWaits() {
        Linker linker = Linker.nativeLinker();
        MethodHandle setenv = linker.downcallHandle(linker.defaultLookup().findOrThrow("setenv"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ADDR, ADDR, ValueLayout.JAVA_INT));
        try (Arena arena = Arena.ofConfined()) {
            int ignored = (int) setenv.invokeExact(arena.allocateFrom("OMP_WAIT_POLICY"), arena.allocateFrom("PASSIVE"), 0);
        } catch (Throwable t) {
            throw new IllegalStateException("setenv failed", t);
        }
    }

    private static String bundleVersion() {
        Package p = OneDnnLibrary.class.getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        try (InputStream in = resource("libdnnl.so.3")) {
            // the size tells bundles apart when the manifest has no version (tests run from classes/)
            return (v == null ? "dev" : v) + "-" + in.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream resource(String name) {
        InputStream in = OneDnnLibrary.class.getClassLoader().getResourceAsStream(RESOURCES + name);
        if (in == null) throw new IllegalStateException(RESOURCES + name + " is not on the class path (org.bytedeco:dnnl natives jar)");
        return in;
    }

    /** Copies the library to dir once; concurrent processes each write a temporary file and move it into place. */
    private static Path extract(Path dir, String name) {
        Path target = dir.resolve(name);
        if (Files.isRegularFile(target)) return target;
        try (InputStream in = resource(name)) {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, name, ".part");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract " + name + " to " + dir, e);
        }
    }

    /** OpenMP threads for oneDNN calls made from the calling thread (an OpenMP setting per thread). */
    void setThreads(int threads) {
        try {
            ompSetNumThreads.invokeExact(threads);
        } catch (Throwable t) {
            throw new IllegalStateException("omp_set_num_threads failed", t);
        }
    }

    /** {@code C[m, n] = A[m, k]·B[n, k]ᵀ + beta·C}, f32. */
    void sgemmNT(long m, long n, long k, MemorySegment a, MemorySegment b, float beta, MemorySegment c) {
        check("dnnl_sgemm", call(sgemm, (byte) 'N', (byte) 'T', m, n, k, a, k, b, k, beta, c, n));
    }

    /** {@code C[m, n] = A[m, k]·B[k, n] + beta·C}, f32. */
    void sgemmNN(long m, long n, long k, MemorySegment a, MemorySegment b, float beta, MemorySegment c) {
        check("dnnl_sgemm", call(sgemm, (byte) 'N', (byte) 'N', m, n, k, a, k, b, n, beta, c, n));
    }

    /** {@code C[m, n] = A[m, k]·B[n, k]ᵀ + beta·C}, A and B bf16, C f32. */
    void bf16gemmNT(long m, long n, long k, MemorySegment a, MemorySegment b, float beta, MemorySegment c) {
        check("dnnl_gemm_bf16bf16f32", call(gemmBf16, (byte) 'N', (byte) 'T', m, n, k, a, k, b, k, beta, c, n));
    }

    /** {@code C[m, n] = A[m, k]·B[k, n] + beta·C}, A and B bf16, C f32. */
    void bf16gemmNN(long m, long n, long k, MemorySegment a, MemorySegment b, float beta, MemorySegment c) {
        check("dnnl_gemm_bf16bf16f32", call(gemmBf16, (byte) 'N', (byte) 'N', m, n, k, a, k, b, n, beta, c, n));
    }

    private static int call(MethodHandle h, byte ta, byte tb, long m, long n, long k, MemorySegment a, long lda,
                            MemorySegment b, long ldb, float beta, MemorySegment c, long ldc) {
        try {
            return (int) h.invokeExact(ta, tb, m, n, k, 1f, a, lda, b, ldb, beta, c, ldc);
        } catch (Throwable t) {
            throw new IllegalStateException("oneDNN call failed", t);
        }
    }

    private static void check(String what, int status) {
        if (status != 0) throw new IllegalStateException(what + " returned dnnl_status " + status);
    }
}
