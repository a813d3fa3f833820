package dev.segplatform.core.model.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.segplatform.core.model.PSPNet;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** The custom resample layers against a direct computation, and their gradients. */
class ResampleLayersTest {

    /** Runs one layer in a graph whose output is the layer's activation (identity + MSE head). */
    private static INDArray apply(Layer layer, INDArray x) {
        return graph(layer, x).outputSingle(x);
    }

    private static ComputationGraph graph(Layer layer, INDArray x) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .dataType(x.dataType())
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(x.size(2), x.size(3), x.size(1)))
                .addLayer("resample", layer, "in")
                .addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(Activation.IDENTITY).build(), "resample")
                .setOutputs("out")
                .build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        return graph;
    }

    /** Bilinear sampling of one pixel, PyTorch align_corners=False, computed in 2-D directly. */
    private static double bilinearAt(double[][] img, int outH, int outW, int i, int j) {
        int h = img.length;
        int w = img[0].length;
        double sy = Math.max((i + 0.5) * h / outH - 0.5, 0);
        double sx = Math.max((j + 0.5) * w / outW - 0.5, 0);
        int y0 = (int) sy;
        int x0 = (int) sx;
        int y1 = Math.min(y0 + 1, h - 1);
        int x1 = Math.min(x0 + 1, w - 1);
        double ly = sy - y0;
        double lx = sx - x0;
        return (1 - ly) * ((1 - lx) * img[y0][x0] + lx * img[y0][x1]) + ly * ((1 - lx) * img[y1][x0] + lx * img[y1][x1]);
    }

    /** Mean of the adaptive pooling window of bin (i, j), computed by looping over the window. */
    private static double adaptiveMeanAt(double[][] img, int outH, int outW, int i, int j) {
        int h = img.length;
        int w = img[0].length;
        int y0 = Math.floorDiv(i * h, outH);
        int y1 = -Math.floorDiv(-(i + 1) * h, outH);
        int x0 = Math.floorDiv(j * w, outW);
        int x1 = -Math.floorDiv(-(j + 1) * w, outW);
        double sum = 0;
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                sum += img[y][x];
            }
        }
        return sum / ((y1 - y0) * (x1 - x0));
    }

    private static double[][] plane(INDArray x, int b, int c) {
        return x.get(org.nd4j.linalg.indexing.NDArrayIndex.point(b), org.nd4j.linalg.indexing.NDArrayIndex.point(c))
                .toDoubleMatrix();
    }

    @Test
    void bilinearResizeMatchesDirectInterpolation() {
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 3, 5, 7);
        // Up in height, down in width: both branches of the formula are exercised.
        INDArray y = apply(new BilinearResize2D(9, 4), x);

        assertThat(y.shape()).containsExactly(2, 3, 9, 4);
        for (int b = 0; b < 2; b++) {
            for (int c = 0; c < 3; c++) {
                double[][] img = plane(x, b, c);
                for (int i = 0; i < 9; i++) {
                    for (int j = 0; j < 4; j++) {
                        assertThat(y.getDouble(b, c, i, j)).isCloseTo(bilinearAt(img, 9, 4, i, j), within(1e-12));
                    }
                }
            }
        }
    }

    @Test
    void bilinearUpsamplingOfTwoPixelsGivesTorchsValues() {
        // torch.nn.functional.interpolate([[0, 1]], size=4, mode="bilinear", align_corners=False)
        INDArray x = Nd4j.createFromArray(new double[] {0, 1}).reshape(1, 1, 1, 2);
        INDArray y = apply(new BilinearResize2D(1, 4), x);
        assertThat(y.reshape(4).toDoubleVector()).containsExactly(new double[] {0, 0.25, 0.75, 1}, within(1e-12));
    }

    @Test
    void adaptiveAveragePoolingMatchesWindowMeans() {
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 2, 8, 5);
        for (int bins : PSPNet.BINS) {
            INDArray y = apply(new AdaptiveAvgPool2D(bins, bins), x);
            assertThat(y.shape()).containsExactly(2, 2, bins, bins);
            for (int b = 0; b < 2; b++) {
                for (int c = 0; c < 2; c++) {
                    double[][] img = plane(x, b, c);
                    for (int i = 0; i < bins; i++) {
                        for (int j = 0; j < bins; j++) {
                            assertThat(y.getDouble(b, c, i, j)).as("bins %d at %d,%d", bins, i, j)
                                    .isCloseTo(adaptiveMeanAt(img, bins, bins, i, j), within(1e-12));
                        }
                    }
                }
            }
        }
    }

    @Test
    void adaptivePoolingToOneBinIsTheGlobalMean() {
        INDArray x = Nd4j.rand(DataType.DOUBLE, 1, 4, 6, 6);
        INDArray y = apply(new AdaptiveAvgPool2D(1, 1), x);
        assertThat(y.reshape(4).toDoubleVector()).containsExactly(x.mean(2, 3).reshape(4).toDoubleVector(), within(1e-12));
    }

    @Test
    void gradientsThroughPoolingAndResizeMatchFiniteDifferences() {
        // conv -> adaptive pool 6x6 -> 3x3 -> bilinear back to 6x6 -> conv -> weighted softmax loss:
        // the convs' parameter gradients pass through both custom layers on the way back.
        ComputationGraphConfiguration conf = DoublePrecision.configuration(7)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(6, 6, 2))
                .addLayer("conv1", new ConvolutionLayer.Builder(3, 3).nOut(3).activation(Activation.TANH).build(), "in")
                .addLayer("pool", new AdaptiveAvgPool2D(3, 3), "conv1")
                .addLayer("resize", new BilinearResize2D(6, 6), "pool")
                .addLayer("conv2", new ConvolutionLayer.Builder(1, 1).nOut(3).activation(Activation.IDENTITY).build(), "resize")
                .addLayer("out", new CnnLossLayer.Builder(PixelMeanLoss.crossEntropy(0.7, 36))
                        .activation(Activation.SOFTMAX).build(), "conv2")
                .setOutputs("out")
                .build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        INDArray input = Nd4j.rand(DataType.DOUBLE, 2, 2, 6, 6);
        INDArray labels = oneHot(2, 3, 6, 6, 11);

        assertThat(DoublePrecision.gradientsMatchFiniteDifferences(graph, input, labels)).isTrue();
    }

    /**
     * The float path (oneDNN's products where oneDNN runs) computes what the double path computes,
     * forward and backward, and keeps doing so when the batch size changes between calls.
     */
    @Test
    void floatLayersComputeWhatTheDoublePathComputes() {
        for (Layer layer : new Layer[] {new BilinearResize2D(16, 16), new AdaptiveAvgPool2D(3, 3)}) {
            int inSize = layer instanceof BilinearResize2D ? 6 : 16;
            int outSize = layer instanceof BilinearResize2D ? 16 : 3;
            org.deeplearning4j.nn.api.Layer asFloat = null;
            for (int batch : new int[] {2, 5, 2}) {
                INDArray x = Nd4j.rand(DataType.DOUBLE, batch, 4, inSize, inSize);
                INDArray epsilon = Nd4j.rand(DataType.DOUBLE, batch, 4, outSize, outSize);
                org.deeplearning4j.nn.api.Layer asDouble = graph(layer.clone(), x).getLayer("resample");
                if (asFloat == null) {
                    asFloat = graph(layer.clone(), x.castTo(DataType.FLOAT)).getLayer("resample");
                }
                LayerWorkspaceMgr none = LayerWorkspaceMgr.noWorkspaces();
                asDouble.setInput(x, none);
                asFloat.setInput(x.castTo(DataType.FLOAT), none);
                assertThat(asFloat.activate(true, none).castTo(DataType.DOUBLE).sub(asDouble.activate(true, none))
                        .amaxNumber().doubleValue()).as("forward, batch " + batch).isLessThan(1e-5);
                INDArray dFloat = asFloat.backpropGradient(epsilon.castTo(DataType.FLOAT), none).getSecond();
                INDArray dDouble = asDouble.backpropGradient(epsilon, none).getSecond();
                assertThat(dFloat.castTo(DataType.DOUBLE).sub(dDouble).amaxNumber().doubleValue())
                        .as("input gradient, batch " + batch).isLessThan(1e-5);
            }
        }
    }

    static INDArray oneHot(int batch, int classes, int h, int w, long seed) {
        java.util.Random random = new java.util.Random(seed);
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, batch, classes, h, w);
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < w; j++) {
                    labels.putScalar(new long[] {b, random.nextInt(classes), i, j}, 1.0);
                }
            }
        }
        return labels;
    }
}
