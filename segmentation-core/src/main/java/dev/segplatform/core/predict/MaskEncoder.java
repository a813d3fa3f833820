package dev.segplatform.core.predict;

import dev.segplatform.core.dataset.SegmentationDataset;
import dev.segplatform.core.image.PngEncoder;
import dev.segplatform.core.image.RgbImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Encodes class masks for clients: an indexed PNG whose pixel values are the class indices (so
 * any image library gives the classes back, and a viewer shows the palette), a
 * {@link MaskSummary} with counts and a run-length encoding, and an overlay of the palette on
 * the original image.
 */
public final class MaskEncoder {

    /** pet, background, border: crimson, black (dims the background in overlays), gold. */
    public static final int[] DEFAULT_PALETTE = {0xDC143C, 0x000000, 0xFFD700};

    /** The Pet classes, shared with training so indices always mean the same thing. */
    public static final List<String> DEFAULT_CLASS_NAMES = SegmentationDataset.CLASS_NAMES;

    private final List<String> classNames;
    private final int[] palette;
    private final double overlayAlpha;

    /** Pet classes, default palette, 50 % overlay. */
    public MaskEncoder() {
        this(DEFAULT_CLASS_NAMES, DEFAULT_PALETTE, 0.5);
    }

    /**
     * @param palette      0xRRGGBB per class index, at least as many as class names
     * @param overlayAlpha weight of the palette colour in overlays, 0..1
     */
    public MaskEncoder(List<String> classNames, int[] palette, double overlayAlpha) {
        if (palette.length < classNames.size() || classNames.size() > 256) {
            throw new IllegalArgumentException(classNames.size() + " classes but " + palette.length + " colours");
        }
        if (!(overlayAlpha >= 0 && overlayAlpha <= 1)) {
            throw new IllegalArgumentException("overlayAlpha must be in [0, 1], got " + overlayAlpha);
        }
        this.classNames = List.copyOf(classNames);
        this.palette = palette.clone();
        this.overlayAlpha = overlayAlpha;
    }

    public List<String> classNames() {
        return classNames;
    }

    /** The 0xRRGGBB colour of class {@code c}. */
    public int colour(int c) {
        return palette[c];
    }

    /**
     * A palette PNG: pixel value = class index, palette entry = class colour ({@link PngEncoder},
     * which refuses a class past the palette while it packs the pixels).
     */
    public byte[] png(ClassMask mask) {
        int n = classNames.size();
        byte[] plte = new byte[3 * n];
        for (int c = 0; c < n; c++) {
            plte[3 * c] = (byte) (palette[c] >> 16);
            plte[3 * c + 1] = (byte) (palette[c] >> 8);
            plte[3 * c + 2] = (byte) palette[c];
        }
        return PngEncoder.indexed(mask.width(), mask.height(), mask.bytes(), plte);
    }

    /** An image as a plain 8-bit RGB PNG, e.g. the input shown beside its masks. */
    public static byte[] png(RgbImage image) {
        BufferedImage out = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
        int[] row = new int[image.width()];
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < row.length; x++) {
                row[x] = (image.get(x, y, 0) << 16) | (image.get(x, y, 1) << 8) | image.get(x, y, 2);
            }
            out.setRGB(0, y, row.length, 1, row, 0, row.length);
        }
        return encodePng(out);
    }

    /** Size, class names, counts, fractions and the run-length encoding of {@code mask}. */
    public MaskSummary summary(ClassMask mask) {
        checkClasses(mask);
        long[] counts = mask.pixelCounts(classNames.size());
        double[] fractions = new double[counts.length];
        for (int c = 0; c < counts.length; c++) {
            fractions[c] = (double) counts[c] / mask.size();
        }
        return new MaskSummary(mask.width(), mask.height(), classNames, counts, fractions, encodeRle(mask));
    }

    /** The original blended with each pixel's class colour at {@code overlayAlpha}, as an RGB PNG. */
    public byte[] overlayPng(RgbImage original, ClassMask mask) {
        if (original.width() != mask.width() || original.height() != mask.height()) {
            throw new IllegalArgumentException("image is " + original.width() + "x" + original.height()
                    + " but the mask is " + mask.width() + "x" + mask.height());
        }
        checkClasses(mask);
        BufferedImage image = new BufferedImage(mask.width(), mask.height(), BufferedImage.TYPE_INT_RGB);
        int[] row = new int[mask.width()];
        for (int y = 0; y < mask.height(); y++) {
            for (int x = 0; x < row.length; x++) {
                int colour = palette[mask.get(x, y)];
                int rr = blend(original.get(x, y, 0), (colour >> 16) & 0xFF);
                int gg = blend(original.get(x, y, 1), (colour >> 8) & 0xFF);
                int bb = blend(original.get(x, y, 2), colour & 0xFF);
                row[x] = (rr << 16) | (gg << 8) | bb;
            }
            image.setRGB(0, y, row.length, 1, row, 0, row.length);
        }
        return encodePng(image);
    }

    private int blend(int image, int colour) {
        return (int) Math.round(image * (1 - overlayAlpha) + colour * overlayAlpha);
    }

    /** Row-major runs as {@code [class, length, class, length, ...]}; see {@link MaskSummary#rle()}. */
    public static int[] encodeRle(ClassMask mask) {
        List<Integer> runs = new ArrayList<>();
        int current = mask.get(0);
        int length = 0;
        for (int i = 0; i < mask.size(); i++) {
            int c = mask.get(i);
            if (c != current) {
                runs.add(current);
                runs.add(length);
                current = c;
                length = 0;
            }
            length++;
        }
        runs.add(current);
        runs.add(length);
        return runs.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The mask an {@link #encodeRle} list describes.
     *
     * @throws IllegalArgumentException if the list is odd, a length is not positive, or the lengths
     *                                  do not add up to {@code width * height}
     */
    public static ClassMask decodeRle(int[] rle, int width, int height) {
        if (rle.length % 2 != 0) {
            throw new IllegalArgumentException("run-length list has an odd number of entries: " + rle.length);
        }
        long total = (long) width * height;
        int[] classes = new int[Math.toIntExact(total)];
        int at = 0;
        for (int i = 0; i < rle.length; i += 2) {
            int length = rle[i + 1];
            if (length < 1 || at + (long) length > total) {
                throw new IllegalArgumentException("run " + i / 2 + " of length " + length + " does not fit "
                        + width + "x" + height);
            }
            Arrays.fill(classes, at, at + length, rle[i]);
            at += length;
        }
        if (at != total) {
            throw new IllegalArgumentException("runs cover " + at + " pixels, not " + total);
        }
        return ClassMask.of(width, height, classes);
    }

    private void checkClasses(ClassMask mask) {
        mask.pixelCounts(classNames.size());
    }

    private static byte[] encodePng(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", out)) {
                throw new IllegalStateException("no PNG writer for " + image);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing a PNG to memory failed", e);
        }
        return out.toByteArray();
    }
}
