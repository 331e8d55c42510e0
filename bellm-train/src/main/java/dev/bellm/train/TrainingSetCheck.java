package dev.bellm.train;

import dev.bellm.train.data.Example;
import dev.bellm.train.data.ScoredPair;
import dev.bellm.train.data.TrainingData;
import dev.bellm.train.data.TrainingDataException;
import dev.bellm.train.loss.AngleObjective;

import java.util.List;

/**
 * Refuses a training set the objective cannot learn from, before any work: every term of the AnglE objective compares
 * examples, so one example, or pairs that all share one label and no positive, give a loss of 0 and no gradient, and
 * a run would "train" without changing anything. Errors name the file and line when the set came from a file.
 */
final class TrainingSetCheck {
    private TrainingSetCheck() {}

    static void requireTrainable(List<Example> data, AngleObjective objective) {
        if (data.isEmpty()) throw new TrainingDataException("no training examples");
        if (data.size() < 2) {
            throw new TrainingDataException(TrainingData.where(data, 0) + ": the training set has only one example; every"
                    + " term of the objective compares examples within a batch, so it would give no gradient");
        }
        if (!(data.getFirst() instanceof ScoredPair)) return; // triplets: positive against negative always ranks
        boolean ranks = objective.cosineWeight() > 0 || objective.angleWeight() > 0;
        boolean ibn = objective.ibnWeight() > 0;
        double firstLabel = ((ScoredPair) data.getFirst()).label();
        boolean twoLabels = false, positive = false;
        for (int i = 0; i < data.size(); i++) {
            double label = ((ScoredPair) data.get(i)).label();
            if (ibn && label != 0 && label != 1) {
                throw new TrainingDataException(TrainingData.where(data, i) + ": label " + label + " is out of range: the"
                        + " in-batch-negative term needs labels 0 or 1, and this data has graded scores; set the objective's"
                        + " ibnWeight to 0 to train on them");
            }
            twoLabels |= label != firstLabel;
            positive |= label == 1;
        }
        if (!(ranks && twoLabels) && !(ibn && positive)) {
            throw new TrainingDataException(TrainingData.where(data, 0) + ": all " + data.size() + " pairs have the label "
                    + firstLabel + "; the cosine and angle terms rank pairs of different labels" + (ibn
                    ? " and the in-batch-negative term needs positive pairs (label 1)" : "") + ", so there is no gradient");
        }
    }
}
