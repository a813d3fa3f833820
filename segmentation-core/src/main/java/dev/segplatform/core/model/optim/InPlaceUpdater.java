package dev.segplatform.core.model.optim;

import dev.segplatform.core.model.kernel.FloatArrays;
import java.util.ArrayList;
import java.util.List;
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
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * DL4J's graph updater, applied to the graph's own gradient array in place, as DL4J means to.
 *
 * <p>Why: DL4J 1.0.0-M2.1 decides that a gradient is "external" (not the graph's own array) by
 * object identity, {@code gradient.gradient() != getFlattenedGradientsView()}, and {@code
 * DefaultGradient.gradient()} returns a new reshaped view of the graph's array on every call. So
 * every step took the external path: per variable and per step it cut new parameter and gradient
 * views twice, rebuilt the minibatch-division views, and flattened the network's parameters. That
 * was a visible share of a training step for a network of many small layers such as ICNet. This class compares the memory the arrays point at instead. The updater blocks
 * and the updater state are DL4J's, so checkpoints are unchanged; Adam runs as {@link JavaAdam},
 * one Java pass per block that also divides by the minibatch size where DL4J's order allows.
 */
public final class InPlaceUpdater extends ComputationGraphUpdater {

    private final boolean normalizesGradients;
    private final List<JavaAdam> adams = new ArrayList<>();
    /** Whether each {@link JavaAdam} may divide its gradient by the minibatch size itself. */
    private final boolean divisionInAdam;
    private boolean lastInPlace;

    private InPlaceUpdater(ComputationGraph graph, INDArray state) {
        super(graph, state);
        boolean normalizes = false;
        for (Trainable layer : getOrderedLayers()) {
            GradientNormalization n = layer.getConfig() == null ? null : layer.getConfig().getGradientNormalization();
            normalizes |= n != null && n != GradientNormalization.None;
        }
        normalizesGradients = normalizes;
        // DL4J divides the gradient by the minibatch size, then per block applies any
        // before-updater regularization (L2) and the updater. The division can move into Adam's pass
        // only where no regularization sits between them, and only if the other blocks (batch
        // norm's running estimates) are not divided at all.
        boolean fusable = true;
        for (UpdaterBlock block : getUpdaterBlocks()) {
            boolean adam = block.getGradientUpdater().getClass() == AdamUpdater.class;
            if (adam) {
                JavaAdam replacement = new JavaAdam((AdamUpdater) block.getGradientUpdater());
                block.setGradientUpdater(replacement);
                adams.add(replacement);
            }
            boolean allDivided = true;
            boolean noneDivided = true;
            boolean regularizedFirst = false;
            for (UpdaterBlock.ParamState p : block.getLayersAndVariablesInBlock()) {
                boolean divided = p.getLayer().updaterDivideByMinibatch(p.getParamName());
                allDivided &= divided;
                noneDivided &= !divided;
                List<Regularization> r = p.getLayer().getConfig().getRegularizationByParam(p.getParamName());
                regularizedFirst |= r != null && r.stream().anyMatch(x -> x.applyStep() == Regularization.ApplyStep.BEFORE_UPDATER);
            }
            fusable &= adam ? allDivided && !regularizedFirst : noneDivided;
        }
        divisionInAdam = fusable;
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
            for (JavaAdam adam : adams) {
                adam.setGradientDivisor(1); // DL4J's path divides
            }
            super.update(gradient, iteration, epoch, batchSize, workspaceMgr);
            return;
        }
        boolean divideInAdam = isMiniBatch() && divisionInAdam;
        for (JavaAdam adam : adams) {
            adam.setGradientDivisor(divideInAdam ? batchSize : 1);
        }
        if (isMiniBatch() && !divideInAdam) {
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
