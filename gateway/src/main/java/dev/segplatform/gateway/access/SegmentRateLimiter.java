package dev.segplatform.gateway.access;

import dev.segplatform.gateway.GatewayProperties;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/** A token bucket per API key for segmentation calls. */
@Component
public class SegmentRateLimiter {

    private final double perSecond;
    private final int burst;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    SegmentRateLimiter(GatewayProperties properties) {
        this.perSecond = properties.segmentRate().perSecond();
        this.burst = properties.segmentRate().burst();
    }

    /** Takes a token for {@code key}; returns 0 on success, else the seconds until one is free. */
    public long acquire(String key) {
        return buckets.computeIfAbsent(key, k -> new Bucket()).take();
    }

    private final class Bucket {
        private double tokens = burst;
        private long refilled = System.nanoTime();

        synchronized long take() {
            long now = System.nanoTime();
            tokens = Math.min(burst, tokens + (now - refilled) / 1e9 * perSecond);
            refilled = now;
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return (long) Math.ceil((1 - tokens) / perSecond);
        }
    }
}
