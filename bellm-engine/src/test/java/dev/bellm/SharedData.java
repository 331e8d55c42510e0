package dev.bellm;

import org.junit.jupiter.api.Tag;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a test (class or method) that reads the shared data directory ({@code ../shared}: fixtures, models,
 * data sets). A plain {@code mvn install} leaves these out so a fresh clone builds without the data;
 * {@code ./bellm test} (what CI runs) turns on the {@code shared-data} profile and runs them, and there a
 * missing directory fails them with {@link dev.bellm.io.DataDirectory}'s error, never a skip.
 * {@link SharedDataTaggingTest} checks that every test reading the directory carries this tag.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag(SharedData.TAG)
public @interface SharedData {
    String TAG = "shared-data";
}
