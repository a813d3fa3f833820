package dev.segplatform.core.dataset;

import java.util.List;

/**
 * What a load did: examples loaded, examples skipped, and one line per skipped example
 * ({@code "<name>: <reason>"}), so a bad file never stops a run but is never silent either.
 */
public record LoadReport(int loaded, int skipped, List<String> reasons) {

    public LoadReport {
        reasons = List.copyOf(reasons);
    }

    /** Both reports together. */
    public LoadReport plus(LoadReport other) {
        List<String> all = new java.util.ArrayList<>(reasons);
        all.addAll(other.reasons);
        return new LoadReport(loaded + other.loaded, skipped + other.skipped, all);
    }
}
