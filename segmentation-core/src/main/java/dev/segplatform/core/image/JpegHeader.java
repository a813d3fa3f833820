package dev.segplatform.core.image;

/**
 * Width and height of a JPEG from its frame header, found by walking the markers from SOI to the
 * first SOFn: no ImageIO stream or reader for what is a few bytes into the file.
 */
final class JpegHeader {

    private JpegHeader() {
    }

    static boolean isJpeg(byte[] bytes) {
        return bytes.length >= 3 && (bytes[0] & 0xFF) == 0xFF && (bytes[1] & 0xFF) == 0xD8 && (bytes[2] & 0xFF) == 0xFF;
    }

    /**
     * The frame's size, or {@code null} when the frame leaves its height to a later DNL marker
     * (then ImageIO, which reads that far, answers).
     *
     * @throws UnreadableImageException the markers end, run past the file or reach the scan or the
     *     end of the image before a frame header
     */
    static ImageSize probe(byte[] bytes) throws UnreadableImageException {
        int at = 2;
        while (true) {
            // Markers are 0xFF then a code; any number of 0xFF fill bytes may precede the code.
            if (at >= bytes.length || (bytes[at] & 0xFF) != 0xFF) {
                throw unreadable("no JPEG marker where one belongs, at byte " + at);
            }
            while (at < bytes.length && (bytes[at] & 0xFF) == 0xFF) {
                at++;
            }
            if (at >= bytes.length) {
                throw unreadable("the JPEG ends before its frame header");
            }
            int marker = bytes[at++] & 0xFF;
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                continue;
            }
            if (marker == 0xD9 || marker == 0xDA || marker == 0xD8 || marker == 0x00) {
                throw unreadable("the JPEG has no frame header before marker 0x" + Integer.toHexString(marker));
            }
            if (at + 2 > bytes.length) {
                throw unreadable("the JPEG ends inside a marker");
            }
            int length = (bytes[at] & 0xFF) << 8 | (bytes[at + 1] & 0xFF);
            if (length < 2 || at + length > bytes.length) {
                throw unreadable("JPEG marker 0x" + Integer.toHexString(marker) + " claims " + length
                        + " bytes, which the file does not hold");
            }
            boolean frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (frame) {
                if (length < 8) {
                    throw unreadable("JPEG frame header of " + length + " bytes");
                }
                int height = (bytes[at + 3] & 0xFF) << 8 | (bytes[at + 4] & 0xFF);
                int width = (bytes[at + 5] & 0xFF) << 8 | (bytes[at + 6] & 0xFF);
                if (width == 0) {
                    throw unreadable("JPEG frame of width 0");
                }
                return height == 0 ? null : new ImageSize(width, height);
            }
            at += length;
        }
    }

    private static UnreadableImageException unreadable(String reason) {
        return new UnreadableImageException("cannot read the image header: " + reason);
    }
}
