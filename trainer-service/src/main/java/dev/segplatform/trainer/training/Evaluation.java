package dev.segplatform.trainer.training;

import dev.segplatform.core.data.SegmentationDataset;
import dev.segplatform.core.metrics.ConfusionMatrix;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Networks;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;

/**
 * Loss and confusion matrix of a graph over (the first {@code limit} images of) a data set, in
 * inference mode. The loss is the graph's own training objective (for ICNet the weighted cascade
 * sum), so validation and training losses are comparable; the confusion matrix uses the final,
 * full-resolution prediction.
 */
record Evaluation(double loss, ConfusionMatrix confusion) {

    static Evaluation of(ComputationGraph graph, ModelSpec spec, SegmentationDataset data, int limit, int batchSize) {
        int[] downsample = Networks.labelDownsample(spec);
        int classes = data.numClasses();
        int count = Math.min(limit, data.size());
        ConfusionMatrix confusion = new ConfusionMatrix(classes);
        double lossSum = 0;
        for (int start = 0; start < count; start += batchSize) {
            int size = Math.min(batchSize, count - start);
            int[] indices = new int[size];
            for (int i = 0; i < size; i++) {
                indices[i] = start + i;
            }
            boolean[] noFlip = new boolean[size];
            INDArray features = data.features(indices, noFlip);
            INDArray[] labels = new INDArray[downsample.length];
            for (int o = 0; o < downsample.length; o++) {
                labels[o] = data.labels(indices, noFlip, downsample[o], classes);
            }
            lossSum += graph.score(new MultiDataSet(new INDArray[] {features}, labels), false) * size;
            INDArray probabilities = Networks.fullResolution(spec, graph.output(false, features));
            confusion.add(data.labels(indices, noFlip, 1, classes), probabilities);
        }
        return new Evaluation(count == 0 ? Double.NaN : lossSum / count, confusion);
    }
}
