package dev.segplatform.experiment.study;

import dev.segplatform.experiment.api.JobStatus;
import dev.segplatform.experiment.study.StudyRequests.Algorithm;
import dev.segplatform.experiment.study.StudyRequests.Objective;
import dev.segplatform.experiment.study.StudyRequests.PrunerSettings;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A study as the API shows it.
 *
 * @param trialsCreated       trials made so far (at most {@code maxTrials})
 * @param trialCounts         trials by state
 * @param bestTrial           the SUCCEEDED trial with the best objective so far (ties: the earliest);
 *                            pruned trials never are best, failed ones have no objective
 * @param trials              every trial, by number; use {@code /trials} to page through large studies
 * @param parallelCoordinates the trials with an objective, laid out for a parallel-coordinates plot
 */
public record StudyResponse(long id, long experimentId, String name, StudyStatus status, String message,
                            Algorithm algorithm, Objective objective, PrunerSettings pruner, int maxTrials,
                            int parallelism, long seed, JsonNode space, JsonNode baseSpec, int trialsCreated,
                            Map<JobStatus, Integer> trialCounts, TrialResponse bestTrial, List<TrialResponse> trials,
                            ParallelCoordinates parallelCoordinates, Instant createdAt, Instant endedAt) {

    /**
     * One trial.
     *
     * @param runId     its run (null only if the suggestion could not become a valid spec)
     * @param state     the run's status
     * @param params    the suggested values, by spec field
     * @param objective the objective metric's last value: final for SUCCEEDED, at the stop for PRUNED,
     *                  current for RUNNING; null for FAILED and CANCELLED trials
     * @param step      the epoch that value is from
     * @param message   why it was pruned, failed or never became a run
     */
    public record TrialResponse(int number, Long runId, JobStatus state, JsonNode params, Double objective, Long step,
                                String message, String workerId, Instant createdAt, Instant endedAt) {
    }

    /**
     * Columns for a parallel-coordinates plot: one row per trial with an objective, one dimension per
     * searched field plus the objective last.
     *
     * @param trials trial number of each row
     * @param states state of each row (SUCCEEDED, PRUNED or, for a live trial, RUNNING)
     */
    public record ParallelCoordinates(List<Integer> trials, List<JobStatus> states, List<Dimension> dimensions) {
    }

    /**
     * One axis.
     *
     * @param scale      {@code linear}, {@code log} or {@code categorical}
     * @param range      low and high of a numeric axis
     * @param categories the values of a categorical axis, whose {@code values} are indices into it
     * @param values     one per row
     */
    public record Dimension(String name, String scale, List<Double> range, List<JsonNode> categories,
                            List<Double> values) {
    }

    /** A page of trials. */
    public record TrialPage(List<TrialResponse> items, int page, int size, long total) {
    }

    /** A study in a list: no trials. */
    public record Summary(long id, long experimentId, String name, StudyStatus status, Algorithm algorithm,
                          Objective objective, int maxTrials, int parallelism, int trialsCreated,
                          Instant createdAt, Instant endedAt) {
    }

    /** A page of studies. */
    public record StudyPage(List<Summary> items, int page, int size, long total) {
    }
}
