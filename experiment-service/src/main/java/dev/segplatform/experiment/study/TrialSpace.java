package dev.segplatform.experiment.study;

import dev.segplatform.web.FieldProblem;
import dev.segplatform.experiment.study.StudyRequests.Distribution;
import dev.segplatform.experiment.study.StudyRequests.DistributionType;
import dev.segplatform.experiment.study.sampler.Param;
import dev.segplatform.experiment.study.sampler.SearchSpace;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A study's search space: the samplers' {@link SearchSpace} plus what it takes to turn a suggestion
 * (numbers, choice indices) into spec values (JSON), field by field.
 */
final class TrialSpace {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final SearchSpace space;
    private final Map<String, TunableField> fields;
    private final Map<String, Distribution> distributions;

    private TrialSpace(SearchSpace space, Map<String, TunableField> fields, Map<String, Distribution> distributions) {
        this.space = space;
        this.fields = fields;
        this.distributions = distributions;
    }

    SearchSpace space() {
        return space;
    }

    Map<String, Distribution> distributions() {
        return distributions;
    }

    /** The spec values of a suggestion, keyed by spec field, in the space's order. */
    ObjectNode toParams(Map<String, Double> suggestion) {
        ObjectNode params = NODES.objectNode();
        for (Param param : space.params()) {
            params.set(param.name(), toJson(param, suggestion.get(param.name())));
        }
        return params;
    }

    private JsonNode toJson(Param param, double value) {
        TunableField field = fields.get(param.name());
        if (param instanceof Param.Choice) {
            return distributions.get(param.name()).values().get((int) Math.round(value)).deepCopy();
        }
        if (param instanceof Param.IntRange) {
            return NODES.numberNode(Math.round(value));
        }
        if (param instanceof Param.QUniform p) {
            long k = Math.round((value - p.low()) / p.q());
            // Decimal arithmetic, so 0.1 + 3 * 0.1 is stored as 0.4 and not 0.4000000000000001.
            BigDecimal exact = BigDecimal.valueOf(p.low()).add(BigDecimal.valueOf(p.q()).multiply(BigDecimal.valueOf(k)));
            return field.kind() == TunableField.Kind.INTEGER ? NODES.numberNode(exact.longValue())
                    : NODES.numberNode(exact.doubleValue());
        }
        return NODES.numberNode(value);
    }

    /**
     * Checks a requested space field by field. Problems are added to {@code errors} under names like
     * {@code space.learningRate.low}; the space is returned only when there were none.
     */
    static Optional<TrialSpace> parse(Map<String, Distribution> requested, List<FieldProblem> errors) {
        int before = errors.size();
        List<Param> params = new ArrayList<>();
        Map<String, TunableField> fields = new LinkedHashMap<>();
        requested.forEach((name, distribution) -> {
            String at = "space." + name;
            Optional<TunableField> field = TunableField.of(name);
            if (field.isEmpty()) {
                errors.add(new FieldProblem(at, "not a tunable field of the run spec; one of " + TunableField.names()));
                return;
            }
            if (distribution == null) {
                errors.add(new FieldProblem(at, "must not be null"));
                return;
            }
            param(name, field.get(), distribution, at, errors).ifPresent(param -> {
                params.add(param);
                fields.put(name, field.get());
            });
        });
        if (errors.size() > before) {
            return Optional.empty();
        }
        return Optional.of(new TrialSpace(new SearchSpace(params), fields, new LinkedHashMap<>(requested)));
    }

    private static Optional<Param> param(String name, TunableField field, Distribution d, String at,
                                         List<FieldProblem> errors) {
        int before = errors.size();
        if (d.type() == null) {
            errors.add(new FieldProblem(at + ".type", "must be one of uniform, loguniform, quniform, int, choice"));
            return Optional.empty();
        }
        String type = d.type().name().toLowerCase(java.util.Locale.ROOT);
        if (d.type() == DistributionType.CHOICE) {
            if (d.values() == null || d.values().isEmpty()) {
                errors.add(new FieldProblem(at + ".values", "must not be empty"));
            } else if (d.values().size() > 1000) {
                errors.add(new FieldProblem(at + ".values", "must have at most 1000 values"));
            }
            for (String bound : List.of("low", "high", "q")) {
                Double value = bound.equals("low") ? d.low() : bound.equals("high") ? d.high() : d.q();
                if (value != null) {
                    errors.add(new FieldProblem(at + "." + bound, "not used by choice; list the values instead"));
                }
            }
            return errors.size() > before ? Optional.empty() : Optional.of(new Param.Choice(name, d.values().size()));
        }
        if (field.kind() == TunableField.Kind.CATEGORICAL) {
            errors.add(new FieldProblem(at + ".type", name + " takes only choice"));
            return Optional.empty();
        }
        if (field.kind() == TunableField.Kind.INTEGER
                && (d.type() == DistributionType.UNIFORM || d.type() == DistributionType.LOGUNIFORM)) {
            errors.add(new FieldProblem(at + ".type", name + " takes whole numbers: use int, quniform or choice"));
        }
        if (d.values() != null) {
            errors.add(new FieldProblem(at + ".values", "only choice takes values"));
        }
        if (d.q() != null && d.type() != DistributionType.QUNIFORM) {
            errors.add(new FieldProblem(at + ".q", "only quniform takes q"));
        }
        if (d.low() == null || !Double.isFinite(d.low())) {
            errors.add(new FieldProblem(at + ".low", "a finite number is required for " + type));
        }
        if (d.high() == null || !Double.isFinite(d.high())) {
            errors.add(new FieldProblem(at + ".high", "a finite number is required for " + type));
        }
        if (errors.size() > before) {
            return Optional.empty();
        }
        double low = d.low();
        double high = d.high();
        if (low >= high) {
            errors.add(new FieldProblem(at + ".low", "must be below high (" + low + " >= " + high + ")"));
            return Optional.empty();
        }
        switch (d.type()) {
            case UNIFORM:
                return Optional.of(new Param.Uniform(name, low, high));
            case LOGUNIFORM:
                if (low <= 0) {
                    errors.add(new FieldProblem(at + ".low", "must be positive for loguniform"));
                    return Optional.empty();
                }
                return Optional.of(new Param.LogUniform(name, low, high));
            case INT:
                if (!isWhole(low)) {
                    errors.add(new FieldProblem(at + ".low", "must be a whole number for int"));
                }
                if (!isWhole(high)) {
                    errors.add(new FieldProblem(at + ".high", "must be a whole number for int"));
                }
                return errors.size() > before ? Optional.empty()
                        : Optional.of(new Param.IntRange(name, (long) low, (long) high));
            case QUNIFORM:
                Double q = d.q();
                if (q == null || !Double.isFinite(q) || q <= 0) {
                    errors.add(new FieldProblem(at + ".q", "a positive step is required for quniform"));
                } else if (q > high - low) {
                    errors.add(new FieldProblem(at + ".q", "must not exceed high - low (" + (high - low) + ")"));
                } else if (field.kind() == TunableField.Kind.INTEGER && !(isWhole(q) && isWhole(low))) {
                    errors.add(new FieldProblem(at + ".q", name + " takes whole numbers: low and q must be whole"));
                }
                return errors.size() > before ? Optional.empty() : Optional.of(new Param.QUniform(name, low, high, q));
            default:
                throw new IllegalStateException("unhandled distribution " + d.type());
        }
    }

    private static boolean isWhole(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15;
    }
}
