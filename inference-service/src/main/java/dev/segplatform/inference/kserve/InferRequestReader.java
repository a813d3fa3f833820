package dev.segplatform.inference.kserve;

import dev.segplatform.inference.InferenceProperties;
import dev.segplatform.inference.problem.InvalidInputException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.json.JsonReadFeature;

/**
 * Reads a KServe v2 infer request from its (already size-bounded) body without trusting anything
 * it declares. Binding {@code data} to a tree or a {@code List<Double>} costs some ten times the
 * body, and sizing an array from {@code shape} lets 120 bytes ask for gigabytes, so the JSON is
 * streamed twice instead: the first pass reads the small fields and only counts the numbers in
 * {@code data}; the shape is then checked (rank, channels, images, pixels, overflow-safe product)
 * and must match that count; only then the second pass writes the numbers straight into the
 * tensor's native memory, at their NCHW place, with no {@code float[]} in between. Two passes also
 * make the order of the fields irrelevant, as JSON requires.
 *
 * <p>The binary tensor extension: with an {@code Inference-Header-Content-Length} header the body is
 * that many bytes of JSON followed by raw little-endian tensor data, which the input claims with its
 * {@code binary_data_size} parameter. The header length and the declared size are checked against
 * the body actually received and against the shape (itself checked against the limits) before
 * anything is allocated; the bytes then go to native memory in one bulk copy. Outputs are wanted as
 * binary through {@code binary_data} on an output or {@code binary_data_output} on the request.
 */
@Component
class InferRequestReader {

    static final String MASK = "mask";
    static final String PROBABILITIES = "probabilities";
    static final String HEADER_LENGTH = "Inference-Header-Content-Length";

    /** {@code [N,3,H,W]} or {@code [N,H,W,3]}: nested data deeper than this cannot be row-major of it. */
    private static final int RANK = 4;
    private static final String BINARY_SIZE = "inputs[0].parameters.binary_data_size";
    private static final VarHandle LITTLE_ENDIAN_INT = MethodHandles.byteArrayViewVarHandle(int[].class,
            ByteOrder.LITTLE_ENDIAN);

    // NaN and Infinity are accepted by the tokenizer only so that they are refused below with the
    // index of the value, rather than as an anonymous syntax error.
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .build();

    private final int maxImages;
    private final long maxPixels;

    InferRequestReader(InferenceProperties properties) {
        this.maxImages = properties.maxImagesPerRequest();
        this.maxPixels = properties.maxPixels();
    }

    /** A checked request: one image tensor and the outputs to send back (all when none were named). */
    record Request(String id, ImageTensor input, List<RequestedOutput> outputs) {
    }

    /** An output to send back, as JSON numbers or as binary data after the JSON. */
    record RequestedOutput(String name, boolean binary) {
    }

    /**
     * An image batch in the model's layout.
     *
     * @param nchw {@code [N, 3, H, W]} FP32 in native memory, whatever layout the request used
     */
    record ImageTensor(int n, int height, int width, INDArray nchw) {
    }

    /** The declared layout and size, checked; nothing allocated yet. */
    private record Checked(int n, int height, int width, boolean channelsFirst, long values) {

        long[] shape() {
            return channelsFirst ? new long[] {n, 3, height, width} : new long[] {n, height, width, 3};
        }
    }

    /** What the first pass saw. */
    private static final class Scan {
        String id;
        int inputs;
        String datatype;
        long[] shape;
        int rank;
        boolean hasData;
        long values;
        Long binarySize;
        boolean binaryOutputs;
        Map<String, Boolean> outputs = new LinkedHashMap<>();
    }

