package dev.segplatform.experiment.metric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.segplatform.experiment.api.MetricPoint;
import dev.segplatform.experiment.problem.InvalidInputException;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.ValidatorFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The batch's plain loop stands in for Bean Validation of each point, so it must find exactly what
 * Bean Validation finds from {@link MetricPoint}'s own annotations: a constraint added there and not
 * here fails this test.
 */
class MetricPointChecksTest {

    private static ValidatorFactory factory;
    private static Validator validator;

    @BeforeAll
    static void validator() {
        factory = Validation.buildDefaultValidatorFactory();
        validator = factory.getValidator();
    }

    @AfterAll
    static void close() {
        factory.close();
    }

    @Test
    void findsWhatBeanValidationFindsOnEveryKindOfPoint() {
        List<MetricPoint> points = new ArrayList<>();
        for (String key : Arrays.asList("loss", "train/a b-c.d_e", null, "", "bad:key", "ünï", "tab\tkey")) {
            for (Double value : Arrays.asList(0.5, Double.NaN, Double.NEGATIVE_INFINITY, null)) {
                for (Long step : Arrays.asList(null, 0L, 7L, -1L)) {
                    for (Long timestamp : Arrays.asList(null, 0L, 1_700_000_000_000L, -5L)) {
                        points.add(new MetricPoint(key, value, step, timestamp));
                    }
                }
            }
        }
        for (MetricPoint point : points) {
            Set<String> expected = validator.validate(point).stream()
                    .map(v -> "metrics[0]." + v.getPropertyPath() + ": " + v.getMessage())
                    .collect(Collectors.toSet());
            assertThat(problems(List.of(point))).as(point.toString()).isEqualTo(expected);
        }
    }

    @Test
    void reportsEveryBadPointOfABatchByItsIndex() {
        List<MetricPoint> batch = new ArrayList<>();
        batch.add(new MetricPoint("loss", 1.0, 1L, null));
        batch.add(null);
        batch.add(new MetricPoint("loss", null, -2L, null));
        batch.add(new MetricPoint("a|b", 1.0, null, null));

        assertThat(problems(batch)).containsExactlyInAnyOrder(
                "metrics[1]: " + MetricPointChecks.NOT_NULL,
                "metrics[2].value: " + MetricPointChecks.NOT_NULL,
                "metrics[2].step: " + MetricPointChecks.NOT_NEGATIVE,
                "metrics[3].key: " + MetricPoint.KEY_RULE);
        assertThatCode(() -> MetricPointChecks.check(List.of(batch.get(0)))).doesNotThrowAnyException();
    }

    private static Set<String> problems(List<MetricPoint> points) {
        try {
            MetricPointChecks.check(points);
            return Set.of();
        } catch (InvalidInputException e) {
            return e.errors().stream().map(p -> p.field() + ": " + p.reason()).collect(Collectors.toSet());
        }
    }
}
