package dev.segplatform.core.train;

/**
 * How to run a training: which epochs, batch sizes and what to evaluate.
 *
 * @param epochs total number of epochs; training runs epochs {@code startEpoch .. epochs-1}
 * @param batchSize training minibatch size
 * @param startEpoch 0-based epoch to start at (resuming with an existing graph); the data order of
 *     each epoch depends only on the seed and the epoch, so a resumed run sees the same batches
 * @param flip random horizontal flips of training examples (image and mask together)
 * @param trainEvalLimit training metrics (accuracy, mean IoU) are measured after each epoch in
 *     inference mode on the first this-many training examples; 0 = all
 * @param evalBatchSize minibatch size for evaluation forward passes
 */
public record TrainingOptions(int epochs, int batchSize, int startEpoch, boolean flip, int trainEvalLimit,
        int evalBatchSize) {

    public TrainingOptions {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
        }
        if (startEpoch < 0 || startEpoch >= epochs) {
            throw new IllegalArgumentException("startEpoch must be in [0, epochs), got " + startEpoch + " of " + epochs);
        }
        if (trainEvalLimit < 0) {
            throw new IllegalArgumentException("trainEvalLimit must be >= 0, got " + trainEvalLimit);
        }
        if (evalBatchSize < 1) {
            throw new IllegalArgumentException("evalBatchSize must be positive, got " + evalBatchSize);
        }
    }

    /** From epoch 0, flips on, training metrics on up to 512 examples, evaluation in batches of 32. */
    public static TrainingOptions of(int epochs, int batchSize) {
        return new TrainingOptions(epochs, batchSize, 0, true, 512, 32);
    }

    public TrainingOptions withStartEpoch(int epoch) {
        return new TrainingOptions(epochs, batchSize, epoch, flip, trainEvalLimit, evalBatchSize);
    }

    public TrainingOptions withFlip(boolean on) {
        return new TrainingOptions(epochs, batchSize, startEpoch, on, trainEvalLimit, evalBatchSize);
    }

    public TrainingOptions withTrainEvalLimit(int limit) {
        return new TrainingOptions(epochs, batchSize, startEpoch, flip, limit, evalBatchSize);
    }
}
