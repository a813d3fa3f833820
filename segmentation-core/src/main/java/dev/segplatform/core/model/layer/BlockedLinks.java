package dev.segplatform.core.model.layer;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.nd4j.linalg.activations.impl.ActivationIdentity;

/**
 * Which layers of a graph hand each other oneDNN's channel-blocked layout ({@code nChw16c})
 * instead of NCHW, so that neither reorders the activation between them: the array DL4J allocates
 * keeps its NCHW shape and size (hence channels a multiple of 16) and only its element order
 * changes, which is why only layers that run in oneDNN may sit at either end of a link, and only
 * where the producer has that one consumer. Each layer falls back to NCHW, and so do its partners,
 * wherever oneDNN does not run its pass ({@code -Dsegplatform.onednn-convolution=false}, double
 * precision); the links a configuration carries are then ignored.
 */
public final class BlockedLinks {

    private static final int BLOCK = 16;

    /** A layer configuration that can sit at either end of a link. */
    public interface End {
        boolean isBlockedInput();

        boolean isBlockedOutput();

        void setBlockedInput(boolean blocked);

        void setBlockedOutput(boolean blocked);
    }

    private BlockedLinks() {
    }

    /**
     * A training graph's links: each convolution that feeds only a batch norm hands it its output
     * blocked, and a batch norm so fed hands its output blocked to a convolution that is its only
     * consumer. Gradients flow back in the same layout. Most of a backbone is convolution, batch
     * norm, convolution: PSPNet reordered about 6 ms of activations per training step between them,
     * and its batch norms ran 7x faster in oneDNN on the blocked layout than in Java on NCHW.
     */
    public static void linkForTraining(ComputationGraphConfiguration conf) {
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            String producer = e.getKey();
            String consumer = onlyConsumer(conf, producer);
            if (consumer == null || conf.getNetworkOutputs().contains(producer)
                    || !(layer(e.getValue()) instanceof FastConvolution conv) || !runsInOneDnn(conv)
                    || !(layer(conf.getVertices().get(consumer)) instanceof FusedBatchNorm norm) || !runsInOneDnn(norm)
                    || norm.getNOut() != conv.getNOut() || conf.getVertexInputs().get(consumer).size() != 1) {
                continue;
            }
            conv.setBlockedOutput(true);
            norm.setBlockedInput(true);
            String next = onlyConsumer(conf, consumer);
            if (next != null && !conf.getNetworkOutputs().contains(consumer)
                    && layer(conf.getVertices().get(next)) instanceof FastConvolution after && runsInOneDnn(after)
                    && after.getNIn() == norm.getNOut() && conf.getVertexInputs().get(next).size() == 1) {
                norm.setBlockedOutput(true);
                after.setBlockedInput(true);
            }
        }
    }

    /**
     * A folded inference graph's links: each convolution that feeds only another convolution (after
     * folding, most of a backbone). Returns whether any pair was linked.
     */
    public static boolean linkConvolutions(ComputationGraphConfiguration conf) {
        boolean any = false;
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            String producer = e.getKey();
            String consumer = onlyConsumer(conf, producer);
            if (consumer == null || conf.getNetworkOutputs().contains(producer)
                    || !(layer(e.getValue()) instanceof FastConvolution a) || a.getNOut() % BLOCK != 0
                    || !(layer(conf.getVertices().get(consumer)) instanceof FastConvolution b) || b.getNIn() != a.getNOut()
                    || conf.getVertexInputs().get(consumer).size() != 1) {
                continue;
            }
            a.setBlockedOutput(true);
            b.setBlockedInput(true);
            any = true;
        }
        return any;
    }

    /** Drops every link (a graph about to be rewired, as folding does, links afresh); returns whether there were any. */
    public static boolean clear(ComputationGraphConfiguration conf) {
        boolean any = false;
        for (GraphVertex v : conf.getVertices().values()) {
            if (layer(v) instanceof End end) {
                any |= end.isBlockedInput() || end.isBlockedOutput();
                end.setBlockedInput(false);
                end.setBlockedOutput(false);
            }
        }
        return any;
    }

    /** The one vertex reading {@code vertex}, or null if there are none or several. */
    public static String onlyConsumer(ComputationGraphConfiguration conf, String vertex) {
        String found = null;
        for (Map.Entry<String, List<String>> e : conf.getVertexInputs().entrySet()) {
            for (String in : e.getValue()) {
                if (in.equals(vertex)) {
                    if (found != null) {
                        return null;
                    }
                    found = e.getKey();
                }
            }
        }
        return found;
    }

    /** The layer of a layer vertex without an input preprocessor, else null. */
    private static Object layer(GraphVertex v) {
        return v instanceof LayerVertex lv && lv.getPreProcessor() == null ? lv.getLayerConf().getLayer() : null;
    }

    /** What {@code FastConvolutionImpl} runs in oneDNN for every float input (all but the JVM-wide switch). */
    private static boolean runsInOneDnn(FastConvolution c) {
        return c.getCnn2dDataFormat() == CNN2DFormat.NCHW && c.getActivationFn() instanceof ActivationIdentity && !c.isFusedRelu()
                && c.getIDropout() == null && c.getWeightNoise() == null
                && (c.getConvolutionMode() == ConvolutionMode.Same || c.getConvolutionMode() == ConvolutionMode.Truncate);
    }

    /** What {@code FusedBatchNormImpl} runs in oneDNN for every float input. */
    private static boolean runsInOneDnn(FusedBatchNorm n) {
        return n.getCnn2DFormat() == CNN2DFormat.NCHW && !n.isLockGammaBeta() && n.getNOut() % BLOCK == 0;
    }
}
