package dev.segplatform.inference.segment;

import dev.segplatform.core.image.ImageTooLargeException;
import dev.segplatform.core.image.UnreadableImageException;
import dev.segplatform.core.predict.MaskPostprocessor;
import dev.segplatform.core.predict.PreparedImage;
import dev.segplatform.inference.InferenceProperties;
import dev.segplatform.inference.batching.DynamicBatcher;
import dev.segplatform.inference.model.ModelHolder;
import dev.segplatform.inference.model.ServedModel;
import dev.segplatform.inference.problem.ImageRejectedException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.springframework.stereotype.Service;

/**
 * Images to masks: announces the request to the {@link DynamicBatcher}, checks and decodes each
 * image on the request's thread (so decoding runs in parallel), hands the network inputs to the
 * batcher, and turns the probabilities back into a mask at the image's own size, again on the
 * request's thread. The model is taken
 * once per request, so all images of a request are answered by the same model.
 */
@Service
class SegmentationService {

    private final ModelHolder models;
    private final DynamicBatcher batcher;
    private final Duration timeout;

    SegmentationService(ModelHolder models, DynamicBatcher batcher, InferenceProperties properties) {
        this.models = models;
        this.batcher = batcher;
        this.timeout = properties.requestTimeout();
    }

    /**
     * Segments every image, or none: all are checked and decoded before any is queued.
     *
     * @throws dev.segplatform.inference.problem.UnsupportedImageException not a JPEG or PNG
     * @throws ImageRejectedException the header announces too many pixels (nothing decoded), or the
     *     image is corrupt or truncated
     */
    List<Segmentation> segment(List<ImageInput> images) throws IOException {
        ServedModel model = models.require();
        List<PreparedImage> prepared = new ArrayList<>(images.size());
        List<CompletableFuture<INDArray>> outputs;
        // Announced before decoding, so a batch forming meanwhile may wait for these images.
        try (DynamicBatcher.Arrival arrival = batcher.announce()) {
            for (ImageInput image : images) {
                image.requireJpegOrPng();
                try {
                    prepared.add(model.preprocessor().prepare(image.bytes()));
                } catch (ImageTooLargeException | UnreadableImageException e) {
                    throw ImageRejectedException.of(image.field(), e);
                }
            }
            outputs = arrival.submitAll(model, prepared.stream().map(PreparedImage::input).toList(), timeout);
        }
        List<Segmentation> results = new ArrayList<>(images.size());
        for (int i = 0; i < prepared.size(); i++) {
            PreparedImage p = prepared.get(i);
            INDArray probabilities = DynamicBatcher.await(outputs.get(i));
            try {
                results.add(new Segmentation(model, p.original(),
                        MaskPostprocessor.toMask(probabilities, p.originalWidth(), p.originalHeight())));
            } finally {
                // Its pass is over (the output arrived), so neither array is read again.
                DynamicBatcher.release(probabilities);
                DynamicBatcher.release(p.input());
            }
        }
        return results;
    }

    Segmentation segment(ImageInput image) throws IOException {
        return segment(List.of(image)).get(0);
    }
}
