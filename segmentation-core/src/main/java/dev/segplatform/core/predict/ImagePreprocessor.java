package dev.segplatform.core.predict;

import dev.segplatform.core.image.ImageDecoder;
import dev.segplatform.core.image.ImageSize;
import dev.segplatform.core.image.Resize;
import dev.segplatform.core.image.RgbImage;
import dev.segplatform.core.model.kernel.FloatArrays;
import dev.segplatform.core.model.kernel.Resampling;
import java.io.IOException;
import java.io.InputStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Image bytes to a network input, exactly as training preprocessed its images: decode to 8-bit RGB
 * (gray, alpha, 16-bit, palette and CMYK inputs converted, see {@link ImageDecoder}), bilinear
 * resize to {@code S x S}, round to bytes, scale to [0, 1], NCHW.
 *
 * <p>Images with more than {@code maxPixels} pixels are refused from their header alone
 * ({@link dev.segplatform.core.image.ImageTooLargeException}), before any pixel is allocated.
 */
public final class ImagePreprocessor {

    /** 40 megapixels: any camera photo, but not a decompression bomb. */
    public static final long DEFAULT_MAX_PIXELS = 40_000_000L;

    private final int imageSize;
    private final long maxPixels;

    public ImagePreprocessor(int imageSize) {
        this(imageSize, DEFAULT_MAX_PIXELS);
    }

    public ImagePreprocessor(int imageSize, long maxPixels) {
        if (imageSize < 1 || maxPixels < 1) {
            throw new IllegalArgumentException("imageSize and maxPixels must be positive");
        }
        this.imageSize = imageSize;
        this.maxPixels = maxPixels;
    }

    public int imageSize() {
        return imageSize;
    }

    /** Width and height from the header only; cheap and safe on hostile input. */
    public static ImageSize probe(byte[] bytes) throws IOException {
        return ImageDecoder.probe(bytes);
    }

    /** Width and height from the header of a stream; reads only the header and does not close it. */
    public static ImageSize probe(InputStream input) throws IOException {
        return ImageDecoder.probe(input);
    }

    /** Decodes (after the size check) and prepares image bytes. */
    public PreparedImage prepare(byte[] bytes) throws IOException {
        return prepare(ImageDecoder.decode(bytes, maxPixels));
    }

    /** Prepares an already decoded image. */
    public PreparedImage prepare(RgbImage image) {
        // Written in place into the tensor's own native memory: one allocation, no float[] copied in.
        INDArray input = Nd4j.createUninitialized(DataType.FLOAT, new long[] {1, 3, imageSize, imageSize}, 'c');
        Resize.bilinearPlanarUnit(image, imageSize, imageSize, FloatArrays.buffer(input));
        return new PreparedImage(input, image);
    }

    /**
     * An input that is already a tensor ({@code [B, 3, H, W]}, scaled as {@link #prepare} scales),
     * brought to the model's square input size bilinearly; returned as it is when it has that size.
     * The tensor path's counterpart of the resize that {@link #prepare} does on decoded images.
     */
    public static INDArray toInputSize(INDArray nchw, int size) {
        if (nchw.size(2) == size && nchw.size(3) == size) {
            return nchw;
        }
        return Resampling.resizeBilinear(nchw, size, size);
    }
}
