package dev.segplatform.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClassWeightsTest {

    @Test
    void theMedianClassWeighsOneARareClassMore() {
        // shares 0.2, 0.75, 0.05: median 0.2
        List<Double> w = ClassWeights.medianFrequency(new long[] {200, 750, 50});
        assertThat(w.get(0)).isCloseTo(1.0, within(1e-12));
        assertThat(w.get(1)).isCloseTo(0.2 / 0.75, within(1e-12));
        assertThat(w.get(2)).isCloseTo(4.0, within(1e-12));
    }

    @Test
    void anEvenCountOfClassesTakesTheMeanOfTheMiddleTwoAndAnAbsentClassWeighsOne() {
        List<Double> w = ClassWeights.medianFrequency(new long[] {10, 30, 0, 60});
        // present shares 0.1, 0.3, 0.6: median 0.3
        assertThat(w).hasSize(4);
        assertThat(w.get(0)).isCloseTo(3.0, within(1e-12));
        assertThat(w.get(1)).isCloseTo(1.0, within(1e-12));
        assertThat(w.get(2)).isEqualTo(1.0);
        assertThat(w.get(3)).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void weightsStayWithinTheLimitAndNeedPixels() {
        List<Double> w = ClassWeights.medianFrequency(new long[] {1_000_000, 1_000_000, 1});
        assertThat(w.get(2)).isEqualTo(Double.parseDouble(ModelLimits.MAX_CLASS_WEIGHT));
        assertThat(new ModelSpec(Architecture.UNET, 64, 3, 0, 1, null, 0, 0, null, Loss.CROSS_ENTROPY, w, null, null, false).classWeights())
                .isEqualTo(w);
        assertThatThrownBy(() -> ClassWeights.medianFrequency(new long[] {0, 0, 0}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSpecRefusesClassWeightsThatDoNotFitItsClasses() {
        assertThatThrownBy(() -> ModelSpec.of(Architecture.UNET, 64, 3).withLoss(Loss.CROSS_ENTROPY, List.of(1.0, 2.0)))
                .hasMessageContaining("classWeights must have one value per class (3)");
        assertThatThrownBy(() -> ModelSpec.of(Architecture.UNET, 64, 3).withLoss(Loss.DICE, List.of(1.0, 0.0, 2.0)))
                .hasMessageContaining("classWeights must be positive");
        assertThatThrownBy(() -> ModelSpec.of(Architecture.UNET, 64, 3).withLoss(Loss.DICE, List.of(1.0, 1.0, 100.5)))
                .hasMessageContaining("at most 100.0");
    }
}
