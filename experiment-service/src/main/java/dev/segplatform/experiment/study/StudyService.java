package dev.segplatform.experiment.study;

import dev.segplatform.experiment.experiment.ExperimentService;
import dev.segplatform.experiment.problem.ApiException;
import dev.segplatform.experiment.problem.ConflictException;
import dev.segplatform.experiment.problem.NotFoundException;
import dev.segplatform.experiment.problem.JobQueueFullException;
import dev.segplatform.experiment.queue.JobQueue;
import dev.segplatform.experiment.run.RunResponse;
import dev.segplatform.experiment.run.RunService;
import dev.segplatform.experiment.study.StudyRequests.Algorithm;
import dev.segplatform.experiment.study.StudyRequests.Objective;
import dev.segplatform.experiment.study.StudyRequests.PrunerSettings;
import dev.segplatform.experiment.study.StudyStore.PruneCandidate;
import dev.segplatform.experiment.study.StudyStore.Study;
import dev.segplatform.experiment.study.pruner.TrialCurve;
import dev.segplatform.experiment.study.sampler.GridSampler;
import dev.segplatform.experiment.study.sampler.RandomSampler;
import dev.segplatform.experiment.study.sampler.Sampler;
import dev.segplatform.experiment.study.sampler.TpeSampler;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.node.ObjectNode;

/**
 * Tuning studies: creating one, advancing it, stopping it. This class orchestrates; what a valid
 * study is lives in {@link StudyValidation}, the tables in {@link StudyStore}. All of a study's state
 * lives in PostgreSQL and every change to it happens under the study's row lock ({@code FOR UPDATE}),
 * so any number of advances (the scheduler, a request, a restarted service) can run at any time and
 * the outcome is the same: each trial is created in the transaction that moves the study's trial
 * counter, so none is lost or made twice.
 *
 * <p>Advancing a running study: (1) record the trials whose runs ended (state and objective), (2) let
 * the pruner judge the running trials' newest epochs and ask the queue to PRUNE the bad ones, (3) end
 * the study once {@code maxTrials} trials have finished, (4) otherwise create trials, one transaction
 * each, until {@code parallelism} are queued or running.
 */
@Service
public class StudyService {

    private static final Logger log = LoggerFactory.getLogger(StudyService.class);

    private final StudyStore store;
    private final StudyValidation validation;
    private final ExperimentService experiments;
    private final RunService runs;
    private final JobQueue queue;
    private final TrialSpecs specs;
    private final TransactionTemplate tx;

    StudyService(StudyStore store, StudyValidation validation, ExperimentService experiments, RunService runs,
                 JobQueue queue, TrialSpecs specs, PlatformTransactionManager transactions) {
        this.store = store;
        this.validation = validation;
        this.experiments = experiments;
        this.runs = runs;
        this.queue = queue;
        this.specs = specs;
        this.tx = new TransactionTemplate(transactions);
    }

    /** Validates, stores the study and creates its first trials; nothing is written when it is refused. */
    long create(StudyRequests.Create request) {
        experiments.requireLive(request.experimentId());
        Algorithm algorithm = request.algorithm() == null ? Algorithm.TPE : request.algorithm();
        ObjectNode baseSpec = specs.tree(request.baseSpec());
        validation.check(request, algorithm, baseSpec);
        long seed = request.seed() != null ? request.seed() : new SecureRandom().nextLong() & Long.MAX_VALUE;
        Objective objective = request.objective() == null ? Objective.DEFAULT : request.objective().withDefaults();
        PrunerSettings pruner = request.pruner() == null ? PrunerSettings.NONE : request.pruner().withDefaults();
        Long id = tx.execute(status -> store.insert(request, algorithm, objective, baseSpec, pruner, seed));
        advance(id);
        return id;
    }

    /** Cancels the study's queued and running trials and marks it STOPPED. */
    void stop(long id) {
        tx.executeWithoutResult(status -> {
            Study study = store.lock(id).orElseThrow(() -> new NotFoundException("study", id));
            if (study.status() != StudyStatus.RUNNING) {
                throw new ConflictException("study " + id + " already ended as " + study.status());
            }
            store.recordFinished(study);
            // Lock the live jobs first, so none can end between looking and cancelling.
            List<Long> live = store.lockLiveTrialRuns(id);
            live.forEach(queue::cancel);
            store.markStopped(id, live.size());
        });
    }

    /** The ids of the studies the scheduler should advance. */
    List<Long> running() {
        return store.running();
    }

