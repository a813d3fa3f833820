package dev.segplatform.core.dataset;

/**
 * How to turn a Pet folder into train and validation sets.
 *
 * @param imageSize          side of the square images and masks the networks see
 * @param validationFraction 0 to train on {@code trainval.txt} and validate on {@code test.txt}
 *                           (the paper's split); in (0, 1) to validate on that share of
 *                           {@code trainval.txt}, split with {@code seed}, and ignore {@code test.txt}
 * @param seed               seed of that split and of the {@code maxImages} sample
 * @param maxImages          at most this many entries from each list file, a seeded sample for quick
 *                           runs (0 = all)
 */
public record PetDataOptions(int imageSize, double validationFraction, long seed, int maxImages) {

    public PetDataOptions {
        if (imageSize < 1) {
            throw new IllegalArgumentException("imageSize must be positive, got " + imageSize);
        }
        if (!(validationFraction >= 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validationFraction must be in [0, 1), got " + validationFraction);
        }
        if (maxImages < 0) {
            throw new IllegalArgumentException("maxImages must be >= 0, got " + maxImages);
        }
    }

    /** The official split at {@code imageSize}, all images. */
    public static PetDataOptions of(int imageSize) {
        return new PetDataOptions(imageSize, 0, 42, 0);
    }

    public PetDataOptions withValidationFraction(double fraction, long splitSeed) {
        return new PetDataOptions(imageSize, fraction, splitSeed, maxImages);
    }

    public PetDataOptions withMaxImages(int max) {
        return new PetDataOptions(imageSize, validationFraction, seed, max);
    }
}
