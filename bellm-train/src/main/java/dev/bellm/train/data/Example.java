package dev.bellm.train.data;

import java.util.List;

/**
 * One training example in one of AnglE's two formats: a {@link Triplet} (anchor, positive, hard negative)
 * for the contrastive loss, or a {@link ScoredPair} (two texts and a similarity label) for the
 * cosine/in-batch/angle losses. A training set holds one kind only.
 */
public sealed interface Example permits Triplet, ScoredPair {
    /** The texts of this example in the order the trainer embeds them. */
    List<String> texts();
}
