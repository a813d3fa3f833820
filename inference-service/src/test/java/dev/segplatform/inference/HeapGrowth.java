package dev.segplatform.inference;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;

/**
 * How much one request grew this JVM's heap, for tests that the service is one of: the old
 * generation's peak (a large array lands there at once, and a peak survives a collection meanwhile)
 * and the heap in use.
 */
final class HeapGrowth {

    private final List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP).toList();
    private final long usedBefore;
    private final long oldBefore;

    private HeapGrowth() {
        System.gc();
        usedBefore = used();
        oldBefore = oldGenerationPeak();
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    /** Starts measuring from a collected heap. */
    static HeapGrowth start() {
        return new HeapGrowth();
    }

    long oldGeneration() {
        return oldGenerationPeak() - oldBefore;
    }

    long inUse() {
        return used() - usedBefore;
    }

    private static long used() {
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    private long oldGenerationPeak() {
        return heap.stream().filter(p -> p.getName().contains("Old") || p.getName().contains("Tenured"))
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    }
}
