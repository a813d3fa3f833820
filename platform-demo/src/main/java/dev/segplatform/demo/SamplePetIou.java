package dev.segplatform.demo;

import dev.segplatform.core.dataset.PetPreprocessing;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * How well the served model's mask of the sample covers the pet: the IoU of the class {@code pet}
 * between the mask the inference service answered (an indexed PNG of class indices) and the
 * sample's trimap (values 1 pet, 2 background, 3 border). The class table says how much of the image
 * each class took; this says whether it was the right part (head, ears, legs and tail included).
 */
final class SamplePetIou {

    private static final int PET = 0;

    private SamplePetIou() {
    }

    /** The pet class's IoU; NaN when neither the mask nor the trimap has a pet pixel. */
    static double of(byte[] maskPng, Path trimapPng) throws IOException {
        BufferedImage mask = ImageIO.read(new ByteArrayInputStream(maskPng));
        BufferedImage trimap = ImageIO.read(trimapPng.toFile());
        if (mask == null || trimap == null) {
            throw new IOException("the mask or the trimap " + trimapPng + " is not a readable image");
        }
        if (mask.getWidth() != trimap.getWidth() || mask.getHeight() != trimap.getHeight()) {
            throw new IOException("the mask is " + mask.getWidth() + "x" + mask.getHeight() + ", the trimap "
                    + trimap.getWidth() + "x" + trimap.getHeight());
        }
        // Raster samples are the stored values: class indices in the mask (not palette colours),
        // trimap values in the trimap.
        Raster predicted = mask.getRaster();
        Raster truth = trimap.getRaster();
        long both = 0;
        long either = 0;
        for (int y = 0; y < mask.getHeight(); y++) {
            for (int x = 0; x < mask.getWidth(); x++) {
                boolean p = predicted.getSample(x, y, 0) == PET;
                boolean t = PetPreprocessing.classOfTrimap(truth.getSample(x, y, 0)) == PET;
                both += p && t ? 1 : 0;
                either += p || t ? 1 : 0;
            }
        }
        return either == 0 ? Double.NaN : (double) both / either;
    }
}
