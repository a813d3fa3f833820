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
 * @param startBatch minibatches of {@code startEpoch} already trained (resuming mid-epoch); they are
 *     skipped, so the epoch continues exactly where it stopped
 * @param devices workers for data-parallel training with DL4J's {@code ParallelWrapper} (GPUs
 *     under the CUDA backend, CPU threads here); 1 trains the graph directly
 */
public record TrainingOptions(int epochs, int batchSize, int startEpoch, boolean flip, int trainEvalLimit,
        int evalBatchSize, int startBatch, int devices) {

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
        if (startBatch < 0) {
            throw new IllegalArgumentException("startBatch must be >= 0, got " + startBatch);
        }
        if (devices < 1) {
            throw new IllegalArgumentException("devices must be at least 1, got " + devices);
        }
        if (evalBatchSize < 1) {
            throw new IllegalArgumentException("evalBatchSize must be positive, got " + evalBatchSize);
        }
    }

    /** From epoch 0, flips on, training metrics on up to 512 examples, evaluation in batches of 32. */
    public static TrainingOptions of(int epochs, int batchSize) {
        return new TrainingOptions(epochs, batchSize, 0, true, 512, 32, 0, 1);
    }

    public TrainingOptions withStartEpoch(int epoch) {
        return new TrainingOptions(epochs, batchSize, epoch, flip, trainEvalLimit, evalBatchSize, startBatch, devices);
    }

    public TrainingOptions withFlip(boolean on) {
        return new TrainingOptions(epochs, batchSize, startEpoch, on, trainEvalLimit, evalBatchSize, startBatch, devices);
    }

    public TrainingOptions withTrainEvalLimit(int limit) {
        return new TrainingOptions(epochs, batchSize, startEpoch, flip, limit, evalBatchSize, startBatch, devices);
    }

    public TrainingOptions withEvalBatchSize(int size) {
        return new TrainingOptions(epochs, batchSize, startEpoch, flip, trainEvalLimit, size, startBatch, devices);
    }

    /** Resume inside {@code startEpoch}, after this many of its minibatches. */
    public TrainingOptions withStartBatch(int batches) {
        return new TrainingOptions(epochs, batchSize, startEpoch, flip, trainEvalLimit, evalBatchSize, batches, devices);
    }

    public TrainingOptions withDevices(int count) {
        return new TrainingOptions(epochs, batchSize, startEpoch, flip, trainEvalLimit, evalBatchSize, startBatch, count);
    }
}
