package dev.segplatform.core.model;

import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's graph updater, applied to the graph's own gradient array in place, as DL4J means to.
 *
 * <p>Why: DL4J 1.0.0-M2.1 decides that a gradient is "external" (not the graph's own array) by
 * object identity, {@code gradient.gradient() != getFlattenedGradientsView()}, and {@code
 * DefaultGradient.gradient()} returns a new reshaped view of the graph's array on every call. So
 * every step took the external path: per variable and per step it cut new parameter and gradient
 * views twice, rebuilt the minibatch-division views, and flattened the network's parameters. That
 * was about 12% of an ICNet training step (ICNet has 37 parameterized layers for 0.38M
 * parameters). This class compares the memory the arrays point at instead; the arithmetic, the
 * updater blocks and the updater state are DL4J's, so results and checkpoints are unchanged.
 */
public final class InPlaceUpdater extends ComputationGraphUpdater {

    private final boolean normalizesGradients;
    private boolean lastInPlace;

    private InPlaceUpdater(ComputationGraph graph, INDArray state) {
        super(graph, state);
        boolean normalizes = false;
        for (Trainable layer : getOrderedLayers()) {
            GradientNormalization n = layer.getConfig() == null ? null : layer.getConfig().getGradientNormalization();
            normalizes |= n != null && n != GradientNormalization.None;
        }
        normalizesGradients = normalizes;
    }

    /**
     * Puts an {@code InPlaceUpdater} on {@code graph}, keeping its updater state (a graph restored
     * from a checkpoint keeps its Adam moments). Does nothing if it has one already.
     */
    public static void install(ComputationGraph graph) {
        if (graph.getUpdater() instanceof InPlaceUpdater) {
            return;
        }
        graph.setUpdater(new InPlaceUpdater(graph, graph.getUpdater().getStateViewArray()));
    }

    @Override
    public synchronized void update(Gradient gradient, int iteration, int epoch, int batchSize,
            LayerWorkspaceMgr workspaceMgr) {
        // Per-layer gradient normalization needs the per-layer split that DL4J's path makes.
        lastInPlace = !normalizesGradients && sameMemory(gradient.gradient(), getFlattenedGradientsView());
        if (!lastInPlace) {
            super.update(gradient, iteration, epoch, batchSize, workspaceMgr);
            return;
        }
        if (isMiniBatch()) {
            divideByMinibatch(false, gradient, batchSize);
        }
        for (UpdaterBlock block : getUpdaterBlocks()) {
            if (block.skipDueToPretrainConfig(false)) {
                continue;
            }
            MemoryWorkspace ws = workspaceMgr.notifyScopeEntered(ArrayType.UPDATER_WORKING_MEM);
            try {
                block.update(iteration, epoch);
            } finally {
                if (ws != null) {
                    ws.close();
                }
            }
        }
    }

    /** Whether the last update took the in-place path rather than DL4J's. */
    boolean lastInPlace() {
        return lastInPlace;
    }

    private static boolean sameMemory(INDArray a, INDArray b) {
        return a.length() == b.length() && FloatArrays.isDense(a) && FloatArrays.isDense(b) && a.dataType() == b.dataType()
                && a.data().address() + a.offset() * a.data().getElementSize()
                        == b.data().address() + b.offset() * b.data().getElementSize();
    }
}
