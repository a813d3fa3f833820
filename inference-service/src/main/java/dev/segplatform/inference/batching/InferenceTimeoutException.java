package dev.segplatform.inference.batching;

import java.time.Duration;

/** An image was not through the network within the request timeout; it is dropped from the queue. */
public class InferenceTimeoutException extends RuntimeException {

    public InferenceTimeoutException(Duration timeout) {
        super("the image was not segmented within the request timeout of " + timeout.toMillis() + " ms; retry later");
    }
}
