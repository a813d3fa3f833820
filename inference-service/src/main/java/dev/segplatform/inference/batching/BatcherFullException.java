package dev.segplatform.inference.batching;

/** The batcher already holds as many images as it may; the caller should come back later (429). */
public class BatcherFullException extends RuntimeException {

    private final int capacity;

    public BatcherFullException(int requested, int capacity) {
        super("the inference queue is full (" + capacity + " images waiting or running); "
                + (requested == 1 ? "" : requested + " images cannot be queued at once; ") + "retry later");
        this.capacity = capacity;
    }

    public int capacity() {
        return capacity;
    }
}
