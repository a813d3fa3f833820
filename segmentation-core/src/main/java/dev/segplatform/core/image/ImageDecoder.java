package dev.segplatform.core.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes image bytes (JPEG, PNG, and anything else ImageIO reads) into 8-bit {@link RgbImage}s.
 *
 * <p>The common PNGs (8 bits per sample, not interlaced) are decoded by {@link PngDecoder} and the
 * sizes of PNGs and JPEGs are read from their headers directly, without ImageIO's streams and
 * readers, because each request pays for them on the thread that competes with the forward pass;
 * everything else goes through ImageIO, and both paths give the same pixels.
 *
 * <p>The format is sniffed from the content, not the file name, because the Pet data set has PNGs
 * named {@code .jpg}. Grayscale (8 or 16 bit, with or without alpha) is replicated to three
 * channels from the raw samples: going through {@link BufferedImage#getRGB} would apply a gamma
 * conversion to gray colour spaces and brighten the image. Transparent pixels are composited over
 * white. CMYK and YCCK JPEGs are decoded by the TwelveMonkeys JPEG plugin, which DL4J's datavec
 * puts on the class path and which ImageIO picks up by itself.
 */
public final class ImageDecoder {

    private ImageDecoder() {
    }

    /** Decodes a whole image file. */
    public static RgbImage decode(Path file) throws IOException {
        return decode(Files.readAllBytes(file));
    }

    /** Decodes image bytes of any size. */
    public static RgbImage decode(byte[] bytes) throws IOException {
        if (PngDecoder.isPng(bytes)) {
            RgbImage png = PngDecoder.decode(bytes);
            if (png != null) {
                return png;
            }
        }
        return toRgb(read(bytes));
    }

    /**
     * Decodes image bytes after checking from the header alone that the image has at most
     * {@code maxPixels} pixels, so a decompression bomb is refused before its pixels are allocated.
     */
    public static RgbImage decode(byte[] bytes, long maxPixels) throws IOException {
        ImageSize size = probe(bytes);
        if (size.pixels() > maxPixels) {
            throw new ImageTooLargeException(size, maxPixels);
        }
        return decode(bytes);
    }

    /** Reads width and height from the image header without decoding any pixel. */
    public static ImageSize probe(byte[] bytes) throws IOException {
        if (PngDecoder.isPng(bytes)) {
            return PngDecoder.probe(bytes);
        }
        if (JpegHeader.isJpeg(bytes)) {
            ImageSize size = JpegHeader.probe(bytes);
            if (size != null) {
                return size;
            }
        }
        return probe(new ByteArrayInputStream(bytes));
    }

    /** Reads width and height from the header of the image in {@code input}; does not close it. */
    public static ImageSize probe(InputStream input) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(input)) {
            ImageReader reader = readerFor(in);
            try {
                reader.setInput(in, true, true);
                return new ImageSize(reader.getWidth(0), reader.getHeight(0));
            } catch (IOException | RuntimeException e) {
                throw new UnreadableImageException("cannot read the image header: " + e.getMessage(), e);
            } finally {
                reader.dispose();
            }
        }
    }

    /**
     * Decodes bytes to the {@link BufferedImage} ImageIO produces, in whatever colour model the file
     * has. Used where raw sample values matter (trimaps).
     */
    public static BufferedImage read(byte[] bytes) throws IOException {
        List<ImageReader> readers = new ArrayList<>();
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageIO.getImageReaders(in).forEachRemaining(readers::add);
        }
        if (readers.isEmpty()) {
            throw new UnreadableImageException("not a known image format");
        }
        // Two JPEG readers are installed (TwelveMonkeys and the JDK's); one may cope where the other fails.
        UnreadableImageException failure = null;
        for (ImageReader reader : readers) {
            try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
                reader.setInput(in, true, true);
                return reader.read(0);
            } catch (IOException | RuntimeException e) {
                // Codecs throw all sorts of runtime exceptions on corrupt data; callers need one type.
                if (failure == null) {
                    failure = new UnreadableImageException("cannot decode the image: " + e.getMessage(), e);
                } else {
                    failure.addSuppressed(e);
                }
            } finally {
                reader.dispose();
            }
        }
        throw failure;
    }

    private static ImageReader readerFor(ImageInputStream in) throws UnreadableImageException {
        if (in == null) {
            throw new UnreadableImageException("no image input stream");
        }
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            throw new UnreadableImageException("not a known image format");
        }
        return readers.next();
    }

    /** Converts any decoded image to 8-bit RGB (see the class comment for the rules). */
    public static RgbImage toRgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] out = new byte[w * h * 3];
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        int bands = raster.getNumBands();
        int colourSpace = cm.getColorSpace().getType();
        boolean rawGray = !(cm instanceof IndexColorModel) && colourSpace == ColorSpace.TYPE_GRAY && bands <= 2;
        boolean rawRgb = !(cm instanceof IndexColorModel) && cm.getColorSpace().isCS_sRGB() && (bands == 3 || bands == 4);
        if (rawGray || rawRgb) {
            copySamples(raster, cm, rawGray, out);
        } else {
            // Palettes and unusual colour spaces: let Java2D convert to sRGB.
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                image.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0; x < w; x++) {
                    int argb = row[x];
                    int a = argb >>> 24;
                    int o = (y * w + x) * 3;
                    out[o] = (byte) overWhite((argb >> 16) & 0xFF, a, false);
                    out[o + 1] = (byte) overWhite((argb >> 8) & 0xFF, a, false);
                    out[o + 2] = (byte) overWhite(argb & 0xFF, a, false);
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    private static void copySamples(Raster raster, ColorModel cm, boolean gray, byte[] out) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        int bands = raster.getNumBands();
        int colourBands = gray ? 1 : 3;
        boolean alpha = bands > colourBands;
        double[] scale = new double[bands];
        for (int b = 0; b < bands; b++) {
            scale[b] = 255.0 / ((1L << cm.getComponentSize(b)) - 1);
        }
        boolean premultiplied = cm.isAlphaPremultiplied();
        int[] row = new int[w * bands];
        for (int y = 0; y < h; y++) {
            raster.getPixels(0, y, w, 1, row);
            for (int x = 0; x < w; x++) {
                int p = x * bands;
                int a = alpha ? (int) Math.round(row[p + colourBands] * scale[colourBands]) : 255;
                int o = (y * w + x) * 3;
                for (int c = 0; c < 3; c++) {
                    int band = gray ? 0 : c;
                    int v = (int) Math.round(row[p + band] * scale[band]);
                    out[o + c] = (byte) overWhite(v, a, premultiplied);
                }
            }
        }
    }

    static int overWhite(int value, int alpha, boolean premultiplied) {
        if (alpha >= 255) {
            return value;
        }
        int colour = premultiplied ? value : (value * alpha + 127) / 255;
        return Math.min(255, colour + (255 - alpha));
    }
}
