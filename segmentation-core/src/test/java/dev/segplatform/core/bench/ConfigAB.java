package dev.segplatform.core.bench;

import dev.segplatform.core.model.Architecture;
import dev.segplatform.core.model.ModelSpec;
import dev.segplatform.core.model.Networks;
import dev.segplatform.core.runtime.NativeBackend;
import java.util.Locale;
import java.util.Random;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.MultiDataSet;

/**
 * A/B of one configuration change, run by {@code bin/bench ab NETWORK FROM TO [SECONDS]}: builds the
 * network's graph as the platform configures it (A) and with the text {@code FROM} of its JSON
 * configuration replaced by {@code TO} (B), then alternates training minibatches of the two in
 * this JVM (128x128, batch 16) and prints B's time relative to A's. Alternating in one process
 * cancels the drift of a shared machine that separate runs would pick up. Example:
 * {@code bin/bench ab unet '"cacheMode" : "DEVICE"' '"cacheMode" : "NONE"'}.
 */
public final class ConfigAB {

    private ConfigAB() {
    }

    public static void main(String[] args) {
        NativeBackend.configure();
        if (args.length < 3) {
            System.err.println("usage: bin/bench ab unet|pspnet|icnet FROM TO [SECONDS (20)]");
            System.exit(2);
        }
        ModelSpec spec = ModelSpec.of(Architecture.valueOf(args[0].toUpperCase(Locale.ROOT)), 128, 3);
        int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        String json = Networks.network(spec).conf().toJson();
        String changed = json.replace(args[1], args[2]);
        if (changed.equals(json)) {
            System.err.println("'" + args[1] + "' does not occur in the configuration of " + args[0]);
            System.exit(2);
        }
        ComputationGraph a = graph(json);
        ComputationGraph b = graph(changed);
        MultiDataSet data = ModelBench.randomBatch(spec, 16, new Random(1));
        for (int i = 0; i < 3; i++) {
            a.fit(data);
            b.fit(data);
        }
        long timeA = 0;
        long timeB = 0;
        int pairs = 0;
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end || pairs < 3) {
            long t = System.nanoTime();
            a.fit(data);
            timeA += System.nanoTime() - t;
            t = System.nanoTime();
            b.fit(data);
            timeB += System.nanoTime() - t;
            pairs++;
        }
        System.out.printf(Locale.ROOT, "%s, %d alternating pairs: A (as configured) %.1f ms/minibatch, B (%s -> %s) %.1f ms/minibatch; "
                + "B takes %.3fx A's time%n", spec.architecture().jsonName(), pairs, timeA / 1e6 / pairs, args[1], args[2],
                timeB / 1e6 / pairs, (double) timeB / timeA);
    }

    private static ComputationGraph graph(String json) {
        ComputationGraph graph = new ComputationGraph(ComputationGraphConfiguration.fromJson(json));
        graph.init();
        return graph;
    }
}
