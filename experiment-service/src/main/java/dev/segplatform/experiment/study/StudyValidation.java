package dev.segplatform.experiment.study;

import dev.segplatform.web.FieldProblem;
import dev.segplatform.experiment.limit.InputLimits;
import dev.segplatform.experiment.problem.InvalidInputException;
import dev.segplatform.experiment.study.StudyRequests.Algorithm;
import dev.segplatform.experiment.study.sampler.GridSampler;
import dev.segplatform.experiment.study.sampler.Param;
import dev.segplatform.experiment.study.sampler.RandomSampler;
import dev.segplatform.experiment.study.sampler.SearchSpace;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;
import tools.jackson.databind.node.ObjectNode;

/**
 * Whether a study may be created: its name leaves room for its trials' run names, a grid search has
 * enough points, and every value a trial could get makes a valid run spec. Reads nothing stored.
 */
@Component
class StudyValidation {

    /** Prior draws checked at creation for int and quniform parameters, to catch e.g. an imageSize off the 32 grid. */
    private static final int PROBES = 64;

    private final InputLimits limits;
    private final TrialSpecs specs;

    StudyValidation(InputLimits limits, TrialSpecs specs) {
        this.limits = limits;
        this.specs = specs;
    }

    /** Every problem of the request at once, as one 400 naming each field. */
    void check(StudyRequests.Create request, Algorithm algorithm, ObjectNode baseSpec) {
        List<FieldProblem> errors = new ArrayList<>();
        // Trials are runs named '<study>-trial-<n>', and run names are capped too.
        int nameLength = limits.limits().nameLength() - ("-trial-" + (request.maxTrials() - 1)).length();
        if (request.name().strip().length() > nameLength) {
            errors.add(new FieldProblem("name", "is " + request.name().strip().length() + " characters; at most "
                    + nameLength + " so that its trials' run names fit"));
        }
        Optional<TrialSpace> space = TrialSpace.parse(request.space(), errors);
        if (space.isPresent()) {
            if (algorithm == Algorithm.GRID) {
                checkGrid(space.get(), request.maxTrials(), errors);
            }
            if (errors.isEmpty()) {
                checkSpecs(baseSpec, space.get(), errors);
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
    }

    private static void checkGrid(TrialSpace space, int maxTrials, List<FieldProblem> errors) {
        for (Param param : space.space().params()) {
            if (!GridSampler.isDiscrete(param)) {
                errors.add(new FieldProblem("space." + param.name() + ".type", "grid search takes choice, int or quniform"));
            }
        }
        if (errors.isEmpty() && GridSampler.size(space.space()) < maxTrials) {
            errors.add(new FieldProblem("maxTrials", "the grid has only " + GridSampler.size(space.space())
                    + " points; ask for at most that many trials"));
        }
    }

    /**
     * Every value a trial could get must make a valid spec. Checked with the base spec and each
     * parameter's ends (low, high), each choice value, and prior draws for int and quniform
     * parameters; problems with base-spec fields are reported as {@code baseSpec.<field>}, problems
     * with searched fields as {@code space.<field>.low|high|values[i]}.
     */
    private void checkSpecs(ObjectNode baseSpec, TrialSpace space, List<FieldProblem> errors) {
        List<Param> params = space.space().params();
        Map<String, Double> typical = new LinkedHashMap<>();
        for (Param param : params) {
            typical.put(param.name(), probes(param).get(0).value());
        }
        java.util.Set<String> typicalProblems = new java.util.HashSet<>();
        for (FieldProblem problem : specs.build(baseSpec, space.toParams(typical)).problems()) {
            typicalProblems.add(TrialSpecs.Result.root(problem));
            if (!typical.containsKey(TrialSpecs.Result.root(problem))) {
                errors.add(new FieldProblem("baseSpec." + problem.field(), problem.reason()));
            }
        }
        for (Param param : params) {
            for (Probe probe : probes(param)) {
                Map<String, Double> values = new LinkedHashMap<>(typical);
                values.put(param.name(), probe.value());
                // The parameter's own field, or a base-spec field that only this value makes wrong
                // (a pspnet among the models of a spec with a U-Net encoder refuses "encoder").
                Optional<FieldProblem> problem = specs.build(baseSpec, space.toParams(values)).problems().stream()
                        .filter(p -> TrialSpecs.Result.root(p).equals(param.name())
                                || !typical.containsKey(TrialSpecs.Result.root(p))
                                        && !typicalProblems.contains(TrialSpecs.Result.root(p)))
                        .findFirst();
                if (problem.isPresent()) {
                    String value = space.toParams(values).get(param.name()).toString();
                    String reason = TrialSpecs.Result.root(problem.get()).equals(param.name()) ? problem.get().reason()
                            : problem.get().field() + " " + problem.get().reason();
                    errors.add(new FieldProblem("space." + param.name() + probe.at(),
                            "gives " + param.name() + " = " + value + ": " + reason));
                    break; // one problem per parameter is enough to act on
                }
            }
        }
    }

    private record Probe(String at, double value) {
    }

    private static List<Probe> probes(Param param) {
        List<Probe> probes = new ArrayList<>();
        if (param instanceof Param.Choice choice) {
            for (int i = 0; i < choice.size(); i++) {
                probes.add(new Probe(".values[" + i + "]", i));
            }
            return probes;
        }
        if (param instanceof Param.Uniform p) {
            return List.of(new Probe(".low", p.low()), new Probe(".high", p.high()));
        }
        if (param instanceof Param.LogUniform p) {
            return List.of(new Probe(".low", p.low()), new Probe(".high", p.high()));
        }
        if (param instanceof Param.IntRange p) {
            probes.add(new Probe(".low", p.low()));
            probes.add(new Probe(".high", p.high()));
        } else if (param instanceof Param.QUniform p) {
            probes.add(new Probe(".low", p.low()));
            probes.add(new Probe(".high", p.snap(p.high())));
        }
        RandomSampler prior = new RandomSampler();
        var space = new SearchSpace(List.of(param));
        for (int i = 0; i < PROBES; i++) {
            probes.add(new Probe("", prior.suggest(space, List.of(), 0, i).get(param.name())));
        }
        return probes;
    }
}
