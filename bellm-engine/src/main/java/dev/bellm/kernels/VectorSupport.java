package dev.bellm.kernels;

/**
 * Whether this JVM can run the kernels: they are written in the incubating Vector API, which a JVM only
 * resolves when started with {@code --add-modules jdk.incubator.vector}. Without it the first kernel call
 * would throw {@link NoClassDefFoundError} (an {@link Error}, which a service's {@code catch (Exception)}
 * misses), so entry points check up front. This class itself touches no vector type.
 */
public final class VectorSupport {
    /** The module the kernels need. */
    public static final String MODULE = "jdk.incubator.vector";
    /** The JVM flags bellm needs, as one would put them on a command line. */
    public static final String JVM_FLAGS = "--add-modules " + MODULE + " --enable-native-access=ALL-UNNAMED";

    private VectorSupport() {}

    /** Thrown when the JVM lacks the Vector API module; says which flags to add. */
    public static final class MissingVectorModuleException extends IllegalStateException {
        MissingVectorModuleException(String message) {
            super(message);
        }
    }

    public static boolean available() {
        return ModuleLayer.boot().findModule(MODULE).isPresent();
    }

    /** Returns normally when the Vector API is present, else throws {@link MissingVectorModuleException}. */
    public static void require() {
        if (available()) return;
        throw new MissingVectorModuleException("bellm's kernels need the incubating Vector API, and this JVM was started without it:"
                + " add the JVM flags " + JVM_FLAGS
                + " (java command line, MAVEN_OPTS/surefire argLine, JAVA_TOOL_OPTIONS or spark.{driver,executor}.extraJavaOptions)");
    }
}
