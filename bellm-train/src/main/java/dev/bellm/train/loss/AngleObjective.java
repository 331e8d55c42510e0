package dev.bellm.train.loss;

import java.util.Arrays;

/**
 * The AnglE training objective: a weighted sum of {@link CosineLoss}, an in-batch-negative term and
 * {@link AngleLoss}, each with its own τ, as the reference's {@code AngleLoss} class composes them.
 *
 * <pre>
 *   L = cosineWeight · cosine(τ_cos) + ibnWeight · ibn(τ_ibn) + angleWeight · angle(τ_angle)
 * </pre>
 *
 * Terms whose weight is 0 are not computed, as in the reference. What the terms see depends on the
 * layout of the rows:
 * <ul>
 *   <li>{@link Layout#PAIRS} (AnglE dataset format A): zigzag pairs {@code [a0, b0, a1, b1, ...]} with
 *       one label per row; the ibn term is {@link InBatchNegativeLoss}, which needs binary labels.</li>
 *   <li>{@link Layout#TRIPLETS} (format B, what the BeLLM README trains on): rows
 *       {@code [t0, p0, n0, t1, ...]}, labels unused; the ibn term is {@link ContrastiveLoss} over the
 *       triplets, and the cosine and angle terms rank the pairs
 *       {@code [t0, p0, …, t_{B−1}, p_{B−1}, t0, n0, …, t_{B−1}, n_{B−1}]} labelled 1 (positive) and 0
 *       (negative).</li>
 * </ul>
 */