    /**
     * @param headerLength the {@value #HEADER_LENGTH} header as sent, or null when absent (all JSON)
     */
    Request read(byte[] body, String headerLength) {
        int jsonLength = jsonLength(body.length, headerLength);
        Scan scan = pass(body, jsonLength, null);
        Checked checked = check(scan, headerLength != null, body.length - jsonLength);
        INDArray nchw = scan.binarySize != null ? fromBinary(checked, body, jsonLength) : fromJson(checked, body, jsonLength);
        List<RequestedOutput> outputs = new ArrayList<>();
        if (scan.outputs.isEmpty()) {
            outputs.add(new RequestedOutput(MASK, scan.binaryOutputs));
            outputs.add(new RequestedOutput(PROBABILITIES, scan.binaryOutputs));
        } else {
            scan.outputs.forEach((name, binary) -> outputs.add(new RequestedOutput(name,
                    binary != null ? binary : scan.binaryOutputs)));
        }
        return new Request(scan.id, new ImageTensor(checked.n(), checked.height(), checked.width(), nchw),
                List.copyOf(outputs));
    }

    /** Where the JSON ends: the whole body, or the header's length when it is a count within the body. */
    private static int jsonLength(int bodyLength, String header) {
        if (header == null) {
            return bodyLength;
        }
        String value = header.trim();
        // At most 18 digits: always a long, and already far beyond any body allowed.
        long length = value.matches("\\d{1,18}") ? Long.parseLong(value) : -1;
        if (length < 1) {
            throw new InvalidInputException(HEADER_LENGTH, "must be the JSON header's length in bytes, got '"
                    + (value.length() > 40 ? value.substring(0, 40) + "..." : value) + "'");
        }
        if (length > bodyLength) {
            throw new InvalidInputException(HEADER_LENGTH, "says the JSON header is " + length
                    + " bytes but the body has only " + bodyLength);
        }
        return (int) length;
    }

    /** The shape and datatype against the limits, then against the data or the binary bytes sent. */
    private Checked check(Scan scan, boolean hasHeader, int binaryBytes) {
        String field = "inputs[0]";
        if (scan.inputs != 1) {
            throw new InvalidInputException("inputs", "exactly one input tensor is expected");
        }
        if (!"FP32".equals(scan.datatype) && !"FP64".equals(scan.datatype)) {
            throw new InvalidInputException(field + ".datatype", "must be FP32, got " + scan.datatype);
        }
        if (scan.shape == null || scan.rank != RANK) {
            throw new InvalidInputException(field + ".shape", "must be [N,3,H,W] or [N,H,W,3], got "
                    + (scan.shape == null ? "none" : scan.rank + " dimensions"));
        }
        long[] s = scan.shape;
        boolean channelsFirst = s[1] == 3;
        if (!channelsFirst && s[3] != 3) {
            throw new InvalidInputException(field + ".shape", "needs 3 channels at index 1 (NCHW) or 3 (NHWC), got "
                    + Arrays.toString(s));
        }
        long n = s[0];
        long h = channelsFirst ? s[2] : s[1];
        long w = channelsFirst ? s[3] : s[2];
        if (n > maxImages) {
            throw new InvalidInputException(field + ".shape", "at most " + maxImages + " images per request, got " + n);
        }
        long pixels;
        long total;
        try {
            pixels = Math.multiplyExact(h, w);
            total = Math.multiplyExact(Math.multiplyExact(n, 3L), pixels);
        } catch (ArithmeticException e) {
            throw new InvalidInputException(field + ".shape", h + "x" + w + " x " + n + " images overflows a 64-bit count");
        }
        if (pixels > maxPixels) {
            throw new InvalidInputException(field + ".shape", h + "x" + w + " is more than the allowed " + maxPixels
                    + " pixels per image");
        }
        if (scan.binarySize != null) {
            checkBinary(scan, hasHeader, binaryBytes, total);
        } else {
            if (binaryBytes > 0) {
                throw new InvalidInputException("body", binaryBytes + " bytes follow the JSON header but no input "
                        + "claims them with parameters.binary_data_size");
            }
            if (!scan.hasData) {
                throw new InvalidInputException(field + ".data", "must be an array of " + total + " numbers");
            }
            if (scan.values != total) {
                throw new InvalidInputException(field + ".data", "has " + scan.values + " values; the shape needs "
                        + total);
            }
        }
        // The count matched numbers or bytes actually present in a bounded body, so this cannot be
        // large; the guard is for a body limit configured beyond what one buffer can hold.
        if (total > Integer.MAX_VALUE / Float.BYTES) {
            throw new InvalidInputException(field + ".data", total + " values are more than one request can hold");
        }
        return new Checked((int) n, (int) h, (int) w, channelsFirst, total);
    }

