package dev.bellm.train.loss;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bellm.io.DataDirectory;
import dev.bellm.io.SafetensorsFile;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * {@code fixtures/cases.json → loss_check} and the file it names, {@code expected-losses.safetensors}: float64
 * inputs, values and input gradients from an independent implementation of the AnglE reference code.
 */
final class LossFixture {
    final JsonNode cases;
    final SafetensorsFile tensors;
    /** Zigzag pairs [rows, dim] with the labels per row. */
    final double[] embeddings;
    final int rows;
    final int dim;
    final float[] binaryLabels;
    final float[] scoreLabels;
    /** The triplet_text/pos/neg blocks interleaved into rows [t0, p0, n0, t1, ...], as {@link ContrastiveLoss} takes them. */
    final double[] triplets;
    final int tripletRows;

    private static LossFixture loaded;

    static synchronized LossFixture get() {
        if (loaded == null) loaded = new LossFixture();
        return loaded;
    }

    private LossFixture() {
        try {
            cases = new ObjectMapper().readTree(DataDirectory.resolve("fixtures/cases.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        tensors = SafetensorsFile.open(DataDirectory.resolve("fixtures/" + cases.get("loss_check").get("file").asText()));
        embeddings = tensors.doubles("embeddings");
        rows = (int) tensors.entry("embeddings").shape()[0];
        dim = (int) tensors.entry("embeddings").shape()[1];
        binaryLabels = tensors.floats("binary");
        scoreLabels = tensors.floats("scores");
        tripletRows = 3 * (int) tensors.entry("triplet_text").shape()[0];
        triplets = interleave(tensors.doubles("triplet_text"), tensors.doubles("triplet_pos"), tensors.doubles("triplet_neg"));
    }

    /** The expected value of case {@code name} in loss_check.values. */
    double value(String name) {
        return cases.get("loss_check").get("values").get(name).asDouble();
    }

    /** The expected gradient of zigzag case {@code name} with respect to the embeddings. */
    double[] gradient(String name) {
        return tensors.doubles("grad." + name);
    }

    /** The expected gradient of triplet case {@code name}, interleaved like {@link #triplets}. */
    double[] tripletGradient(String name) {
        return interleave(tensors.doubles("grad." + name + ".text"), tensors.doubles("grad." + name + ".pos"),
                tensors.doubles("grad." + name + ".neg"));
    }

    private double[] interleave(double[] text, double[] positive, double[] negative) {
        double[] out = new double[3 * text.length];
        int batch = tripletRows / 3;
        for (int i = 0; i < batch; i++) {
            System.arraycopy(text, i * dim, out, 3 * i * dim, dim);
            System.arraycopy(positive, i * dim, out, (3 * i + 1) * dim, dim);
            System.arraycopy(negative, i * dim, out, (3 * i + 2) * dim, dim);
        }
        return out;
    }
}
