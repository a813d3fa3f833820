package dev.segplatform.trainer.weights;

import dev.segplatform.core.model.Encoder;
import dev.segplatform.core.model.ModelLimits;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.trainer.TrainerProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.stereotype.Component;

/**
 * Turns a run spec's {@code encoderWeights} path into a file under {@code trainer.weights-root},
 * as {@code DatasetResolver} does for data set folders: a spec names files relative to the root
 * and can never read outside it (the API refuses absolute paths and {@code ..}; this checks again
 * after resolving, for specs that reached the queue some other way). {@code imagenet} is left to
 * segmentation-core, which reads DL4J's zoo cache folder or downloads into it.
 */
@Component
public class EncoderWeightsResolver {

    private final TrainerProperties properties;

    public EncoderWeightsResolver(TrainerProperties properties) {
        this.properties = properties;
    }

    /**
     * The spec with its encoder weights' path made absolute under the root; a spec without an
     * encoder, or with ImageNet weights, as it is.
     *
     * @throws IllegalArgumentException naming {@code encoderWeights} if the path leaves the root or
     *     names no file there
     */
    public ModelSpec resolve(ModelSpec spec) {
        String weights = spec.encoderWeights();
        if (spec.encoder() == Encoder.NONE || ModelLimits.ENCODER_WEIGHTS_IMAGENET.equals(weights)) {
            return spec;
        }
        Path root = properties.weightsRoot().toAbsolutePath().normalize();
        Path file = root.resolve(weights).normalize();
        if (!file.startsWith(root) || file.equals(root)) {
            throw new IllegalArgumentException("encoderWeights '" + weights + "' leaves trainer.weights-root " + root);
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("encoderWeights '" + weights + "': no file " + file
                    + " under trainer.weights-root " + root);
        }
        return spec.withEncoder(spec.encoder(), file.toString(), spec.freezeEncoder());
    }
}