    /** The declared binary size against the header, the bytes received and the shape: all before allocating. */
    private static void checkBinary(Scan scan, boolean hasHeader, int binaryBytes, long total) {
        if (scan.hasData) {
            throw new InvalidInputException("inputs[0]", "has both data and parameters.binary_data_size; send one");
        }
        if (!hasHeader) {
            throw new InvalidInputException(BINARY_SIZE, "binary data needs the " + HEADER_LENGTH
                    + " header to say where the JSON ends");
        }
        if (!"FP32".equals(scan.datatype)) {
            throw new InvalidInputException("inputs[0].datatype", "binary data must be FP32, got " + scan.datatype);
        }
        if (scan.binarySize != binaryBytes) {
            throw new InvalidInputException(BINARY_SIZE, "is " + scan.binarySize + " bytes but " + binaryBytes
                    + " bytes follow the JSON header");
        }
        if (total > Long.MAX_VALUE / Float.BYTES || scan.binarySize != total * Float.BYTES) {
            throw new InvalidInputException(BINARY_SIZE, "is " + scan.binarySize + " bytes; the shape needs " + total
                    + " FP32 values, " + (total > Long.MAX_VALUE / Float.BYTES ? "more" : total * Float.BYTES)
                    + " bytes");
        }
    }

    /**
     * Raw little-endian FP32 into native memory in one copy, after checking every value is finite
     * (an exponent of all ones is NaN or infinity); channels-last is transposed natively.
     */
    private static INDArray fromBinary(Checked checked, byte[] body, int offset) {
        int bytes = (int) (checked.values() * Float.BYTES);
        for (int i = 0; i < bytes; i += Float.BYTES) {
            int bits = (int) LITTLE_ENDIAN_INT.get(body, offset + i);
            if ((bits & 0x7F800000) == 0x7F800000) {
                throw new InvalidInputException("inputs[0].data[" + i / Float.BYTES + "]",
                        "must be a finite FP32 number, got " + Float.intBitsToFloat(bits) + " in the binary data");
            }
        }
        INDArray declared = Nd4j.createUninitialized(DataType.FLOAT, checked.shape(), 'c');
        ByteBuffer target = declared.data().asNio().order(ByteOrder.LITTLE_ENDIAN);
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            target.put(body, offset, bytes);
        } else {
            target.asFloatBuffer().put(ByteBuffer.wrap(body, offset, bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer());
        }
        if (checked.channelsFirst()) {
            return declared;
        }
        INDArray nchw = declared.permute(0, 3, 1, 2).dup('c');
        declared.close();
        return nchw;
    }

    /** The second pass: every number written to its NCHW place in native memory. */
    private static INDArray fromJson(Checked checked, byte[] body, int length) {
        INDArray nchw = Nd4j.createUninitialized(DataType.FLOAT, new long[] {checked.n(), 3, checked.height(),
                checked.width()}, 'c');
        FloatBuffer target = nchw.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
        pass(body, length, new NchwSink(target, checked));
        return nchw;
    }

    /** Places the i-th value of a row-major tensor at its NCHW index, counting positions instead of dividing. */
    private static final class NchwSink {
        private final FloatBuffer target;
        private final boolean channelsFirst;
        private final int height;
        private final int width;
        private final int capacity;
        private int count;
        private int n;
        private int y;
        private int x;
        private int c;

        NchwSink(FloatBuffer target, Checked checked) {
            this.target = target;
            this.channelsFirst = checked.channelsFirst();
            this.height = checked.height();
            this.width = checked.width();
            this.capacity = (int) checked.values();
        }

        boolean full() {
            return count >= capacity;
        }

        void put(float value) {
            if (channelsFirst) {
                target.put(count, value);
            } else {
                // NHWC order: channel fastest, then column, row, image.
                target.put(((n * 3 + c) * height + y) * width + x, value);
                if (++c == 3) {
                    c = 0;
                    if (++x == width) {
                        x = 0;
                        if (++y == height) {
                            y = 0;
                            n++;
                        }
                    }
                }
            }
            count++;
        }
    }

