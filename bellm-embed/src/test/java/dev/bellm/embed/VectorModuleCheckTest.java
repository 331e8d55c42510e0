package dev.bellm.embed;

import dev.bellm.kernels.VectorSupport;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code build()} in a JVM started without the Vector API fails at once with the flags to add, as an exception (not an Error). */
class VectorModuleCheckTest {
    /** Run in a child JVM: builds an embedder and reports what {@code build()} threw. */
    public static final class Probe {
        public static void main(String[] args) {
            try {
                Embedder.builder().model(Path.of("no-such-model")).build();
                System.out.println("built");
            } catch (Exception e) {
                System.out.println(e.getClass().getName() + ": " + e.getMessage());
            }
        }
    }

    @Test
    void withoutTheModuleBuildThrowsAnExceptionNamingTheFlags() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"), Probe.class.getName()))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.startsWith(VectorSupport.MissingVectorModuleException.class.getName()), out);
        assertTrue(out.contains("--add-modules jdk.incubator.vector"), out);
    }

    @Test
    void withTheModuleTheCheckPassesAndTheModelIsWhatFails() {
        assertTrue(VectorSupport.available(), "surefire runs with " + VectorSupport.JVM_FLAGS);
        var e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> Embedder.builder().model(Path.of("no-such-model")).build());
        assertTrue(!(e instanceof VectorSupport.MissingVectorModuleException), e.toString());
    }
}
