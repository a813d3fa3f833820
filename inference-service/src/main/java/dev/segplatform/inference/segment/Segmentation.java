package dev.segplatform.inference.segment;

import dev.segplatform.core.image.RgbImage;
import dev.segplatform.core.predict.ClassMask;
import dev.segplatform.inference.model.ServedModel;

/** One answered image: the model that answered, the decoded original (for overlays) and its mask. */
record Segmentation(ServedModel model, RgbImage original, ClassMask mask) {
}