    /** One pass over the JSON; {@code sink} null counts the values, non-null stores them. */
    private static Scan pass(byte[] body, int length, NchwSink sink) {
        Scan scan = new Scan();
        try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), body, 0, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidInputException("body", "must be a JSON object");
            }
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "id" -> scan.id = scalar(p, value, "id");
                    case "inputs" -> inputs(p, value, scan, sink);
                    case "outputs" -> outputs(p, value, scan);
                    case "parameters" -> parameters(p, value, "parameters", key -> {
                        if (key.equals("binary_data_output")) {
                            scan.binaryOutputs = flag(p, "parameters.binary_data_output");
                            return true;
                        }
                        return false;
                    });
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new InvalidInputException("body", "holds more than one JSON object");
            }
        } catch (JacksonException e) {
            throw new InvalidInputException("body", "not an inference request: " + e.getOriginalMessage());
        }
        return scan;
    }

    /**
     * Walks a {@code parameters} object, giving each key to {@code known}, which reads the value
     * and answers true, or answers false to have it skipped (parameters of other extensions).
     */
    private static void parameters(JsonParser p, JsonToken value, String field, java.util.function.Predicate<String> known) {
        if (value == JsonToken.VALUE_NULL) {
            return;
        }
        if (value != JsonToken.START_OBJECT) {
            throw new InvalidInputException(field, "must be an object");
        }
        while (p.nextToken() == JsonToken.PROPERTY_NAME) {
            String key = p.currentName();
            p.nextToken();
            if (!known.test(key)) {
                p.skipChildren();
            }
        }
    }

    private static boolean flag(JsonParser p, String field) {
        JsonToken t = p.currentToken();
        if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
            throw new InvalidInputException(field, "must be true or false");
        }
        return t == JsonToken.VALUE_TRUE;
    }

    private static void inputs(JsonParser p, JsonToken value, Scan scan, NchwSink sink) {
        if (value != JsonToken.START_ARRAY) {
            throw new InvalidInputException("inputs", "must be an array holding one input tensor");
        }
        while (p.nextToken() != JsonToken.END_ARRAY) {
            // Stop at the second tensor: there is nothing to gain from reading it.
            if (++scan.inputs > 1) {
                throw new InvalidInputException("inputs", "exactly one input tensor is expected");
            }
            if (p.currentToken() != JsonToken.START_OBJECT) {
                throw new InvalidInputException("inputs[0]", "must be an object with name, shape, datatype and data");
            }
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                JsonToken token = p.nextToken();
                switch (name) {
                    case "datatype" -> scan.datatype = scalar(p, token, "inputs[0].datatype");
                    case "shape" -> shape(p, token, scan);
                    case "data" -> {
                        scan.hasData = token != JsonToken.VALUE_NULL;
                        if (scan.hasData) {
                            scan.values = data(p, token, sink);
                        }
                    }
                    case "parameters" -> parameters(p, token, "inputs[0].parameters", key -> {
                        if (key.equals("binary_data_size")) {
                            scan.binarySize = binarySize(p);
                            return true;
                        }
                        return false;
                    });
                    default -> p.skipChildren();
                }
            }
        }
    }

    private static long binarySize(JsonParser p) {
        if (p.currentToken() != JsonToken.VALUE_NUMBER_INT
                || p.getNumberType() != JsonParser.NumberType.INT && p.getNumberType() != JsonParser.NumberType.LONG
                || p.getLongValue() < 0) {
            throw new InvalidInputException(BINARY_SIZE, "must be a non-negative integer count of bytes, got "
                    + (p.currentToken().isStructStart() ? "a structure" : p.getString()));
        }
        return p.getLongValue();
    }

    /** At most {@link #RANK} positive integers are read; a longer shape is refused at its fifth entry. */
    private static void shape(JsonParser p, JsonToken token, Scan scan) {
        String field = "inputs[0].shape";
        if (token != JsonToken.START_ARRAY) {
            throw new InvalidInputException(field, "must be an array of 4 sizes");
        }
        scan.shape = new long[RANK];
        scan.rank = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (scan.rank == RANK) {
                throw new InvalidInputException(field, "must be [N,3,H,W] or [N,H,W,3], got more than " + RANK
                        + " dimensions");
            }
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT
                    || p.getNumberType() != JsonParser.NumberType.INT && p.getNumberType() != JsonParser.NumberType.LONG
                    || p.getLongValue() < 1) {
                throw new InvalidInputException(field, "sizes must be positive integers, got " + p.getString()
                        + " at index " + scan.rank);
            }
            scan.shape[scan.rank++] = p.getLongValue();
        }
    }

    /**
     * Counts (and with a sink, stores) the numbers of a flat or nested array, row-major. Stored
     * values must be finite FP32: NaN, infinities and magnitudes beyond {@code Float.MAX_VALUE} would
     * poison every activation they reach. Finite values outside [0, 1] are accepted, as Triton
     * accepts any FP32; the metadata states the range the model was trained on.
     */
    private static long data(JsonParser p, JsonToken token, NchwSink sink) {
        if (token != JsonToken.START_ARRAY) {
            throw new InvalidInputException("inputs[0].data", "must be an array of numbers");
        }
        int depth = 1;
        long count = 0;
        while (depth > 0) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.START_ARRAY) {
                if (++depth > RANK) {
                    throw new InvalidInputException("inputs[0].data", "is nested deeper than the 4 dimensions of the shape");
                }
            } else if (t == JsonToken.END_ARRAY) {
                depth--;
            } else if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                if (sink != null) {
                    if (sink.full()) {
                        throw new InvalidInputException("inputs[0].data", "has more values than the shape needs");
                    }
                    double v = p.getDoubleValue();
                    float f = (float) v;
                    if (Double.isNaN(v) || Float.isInfinite(f)) {
                        throw new InvalidInputException("inputs[0].data[" + count + "]", "must be a finite FP32 number, got "
                                + p.getString());
                    }
                    sink.put(f);
                }
                count++;
            } else {
                throw new InvalidInputException("inputs[0].data[" + count + "]", "must be a number, got "
                        + (t == JsonToken.START_OBJECT ? "an object" : p.getString()));
            }
        }
        return count;
    }

    /** Names checked as they come, so a long list of outputs costs nothing but reading it. */
    private static void outputs(JsonParser p, JsonToken value, Scan scan) {
        if (value == JsonToken.VALUE_NULL) {
            return;
        }
        if (value != JsonToken.START_ARRAY) {
            throw new InvalidInputException("outputs", "must be an array of requested outputs");
        }
        for (int i = 0; p.nextToken() != JsonToken.END_ARRAY; i++) {
            String field = "outputs[" + i + "]";
            if (p.currentToken() != JsonToken.START_OBJECT) {
                throw new InvalidInputException(field, "must be an object with a name");
            }
            String name = null;
            Boolean[] binary = {null};
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String key = p.currentName();
                JsonToken token = p.nextToken();
                if (key.equals("name")) {
                    name = scalar(p, token, field + ".name");
                } else if (key.equals("parameters")) {
                    parameters(p, token, field + ".parameters", k -> {
                        if (k.equals("binary_data")) {
                            binary[0] = flag(p, field + ".parameters.binary_data");
                            return true;
                        }
                        return false;
                    });
                } else {
                    p.skipChildren();
                }
            }
            if (!MASK.equals(name) && !PROBABILITIES.equals(name)) {
                throw new InvalidInputException(field + ".name", "must be " + MASK + " or " + PROBABILITIES);
            }
            if (scan.outputs.containsKey(name)) {
                throw new InvalidInputException(field + ".name", "'" + name + "' is requested twice");
            }
            scan.outputs.put(name, binary[0]);
        }
    }

    /** A string, number or boolean as text; null stays null; arrays and objects are refused. */
    private static String scalar(JsonParser p, JsonToken token, String field) {
        if (token == JsonToken.VALUE_NULL) {
            return null;
        }
        if (token.isStructStart()) {
            throw new InvalidInputException(field, "must be a string");
        }
        return p.getString();
    }
}
