package dev.segplatform.core.train;

/** The training loss became NaN or infinite; the graph's weights are no longer usable. */
public class TrainingDivergedException extends RuntimeException {

    public TrainingDivergedException(int epoch, int iteration, double loss) {
        super("training loss became " + loss + " at epoch " + epoch + ", minibatch " + iteration
                + "; lower the learning rate");
    }
}
