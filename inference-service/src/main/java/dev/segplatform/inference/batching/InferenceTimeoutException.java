package dev.segplatform.inference.batching;

/** An image was not through the network within the request timeout; it is dropped from the queue. */
public class InferenceTimeoutException extends RuntimeException {

    public InferenceTimeoutException() {
        super("the image was not segmented within the request timeout; retry later");
    }
}
