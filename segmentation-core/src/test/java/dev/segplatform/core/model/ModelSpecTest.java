package dev.segplatform.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class ModelSpecTest {

    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void absentFieldsTakeDefaults() {
        ModelSpec spec = json.readValue("{\"architecture\":\"pspnet\"}", ModelSpec.class);

        assertThat(spec.architecture()).isEqualTo(Architecture.PSPNET);
        assertThat(spec.inputSize()).isEqualTo(128);
        assertThat(spec.numClasses()).isEqualTo(3);
        assertThat(spec.width()).isEqualTo(Architecture.PSPNET.defaultWidth());
        assertThat(spec.optimizer()).isEqualTo(Optimizer.ADAM);
        assertThat(spec.learningRate()).isEqualTo(1e-3);
        assertThat(spec.icnetLossWeights()).containsExactly(0.4, 0.4, 1.0);
    }

    @Test
    void jsonRoundTripUsesLowercaseNames() {
        ModelSpec spec = ModelSpec.of(Architecture.ICNET, 96, 4).withOptimizer(Optimizer.ADAMW, 0.0079, 1e-4)
                .withIcnetLossWeights(List.of(0.2, 0.3, 1.0));

        String text = json.writeValueAsString(spec);

        assertThat(text).contains("\"architecture\":\"icnet\"", "\"optimizer\":\"adamw\"");
        assertThat(json.readValue(text, ModelSpec.class)).isEqualTo(spec);
    }

    @Test
    void invalidValuesAreRefusedWithTheReason() {
        assertThatThrownBy(() -> ModelSpec.of(Architecture.UNET, 100, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of 32");
        assertThatThrownBy(() -> ModelSpec.of(Architecture.UNET, 64, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("numClasses");
        assertThatThrownBy(() -> ModelSpec.of(Architecture.UNET).withOptimizer(Optimizer.ADAM, -1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("learningRate");
        assertThatThrownBy(() -> ModelSpec.of(Architecture.UNET).withOptimizer(Optimizer.ADAM, 1e-3, -0.1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weightDecay");
        assertThatThrownBy(() -> ModelSpec.of(Architecture.ICNET).withIcnetLossWeights(List.of(0.4, 1.0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 values");
        assertThatThrownBy(() -> json.readValue("{\"inputSize\":64}", ModelSpec.class))
                .hasRootCauseInstanceOf(IllegalArgumentException.class)
                .rootCause().hasMessageContaining("architecture is required");
    }

    @Test
    void labelDownsampleFollowsTheOutputs() {
        assertThat(Networks.labelDownsample(ModelSpec.of(Architecture.UNET))).containsExactly(1);
        assertThat(Networks.labelDownsample(ModelSpec.of(Architecture.PSPNET))).containsExactly(1);
        assertThat(Networks.labelDownsample(ModelSpec.of(Architecture.ICNET))).containsExactly(16, 8, 4);
    }

    @Test
    void adamwDecouplesWeightDecayAndAdamUsesL2() {
        var adamw = Networks.network(ModelSpec.of(Architecture.UNET, 32, 3).withOptimizer(Optimizer.ADAMW, 1e-3, 0.01))
                .conf().toJson();
        var adam = Networks.network(ModelSpec.of(Architecture.UNET, 32, 3).withOptimizer(Optimizer.ADAM, 1e-3, 0.01))
                .conf().toJson();
        assertThat(adamw).contains("WeightDecay").doesNotContain("L2Regularization");
        assertThat(adam).contains("L2Regularization").doesNotContain("WeightDecay");
    }

    /** Each of ModelLimits' bounds is accepted and the value one step past it refused, naming the field. */
    @Test
    void theLimitsAreInclusiveAndOneStepPastIsRefused() {
        ModelSpec base = ModelSpec.of(Architecture.ICNET, 64, 3);
        assertThat(ModelSpec.of(Architecture.UNET, ModelLimits.MIN_INPUT_SIZE, 3).inputSize()).isEqualTo(32);
        assertThat(ModelSpec.of(Architecture.UNET, ModelLimits.MAX_INPUT_SIZE, 3).inputSize()).isEqualTo(1024);
        assertThatThrownBy(() -> ModelSpec.of(Architecture.UNET, ModelLimits.MAX_INPUT_SIZE + 32, 3))
                .hasMessageStartingWith("inputSize");
        assertThat(base.withWidth(ModelLimits.MIN_WIDTH).width()).isEqualTo(1);
        assertThat(base.withWidth(ModelLimits.MAX_WIDTH).width()).isEqualTo(512);
        assertThatThrownBy(() -> base.withWidth(ModelLimits.MAX_WIDTH + 1)).hasMessageStartingWith("width");
        assertThat(base.withOptimizer(Optimizer.ADAMW, 10.0, 1.0).learningRate()).isEqualTo(10.0);
        assertThatThrownBy(() -> base.withOptimizer(Optimizer.ADAM, 10.001, 0)).hasMessageStartingWith("learningRate");
        assertThatThrownBy(() -> base.withOptimizer(Optimizer.ADAMW, 1e-3, 1.001)).hasMessageStartingWith("weightDecay");
        assertThat(base.withIcnetLossWeights(List.of(100.0, 1e-9, 100.0)).icnetLossWeights()).containsExactly(100.0, 1e-9, 100.0);
        assertThatThrownBy(() -> base.withIcnetLossWeights(List.of(0.0, 0.4, 1.0))).hasMessageStartingWith("icnetLossWeights");
        assertThatThrownBy(() -> base.withIcnetLossWeights(List.of(0.4, 0.4, 100.01))).hasMessageStartingWith("icnetLossWeights");
    }
}
