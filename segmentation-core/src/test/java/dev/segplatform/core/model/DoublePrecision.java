package dev.segplatform.core.model;

import java.util.function.Supplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** GradientCheckUtil insists on double as ND4J's global default; tests restore float afterwards. */
final class DoublePrecision {

    private DoublePrecision() {
    }

    static <T> T run(Supplier<T> body) {
        DataType before = Nd4j.dataType();
        DataType floatBefore = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            return body.get();
        } finally {
            Nd4j.setDefaultDataTypes(before, floatBefore);
        }
    }
}
