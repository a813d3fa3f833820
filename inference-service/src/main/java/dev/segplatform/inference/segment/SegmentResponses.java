package dev.segplatform.inference.segment;

import dev.segplatform.core.predict.MaskSummary;
import dev.segplatform.inference.model.ServedModel;
import java.util.List;

/** JSON bodies of the segment endpoints. */
final class SegmentResponses {

    private SegmentResponses() {
    }

    /** The model that answered; the same facts as the {@code X-Model-*} headers. */
    record ModelRef(String runId, String architecture, long version) {

        static ModelRef of(ServedModel model) {
            return new ModelRef(model.runId(), model.architecture(), model.version());
        }
    }

    /**
     * One mask as JSON.
     *
     * @param filename    the uploaded file's name, when it had one
     * @param pixelCounts pixels per class index
     * @param fractions   pixelCounts / (width * height)
     * @param rle         row-major runs {@code [class, length, class, length, ...]} summing to width * height
     */
    record MaskJson(String filename, int width, int height, List<String> classNames, long[] pixelCounts,
                    double[] fractions, int[] rle, ModelRef model) {

        static MaskJson of(String filename, Segmentation s) {
            MaskSummary summary = s.model().encoder().summary(s.mask());
            return new MaskJson(filename, summary.width(), summary.height(), summary.classNames(),
                    summary.pixelCounts(), summary.fractions(), summary.rle(), ModelRef.of(s.model()));
        }
    }

    /** The masks of a batch request, in the order of the parts. */
    record BatchJson(ModelRef model, List<MaskJson> results) {
    }
}
