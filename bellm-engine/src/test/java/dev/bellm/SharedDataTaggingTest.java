package dev.bellm;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every test source in the repository that reads the shared data directory carries {@link SharedData}, so a
 * plain {@code mvn install} on a fresh clone (which leaves such tests out) never reaches for {@code ../shared}.
 * Runs without the data, in every build.
 */
class SharedDataTaggingTest {
    /** What reading the shared directory looks like in a test: the data directory itself or a fixture helper over it. */
    private static final Pattern READS_SHARED_DATA =
            Pattern.compile("(?<![A-Za-z])(DataDirectory|Fixtures|CheckpointFixtures|LossFixture)\\.|defaultDataDir\\(");
    private static final Pattern IS_TEST = Pattern.compile("@(Test|TestFactory|ParameterizedTest|RepeatedTest|FuzzTest|TestTemplate)\\b");

    static Path repositoryRoot() {
        String configured = System.getProperty("bellm.root");
        Path start = configured != null ? Path.of(configured) : Path.of("").toAbsolutePath();
        for (Path p = start.toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("bellm")) && Files.isDirectory(p.resolve("bellm-engine"))) return p;
        }
        throw new IllegalStateException("no bellm checkout above " + start);
    }

    static List<Path> testSources(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/test/java/"))
                    .filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/.cache/"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void everyTestThatReadsSharedDataIsTagged() throws IOException {
        Path root = repositoryRoot();
        List<Path> sources = testSources(root);
        assertTrue(sources.size() > 20, "found the repository's tests under " + root);
        List<String> untagged = sources.stream().filter(p -> {
            String s = read(p);
            return IS_TEST.matcher(s).find() && READS_SHARED_DATA.matcher(s).find() && !s.contains("@SharedData");
        }).map(p -> root.relativize(p).toString()).toList();
        assertEquals(List.of(), untagged, "tests that read ../shared but lack @SharedData (a fresh-clone mvn install would fail)");
    }

    @Test
    void theCheckRecognisesATestThatReadsTheDataDirectory() {
        String test = "class T { @Test void t() { DataDirectory.resolve(\"fixtures\"); } }";
        assertTrue(IS_TEST.matcher(test).find() && READS_SHARED_DATA.matcher(test).find());
        assertTrue(!READS_SHARED_DATA.matcher("class T { @Test void t() { MyFixtures.make(); } }").find());
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
