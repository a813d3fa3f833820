package dev.segplatform.inference.kserve;

import dev.segplatform.inference.InferenceProperties;
import dev.segplatform.inference.problem.InvalidInputException;
import java.util.LinkedHashSet;
import java.util.Set;
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
 * body, and sizing an array from {@code shape} lets 120 bytes ask for gigabytes, so the body is
 * streamed twice instead: the first pass reads the small fields and only counts the numbers in
 * {@code data}; the shape is then checked (rank, channels, images, pixels, overflow-safe product)
 * and must match that count; only then the second pass fills a {@code float[]} of exactly that
 * size. Two passes also make the order of the fields irrelevant, as JSON requires.
 */
@Component
class InferRequestReader {

    static final String MASK = "mask";
    static final String PROBABILITIES = "probabilities";

    /** {@code [N,3,H,W]} or {@code [N,H,W,3]}: nested data deeper than this cannot be row-major of it. */
    private static final int RANK = 4;

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
    record Request(String id, ImageTensor input, Set<String> outputs) {
    }

    /**
     * An image batch with its values, row-major in the declared layout.
     *
     * @param channelsFirst {@code [N,3,H,W]} when true, {@code [N,H,W,3]} when false
     */
    record ImageTensor(int n, int height, int width, boolean channelsFirst, float[] data) {

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
        Set<String> outputs = new LinkedHashSet<>();
    }

    Request read(byte[] body) {
        Scan scan = pass(body, null);
        ImageTensor checked = check(scan);
        float[] data = new float[checked.data().length];
        pass(body, data);
        return new Request(scan.id, new ImageTensor(checked.n(), checked.height(), checked.width(),
                checked.channelsFirst(), data),
                scan.outputs.isEmpty() ? Set.of(MASK, PROBABILITIES) : Set.copyOf(scan.outputs));
    }

    /** The shape and datatype against the limits and the count of values; an empty tensor of the right size. */
    private ImageTensor check(Scan scan) {
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
                    + java.util.Arrays.toString(s));
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
        if (!scan.hasData) {
            throw new InvalidInputException(field + ".data", "must be an array of " + total + " numbers");
        }
        if (scan.values != total) {
            throw new InvalidInputException(field + ".data", "has " + scan.values + " values; the shape needs " + total);
        }
        // The count matched numbers actually present in a bounded body, so this cannot be large;
        // the guard is for a body limit configured beyond what an array can hold.
        if (total > Integer.MAX_VALUE - 16) {
            throw new InvalidInputException(field + ".data", total + " values are more than one request can hold");
        }
        return new ImageTensor((int) n, (int) h, (int) w, channelsFirst, new float[(int) total]);
    }

    /** One pass over the body; {@code sink} null counts the values, non-null stores them. */
    private static Scan pass(byte[] body, float[] sink) {
        Scan scan = new Scan();
        try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), body)) {
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

    private static void inputs(JsonParser p, JsonToken value, Scan scan, float[] sink) {
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
                    default -> p.skipChildren();
                }
            }
        }
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
    private static long data(JsonParser p, JsonToken token, float[] sink) {
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
                    if (count >= sink.length) {
                        throw new InvalidInputException("inputs[0].data", "has more values than the shape needs");
                    }
                    double v = p.getDoubleValue();
                    float f = (float) v;
                    if (Double.isNaN(v) || Float.isInfinite(f)) {
                        throw new InvalidInputException("inputs[0].data[" + count + "]", "must be a finite FP32 number, got "
                                + p.getString());
                    }
                    sink[(int) count] = f;
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
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String key = p.currentName();
                JsonToken token = p.nextToken();
                if (key.equals("name")) {
                    name = scalar(p, token, field + ".name");
                } else {
                    p.skipChildren();
                }
            }
            if (!MASK.equals(name) && !PROBABILITIES.equals(name)) {
                throw new InvalidInputException(field + ".name", "must be " + MASK + " or " + PROBABILITIES);
            }
            scan.outputs.add(name);
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