public record AngleObjective(double cosineWeight, double cosineTau, double ibnWeight, double ibnTau, double angleWeight,
                             double angleTau, Layout layout) implements Loss {

    /** How the rows of a batch are arranged. */
    public enum Layout {
        PAIRS,
        TRIPLETS
    }

    public AngleObjective {
        requireWeight("cosineWeight", cosineWeight);
        requireWeight("ibnWeight", ibnWeight);
        requireWeight("angleWeight", angleWeight);
        if (cosineWeight + ibnWeight + angleWeight == 0) {
            throw new IllegalArgumentException("AnglE objective: every weight is 0, so there is nothing to train");
        }
        LossInputs.requireTau("AnglE objective cosine term", cosineTau);
        LossInputs.requireTau("AnglE objective ibn term", ibnTau);
        LossInputs.requireTau("AnglE objective angle term", angleTau);
        if (layout == null) throw new IllegalArgumentException("AnglE objective: layout must be PAIRS or TRIPLETS");
    }

    private static void requireWeight(String field, double weight) {
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("AnglE objective: " + field + " must be finite and ≥ 0, got " + weight);
        }
    }

    /**
     * The BeLLM training script's objective: cosine + in-batch negatives + angle, every weight 1 and every
     * τ 20, on pairs. Source: the argparse defaults of {@code train.py} in github.com/4AI/BeLLM
     * ({@code --cosine_w/--ibn_w/--angle_w 1.0}, {@code --cosine_tau/--ibn_tau/--angle_tau 20.0}), which are
     * also the defaults of angle_emb's {@code AngleLoss} of that time (SeanLee97/AnglE commit 0380c4cd).
     */
    public static AngleObjective defaults() {
        return new AngleObjective(1, 20, 1, 20, 1, 20, Layout.PAIRS);
    }

    /**
     * angle_emb's first {@code AngleLoss(w1, w2, w3)}: every weight 1, cosine and ibn τ 20, angle τ 1.
     * Source: the early {@code angle_emb/angle.py} ({@code w1 = w2 = w3 = 1.0, cosine_tau = 20, ibn_tau = 20,
     * angle_tau = 1.0}); τ 1 is also the default of the reference's {@code angle_loss} function itself.
     */
    public static AngleObjective angleEmbOriginal() {
        return new AngleObjective(1, 20, 1, 20, 1, 1, Layout.PAIRS);
    }

    /**
     * The later angle_emb default, weighted towards in-batch negatives: cosine 0, ibn 20, angle 1, every τ 20.
     * Source: {@code AngleLoss} in {@code angle_emb/angle.py}, SeanLee97/AnglE commit 6e28934e. An earlier
     * version of the BeLLM README trained with these weights ({@code --ibn_w 20.0 --cosine_w 0.0 --angle_w 1.0}).
     */
    public static AngleObjective angleEmbIbnWeighted() {
        return new AngleObjective(0, 20, 20, 20, 1, 20, Layout.PAIRS);
    }

    /**
     * What the BeLLM README's training commands run: NLI triplets (format B), contrastive loss with hard
     * negatives only, τ 20. Source: github.com/4AI/BeLLM README, {@code --ibn_w 1.0 --cosine_w 0.0
     * --angle_w 0.0} with the τs at train.py's defaults (the README recommends adding {@code angle_w > 0}).
     */
    public static AngleObjective bellmReadmeNli() {
        return new AngleObjective(0, 20, 1, 20, 0, 20, Layout.TRIPLETS);
    }

    /** The named presets, for command lines: bellm (default), angle-emb-original, angle-emb-ibn, bellm-readme-nli. */
    public static final java.util.Map<String, AngleObjective> PRESETS = java.util.Map.of(
            "bellm", defaults(),
            "angle-emb-original", angleEmbOriginal(),
            "angle-emb-ibn", angleEmbIbnWeighted(),
            "bellm-readme-nli", bellmReadmeNli());

    public static AngleObjective preset(String name) {
        AngleObjective o = PRESETS.get(name);
        if (o == null) {
            throw new IllegalArgumentException("unknown objective preset '" + name + "'; choose from " + new java.util.TreeSet<>(PRESETS.keySet()));
        }
        return o;
    }

    /** This objective with other weights (τs and layout kept). */
    public AngleObjective withWeights(double cosine, double ibn, double angle) {
        return new AngleObjective(cosine, cosineTau, ibn, ibnTau, angle, angleTau, layout);
    }

    /**
     * Shapes: x [rows, dim] in this objective's {@link #layout()}: [2B, dim] pairs with labels [2B], or
     * [3B, dim] triplets with labels ignored; gradOut like x, or null.
     */
    @Override
    public double forward(double[] x, int rows, int dim, float[] labels, double[] gradOut) {
        LossInputs.checkBatch("AnglE objective", x, rows, dim, gradOut);
        return layout == Layout.PAIRS ? forwardPairs(x, rows, dim, labels, gradOut) : forwardTriplets(x, rows, dim, gradOut);
    }

    private double forwardPairs(double[] x, int rows, int dim, float[] labels, double[] gradOut) {
        double[] termGrad = gradOut == null ? null : new double[x.length];
        if (gradOut != null) Arrays.fill(gradOut, 0);
        double loss = 0;
        loss += addTerm(cosineWeight, new CosineLoss(cosineTau), x, rows, dim, labels, termGrad, gradOut);
        loss += addTerm(ibnWeight, new InBatchNegativeLoss(ibnTau), x, rows, dim, labels, termGrad, gradOut);
        loss += addTerm(angleWeight, new AngleLoss(angleTau), x, rows, dim, labels, termGrad, gradOut);
        return loss;
    }

    private double forwardTriplets(double[] x, int rows, int dim, double[] gradOut) {
        if (rows % 3 != 0) {
            throw new IllegalArgumentException("AnglE objective (triplets): " + rows + " rows is not a whole number of"
                    + " triplets; give rows [text0, positive0, negative0, text1, ...]");
        }
        int batch = rows / 3;
        double[] termGrad = gradOut == null ? null : new double[x.length];
        if (gradOut != null) Arrays.fill(gradOut, 0);
        double loss = addTerm(ibnWeight, new ContrastiveLoss(ibnTau), x, rows, dim, null, termGrad, gradOut);
        if (cosineWeight == 0 && angleWeight == 0) return loss;

        // pair rows 0 .. 2B−1 are (text, positive) labelled 1, pair rows 2B .. 4B−1 are (text, negative) labelled 0
        int pairRows = 4 * batch;
        int[] source = new int[pairRows];
        float[] pairLabels = new float[pairRows];
        for (int m = 0; m < pairRows; m++) {
            int triplet = (m % (2 * batch)) / 2;
            boolean positive = m < 2 * batch;
            source[m] = 3 * triplet + (m % 2 == 0 ? 0 : positive ? 1 : 2);
            pairLabels[m] = positive ? 1 : 0;
        }
        double[] pairs = new double[pairRows * dim];
        for (int m = 0; m < pairRows; m++) System.arraycopy(x, source[m] * dim, pairs, m * dim, dim);

        double[] pairGrad = gradOut == null ? null : new double[pairs.length];
        double[] pairTermGrad = gradOut == null ? null : new double[pairs.length];
        loss += addTerm(cosineWeight, new CosineLoss(cosineTau), pairs, pairRows, dim, pairLabels, pairTermGrad, pairGrad);
        loss += addTerm(angleWeight, new AngleLoss(angleTau), pairs, pairRows, dim, pairLabels, pairTermGrad, pairGrad);
        if (gradOut != null) {
            // each text row appears in two pairs: its gradient is the sum of both
            for (int m = 0; m < pairRows; m++) {
                for (int k = 0; k < dim; k++) gradOut[source[m] * dim + k] += pairGrad[m * dim + k];
            }
        }
        return loss;
    }

    /** weight · term(x), adding weight · dterm/dx to gradOut (scratch is overwritten). 0 when the weight is 0. */
    private static double addTerm(double weight, Loss term, double[] x, int rows, int dim, float[] labels, double[] scratch,
                                  double[] gradOut) {
        if (weight == 0) return 0;
        double value = term.forward(x, rows, dim, labels, scratch);
        if (gradOut != null) {
            for (int i = 0; i < gradOut.length; i++) gradOut[i] += weight * scratch[i];
        }
        return weight * value;
    }
}
