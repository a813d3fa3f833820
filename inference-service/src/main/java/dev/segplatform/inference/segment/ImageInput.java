package dev.segplatform.inference.segment;

import dev.segplatform.inference.problem.UnsupportedImageException;

/**
 * An uploaded image and what to call it in errors ({@code image}, {@code images[2]}). Only JPEG and
 * PNG are served, told apart by their signatures: the declared content type is often wrong (PNGs
 * named {@code .jpg} are common), and sniffing first keeps other decoders' quirks out of reach.
 */
record ImageInput(String field, String filename, byte[] bytes) {

    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final byte[] JPEG = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF};

    /** @throws UnsupportedImageException unless the bytes start like a JPEG or PNG */
    void requireJpegOrPng() {
        if (!startsWith(PNG) && !startsWith(JPEG)) {
            throw new UnsupportedImageException(field);
        }
    }

    private boolean startsWith(byte[] signature) {
        if (bytes.length < signature.length) {
            return false;
        }
        for (int i = 0; i < signature.length; i++) {
            if (bytes[i] != signature[i]) {
                return false;
            }
        }
        return true;
    }
}
