package dev.segplatform.core.model.serving;

import dev.segplatform.core.model.layer.BilinearResize2D;
import dev.segplatform.core.model.layer.BlockedLinks;
import dev.segplatform.core.model.layer.FastConvolution;
import dev.segplatform.core.model.layer.FusedBatchNorm;
import dev.segplatform.core.model.layer.MaxPool2x2;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A copy of a trained graph for serving, with each batch norm folded into the convolution before
 * it: the convolution's weights scaled per output channel, a bias carrying the shift, and the ReLU
 * applied by oneDNN as the output is written. What TensorRT, OpenVINO and {@code
 * torch.fx}'s fusion do; PyTorch eager does not. A 1x1 convolution after a bilinear resize also
 * moves before it ({@link #classifyBeforeResizing}), 2x2 max pooling runs in Java ({@link
 * #poolInJava}), convolutions that only feed each other
 * exchange oneDNN's blocked layout ({@link BlockedLinks#linkConvolutions}), and every convolution keeps oneDNN's
 * reordered copy of its weights between calls ({@code FastConvolution.hasFixedWeights}).
 *
 * <p>Why: at inference a batch norm is a fixed affine map per channel, yet as a layer it reads and
 * writes the whole activation once more, and PSPNet has fifteen of them.
 * The folded graph computes the same function to float rounding; it has no backward pass.
 *
 * <p>A pair folds when the convolution is a {@link FastConvolution} with no activation, feeding
 * only a {@link FusedBatchNorm}; anything else is copied as it is.
 */
public final class InferenceGraph {

    private InferenceGraph() {
    }

    /** The folded copy of {@code trained} (whose own parameters are left alone); {@code trained} itself if nothing folds. */
    public static ComputationGraph fold(ComputationGraph trained) {
        if (trained.params().dataType() != DataType.FLOAT) {
            return trained;
        }
        ComputationGraphConfiguration conf = ComputationGraphConfiguration.fromJson(trained.getConfiguration().toJson());
        // The training graph's links end at batch norms, which folding removes.
        boolean trainedLinks = BlockedLinks.clear(conf);
        List<String[]> folded = new ArrayList<>(); // {convolution, batch norm}
        for (Map.Entry<String, GraphVertex> e : List.copyOf(conf.getVertices().entrySet())) {
            String norm = e.getKey();
            List<String> in = conf.getVertexInputs().get(norm);
            if (!(e.getValue() instanceof LayerVertex bv) || !(bv.getLayerConf().getLayer() instanceof FusedBatchNorm bn)
                    || bv.getPreProcessor() != null || in == null || in.size() != 1
                    || !(conf.getVertices().get(in.get(0)) instanceof LayerVertex cv)
                    || !(cv.getLayerConf().getLayer() instanceof FastConvolution conv) || conv.isFusedRelu()
                    || !(conv.getActivationFn() instanceof ActivationIdentity)
                    || BlockedLinks.onlyConsumer(conf, in.get(0)) == null || conf.getNetworkOutputs().contains(in.get(0))
                    || FusedBatchNorm.inferenceAffine(trained.getLayer(norm)) == null) {
                continue;
            }
            String convolution = in.get(0);
            conv.setHasBias(true);
            conv.setFusedRelu(bn.isRelu());
            conf.getVertices().remove(norm);
            conf.getVertexInputs().remove(norm);
            for (List<String> inputs : conf.getVertexInputs().values()) {
                inputs.replaceAll(name -> name.equals(norm) ? convolution : name);
            }
            conf.getNetworkOutputs().replaceAll(name -> name.equals(norm) ? convolution : name);
            folded.add(new String[] {convolution, norm});
        }
        boolean reordered = classifyBeforeResizing(conf);
        boolean pooled = poolInJava(conf);
        boolean linked = FastConvolution.runsInOneDnn() && BlockedLinks.linkConvolutions(conf);
        if (folded.isEmpty() && !reordered && !pooled && !linked && !trainedLinks) {
            return trained;
        }
        // The copy is never trained: its convolutions reorder their weights for oneDNN once.
        for (GraphVertex v : conf.getVertices().values()) {
            if (v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof FastConvolution c) {
                c.setFixedWeights(true);
            }
        }
        conf.setTopologicalOrder(null); // recomputed: the stored order names the removed vertices
        conf.setTopologicalOrderStr(null);
        ComputationGraph serving = new ComputationGraph(conf);
        serving.init();
        for (Map.Entry<String, INDArray> p : serving.paramTable().entrySet()) {
            INDArray source = trained.paramTable().get(p.getKey());
            if (source != null) {
                p.getValue().assign(source);
            }
        }
        for (String[] pair : folded) {
            float[][] affine = FusedBatchNorm.inferenceAffine(trained.getLayer(pair[1]));
            Map<String, INDArray> convParams = trained.getLayer(pair[0]).paramTable();
            INDArray weights = convParams.get(ConvolutionParamInitializer.WEIGHT_KEY);
            INDArray oldBias = convParams.get(ConvolutionParamInitializer.BIAS_KEY);
            INDArray scale = Nd4j.createFromArray(affine[0]);
            INDArray shift = Nd4j.createFromArray(affine[1]);
            // y = s * (W x + b) + t  =  (s W) x + (s b + t), per output channel
            INDArray w = weights.dup().reshape(weights.size(0), -1).muliColumnVector(scale.reshape(-1, 1));
            INDArray b = oldBias == null ? shift : oldBias.reshape(-1).mul(scale).addi(shift);
            serving.getLayer(pair[0]).setParam(ConvolutionParamInitializer.WEIGHT_KEY, w.reshape(weights.shape()));
            serving.getLayer(pair[0]).setParam(ConvolutionParamInitializer.BIAS_KEY,
                    b.reshape(serving.getLayer(pair[0]).getParam(ConvolutionParamInitializer.BIAS_KEY).shape()));
        }
        return serving;
    }

    /**
     * Swaps each bilinear resize that feeds only a 1x1 convolution (ICNet's {@code final-up} and
     * {@code final-cls}): both are linear, the resize's weights sum to 1 per output pixel, so
     * {@code conv(resize(x)) = resize(conv(x))}, and the convolution first resizes 3 channels
     * instead of 64. Returns whether any pair was swapped.
     */
    private static boolean classifyBeforeResizing(ComputationGraphConfiguration conf) {
        boolean any = false;
        for (Map.Entry<String, GraphVertex> e : List.copyOf(conf.getVertices().entrySet())) {
            String resize = e.getKey();
            List<String> in = conf.getVertexInputs().get(resize);
            String conv = BlockedLinks.onlyConsumer(conf, resize);
            if (!(e.getValue() instanceof LayerVertex rv) || !(rv.getLayerConf().getLayer() instanceof BilinearResize2D r)
                    || rv.getPreProcessor() != null || in == null || in.size() != 1 || conv == null
                    || conf.getNetworkOutputs().contains(resize)
                    || !(conf.getVertices().get(conv) instanceof LayerVertex cv) || cv.getPreProcessor() != null
                    || !(cv.getLayerConf().getLayer() instanceof FastConvolution c) || !pointwise(c)) {
                continue;
            }
            // before: in -> resize -> conv -> consumers; after: in -> conv -> resize -> consumers
            for (List<String> inputs : conf.getVertexInputs().values()) {
                inputs.replaceAll(name -> name.equals(conv) ? resize : name);
            }
            conf.getNetworkOutputs().replaceAll(name -> name.equals(conv) ? resize : name);
            conf.getVertexInputs().put(conv, new ArrayList<>(in));
            conf.getVertexInputs().put(resize, new ArrayList<>(List.of(conv)));
            r.setNIn(InputType.convolutional(r.inHeight(), r.inWidth(), c.getNOut()), true);
            any = true;
        }
        return any;
    }

    /**
     * Swaps each 2x2, stride-2 max pooling (U-Net's, VGG's) for {@link MaxPool2x2}, the same function
     * in Java: ND4J's op ran a fifth of a single-threaded U-Net pass. A frozen pooling layer is
     * swapped too, as freezing only matters to training. Returns whether any was swapped.
     */
    private static boolean poolInJava(ComputationGraphConfiguration conf) {
        boolean any = false;
        for (GraphVertex v : conf.getVertices().values()) {
            if (!(v instanceof LayerVertex lv) || lv.getPreProcessor() != null) {
                continue;
            }
            Layer layer = lv.getLayerConf().getLayer();
            if (layer instanceof FrozenLayer frozen) {
                layer = frozen.getLayer();
            }
            if (layer instanceof SubsamplingLayer s && halvingMaxPool(s)) {
                MaxPool2x2 pool = new MaxPool2x2(s.getConvolutionMode() == ConvolutionMode.Same);
                pool.setLayerName(lv.getLayerConf().getLayer().getLayerName());
                lv.getLayerConf().setLayer(pool);
                any = true;
            }
        }
        return any;
    }

    private static boolean halvingMaxPool(SubsamplingLayer s) {
        int[] two = {2, 2};
        return s.getPoolingType() == PoolingType.MAX && Arrays.equals(s.getKernelSize(), two)
                && Arrays.equals(s.getStride(), two) && Arrays.equals(s.getPadding(), new int[] {0, 0})
                && Arrays.equals(s.getDilation(), new int[] {1, 1}) && s.getCnn2dDataFormat() == CNN2DFormat.NCHW
                && (s.getConvolutionMode() == ConvolutionMode.Same || s.getConvolutionMode() == ConvolutionMode.Truncate
                        || s.getConvolutionMode() == ConvolutionMode.Strict);
    }

    /** A 1x1, stride-1, unpadded convolution with no activation: one that commutes with a resize. */
    private static boolean pointwise(FastConvolution c) {
        return Arrays.equals(c.getKernelSize(), new int[] {1, 1}) && Arrays.equals(c.getStride(), new int[] {1, 1})
                && (c.getConvolutionMode() == ConvolutionMode.Same || Arrays.equals(c.getPadding(), new int[] {0, 0}))
                && !c.isFusedRelu() && c.getActivationFn() instanceof ActivationIdentity;
    }
}
