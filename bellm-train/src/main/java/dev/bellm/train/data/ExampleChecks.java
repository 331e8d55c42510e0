package dev.bellm.train.data;

/** Checks shared by the example records. */
final class ExampleChecks {
    private ExampleChecks() {}

    /** A text must be present and not blank; the message names the field so that a reader can add the file and line. */
    static void requireText(String field, String value) {
        if (value == null) throw new IllegalArgumentException(field + " is missing");
        if (value.isBlank()) throw new IllegalArgumentException(field + " is empty");
    }
}
