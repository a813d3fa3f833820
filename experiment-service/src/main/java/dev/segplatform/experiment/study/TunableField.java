package dev.segplatform.experiment.study;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The run spec fields a study may search over, and what kind of values each takes. The data set and
 * the device count are not hyperparameters (they change what is measured, or only how fast), so they
 * are left out.
 */
enum TunableField {
    MODEL("model", Kind.CATEGORICAL),
    EPOCHS("epochs", Kind.INTEGER),
    BATCH_SIZE("batchSize", Kind.INTEGER),
    LEARNING_RATE("learningRate", Kind.DECIMAL),
    IMAGE_SIZE("imageSize", Kind.INTEGER),
    OPTIMIZER("optimizer", Kind.CATEGORICAL),
    WEIGHT_DECAY("weightDecay", Kind.DECIMAL),
    SEED("seed", Kind.INTEGER),
    WIDTH("width", Kind.INTEGER),
    AUGMENT("augment", Kind.CATEGORICAL),
    ICNET_LOSS_WEIGHTS("icnetLossWeights", Kind.CATEGORICAL),
    EARLY_STOPPING_PATIENCE("earlyStoppingPatience", Kind.INTEGER),
    LOSS("loss", Kind.CATEGORICAL),
    CLASS_WEIGHTS("classWeights", Kind.CATEGORICAL);

    /** Whole numbers; any number; or values only a choice can list (enums, booleans, lists). */
    enum Kind { INTEGER, DECIMAL, CATEGORICAL }

    private final String field;
    private final Kind kind;

    TunableField(String field, Kind kind) {
        this.field = field;
        this.kind = kind;
    }

    String field() {
        return field;
    }

    Kind kind() {
        return kind;
    }

    static Optional<TunableField> of(String field) {
        return Arrays.stream(values()).filter(f -> f.field.equals(field)).findFirst();
    }

    static List<String> names() {
        return Arrays.stream(values()).map(TunableField::field).toList();
    }
}
