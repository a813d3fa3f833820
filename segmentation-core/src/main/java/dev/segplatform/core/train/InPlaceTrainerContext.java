package dev.segplatform.core.train;

import dev.segplatform.core.model.optim.InPlaceUpdater;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.deeplearning4j.parallelism.factory.DefaultTrainerContext;
import org.deeplearning4j.parallelism.trainer.DefaultTrainer;
import org.deeplearning4j.parallelism.trainer.Trainer;

/**
 * {@link ParallelWrapper}'s workers as DL4J makes them, except that each worker's copy of the
 * graph trains with the {@link InPlaceUpdater} the graph itself has.
 *
 * <p>Why: DL4J's worker builds its copy from the configuration ({@code new ComputationGraph(conf)}),
 * which comes with DL4J's own updater, so every worker but the first (which trains the graph
 * itself) took DL4J's slow per-variable update path on every step. The updater state stays the
 * copy's own, so ParallelWrapper's averaging of it is unchanged.
 */
final class InPlaceTrainerContext extends DefaultTrainerContext {

    @Override
    public Trainer create(String uuid, int threadId, Model model, int rootDevice, boolean useMDS, ParallelWrapper wrapper,
            WorkspaceMode mode, int averagingFrequency) {
        return new Worker(uuid, threadId, model, useMDS, wrapper, mode, averagingFrequency);
    }

    /** DL4J's worker, as {@code DefaultTrainerContext} configures it, with the updater put on its copy. */
    private static final class Worker extends DefaultTrainer {

        Worker(String uuid, int threadId, Model model, boolean useMDS, ParallelWrapper wrapper, WorkspaceMode mode,
                int averagingFrequency) {
            this.originalModel = model;
            this.replicatedModel = model;
            this.threadId = threadId;
            this.parallelWrapper = wrapper;
            this.workspaceMode = mode;
            this.useMDS = useMDS;
            this.uuid = uuid + "_thread_" + threadId;
            this.averagingFrequency = averagingFrequency;
            setName("DefaultTrainer thread " + threadId);
            setDaemon(true);
        }

        /** Runs on the worker's thread once its copy exists, before the first minibatch. */
        @Override
        protected void postInit() {
            super.postInit();
            if (replicatedModel instanceof ComputationGraph graph) {
                InPlaceUpdater.install(graph);
            }
        }
    }
}
