package dev.segplatform.experiment.api;

import jakarta.validation.constraints.Min;
import java.util.Set;

/**
 * What a worker can train; a claim only returns jobs that fit.
 *
 * @param models     architectures the worker accepts; absent or empty means all
 * @param maxDevices the most devices the worker can give one job; absent means 1
 */
public record WorkerCapabilities(Set<ModelArchitecture> models, @Min(1) Integer maxDevices) {

    public static final WorkerCapabilities ANY = new WorkerCapabilities(Set.of(), 1);

    public int maxDevicesOrDefault() {
        return maxDevices == null ? 1 : maxDevices;
    }
}
