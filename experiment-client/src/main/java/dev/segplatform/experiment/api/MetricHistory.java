package dev.segplatform.experiment.api;

import java.util.List;

/**
 * The history of one metric of a run, by step. Values may be NaN or infinite; JSON carries those
 * as the strings "NaN", "Infinity" and "-Infinity".
 */
public record MetricHistory(String key, List<Point> history) {

    /** One stored point; {@code timestamp} is epoch milliseconds. */
    public record Point(double value, long step, long timestamp) {
    }
}