    /** One step of a running study; safe to call at any time, from anywhere, any number of times. */
    void advance(long id) {
        Boolean open = tx.execute(status -> store.lock(id).map(this::settle).orElse(false));
        while (Boolean.TRUE.equals(open)) {
            try {
                open = tx.execute(status -> store.lock(id).map(this::createTrial).orElse(false));
            } catch (JobQueueFullException e) {
                log.info("Study {} waits for room in the queue: {}", id, e.getMessage());
                return;
            } catch (ApiException e) {
                // The experiment was deleted or the like: no trial can be created any more.
                log.warn("Study {} cannot create trials: {}", id, e.getMessage());
                tx.executeWithoutResult(status -> store.lock(id).filter(s -> s.status() == StudyStatus.RUNNING)
                        .ifPresent(s -> end(s, StudyStatus.FAILED, "cannot create trials: " + e.getMessage())));
                return;
            }
        }
    }

    /** Steps (1) to (3); answers whether the study goes on. */
    private boolean settle(Study study) {
        if (study.status() != StudyStatus.RUNNING) {
            return false;
        }
        store.recordFinished(study);
        if (study.pruner().type() != StudyRequests.PrunerType.NONE) {
            prune(study);
        }
        int finished = store.finishedTrials(study.id());
        if (finished >= study.maxTrials()) {
            if (store.anySucceededWithObjective(study.id())) {
                end(study, StudyStatus.COMPLETED, null);
            } else {
                end(study, StudyStatus.FAILED, "none of the " + finished + " trials succeeded with a value of "
                        + study.objective().metric());
            }
            return false;
        }
        return true;
    }

    /** Judges each running trial's epochs that were not judged yet; asks the queue to prune the bad ones. */
    private void prune(Study study) {
        List<PruneCandidate> candidates = store.pruneCandidates(study);
        if (candidates.isEmpty()) {
            return;
        }
        List<TrialCurve> curves = store.curves(study);
        Map<Integer, TrialCurve> byNumber = new HashMap<>();
        curves.forEach(curve -> byNumber.put(curve.trial(), curve));
        var pruner = study.pruner().pruner();
        for (PruneCandidate candidate : candidates) {
            TrialCurve curve = byNumber.get(candidate.number());
            if (curve == null) {
                continue;
            }
            Optional<String> reason = pruner.judge(curve, candidate.checkedStep(), curves, study.objective().maximize());
            if (reason.isPresent() && queue.requestPrune(candidate.runId())) {
                log.info("Study {} prunes trial {} (run {}): {} {}", study.id(), candidate.number(), candidate.runId(),
                        study.objective().metric(), reason.get());
            }
            store.markChecked(study.id(), candidate.number(), curve.lastStep(),
                    reason.map(r -> "pruned: " + study.objective().metric() + " " + r).orElse(null));
        }
    }

    /** Step (4) for one trial; answers whether it created one (and so whether to try for another). */
    private boolean createTrial(Study study) {
        if (study.status() != StudyStatus.RUNNING || study.trialsCreated() >= study.maxTrials()) {
            return false;
        }
        if (store.liveTrials(study.id()) >= study.parallelism()) {
            return false;
        }
        int number = study.trialsCreated();
        Map<String, Double> suggestion = sampler(study).suggest(study.space().space(), store.history(study),
                study.seed(), number);
        ObjectNode params = study.space().toParams(suggestion);
        TrialSpecs.Result spec = specs.build(study.baseSpec(), params);
        Long runId = null;
        String message = null;
        if (spec.valid()) {
            RunResponse run = runs.create(study.experimentId(), study.name() + "-trial-" + number, spec.spec(),
                    Map.of("study.id", Long.toString(study.id()), "study.trial", Integer.toString(number),
                            "study.name", study.name()));
            runId = run.id();
        } else {
            message = "the suggested spec is invalid, so no run was made: " + spec.problems().stream()
                    .map(p -> p.field() + " " + p.reason()).reduce((a, b) -> a + "; " + b).orElse("");
            log.warn("Study {} trial {}: {}", study.id(), number, message);
        }
        store.insertTrial(study.id(), number, runId, params, suggestion, message);
        return true;
    }

    private static Sampler sampler(Study study) {
        return switch (study.algorithm()) {
            case RANDOM -> new RandomSampler();
            case GRID -> new GridSampler();
            case TPE -> new TpeSampler(TpeSampler.Settings.forBudget(study.maxTrials()));
        };
    }

    private void end(Study study, StudyStatus status, String message) {
        store.end(study.id(), status, message);
        log.info("Study {} ended {}{}", study.id(), status, message == null ? "" : ": " + message);
    }
}
