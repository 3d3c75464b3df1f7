package dev.switchboard.ipc.bench;

import java.time.Duration;
import java.util.List;

/**
 * Iteration counts for a whole run. Quick is sized to finish in under three minutes on a
 * two-core machine; full trades time for tighter percentiles and all scale points; smoke only
 * checks that everything runs.
 *
 * @param streamBatches messages per timed batch, one per entry of {@link #STREAM_SIZES}
 * @param scaleChildren children per scale run
 * @param scaleWarmupRoundTrips untimed round trips per child, all children warm, before the window
 * @param runTimeout after this a measuring process is killed and its series reported as failed
 */
public record Mode(String name,
                   int rttWarmup, int rttMeasured,
                   List<Integer> streamBatches, int streamWarmup, int streamTrials,
                   int fdsBatch, int fdsWarmup, int fdsTrials,
                   int setupWarmup, int setupMeasured,
                   List<Integer> scaleChildren, int scaleWarmupRoundTrips, long scaleWindowMillis,
                   int jmhForks, int jmhWarmupIterations, int jmhIterations, int jmhIterationMillis,
                   Duration runTimeout) {

    public static final List<Integer> RTT_SIZES = List.of(64, 4096, 65536);
    public static final List<Integer> STREAM_SIZES = List.of(64, 1 << 20, 16 << 20);
    public static final int SCALE_PAYLOAD = 64;

    // Warm-up must exceed the JIT's compile thresholds (~10k calls) or JVM series are measured
    // half-interpreted; 20k round trips cost well under a second for everything but gRPC.
    public static final Mode QUICK = new Mode("quick",
            20_000, 5_000,
            List.of(20_000, 32, 4), 3, 5,
            5_000, 1, 5,
            1, 5,
            List.of(1, 8), 10_000, 1_500,
            1, 1, 2, 500,
            Duration.ofMinutes(2));

    /** Seconds, not minutes: proves every series runs end to end. Its numbers mean nothing. */
    public static final Mode SMOKE = new Mode("smoke",
            200, 500,
            List.of(1_000, 4, 2), 1, 2,
            500, 1, 2,
            1, 2,
            List.of(1, 2), 200, 300,
            1, 1, 1, 200,
            Duration.ofMinutes(1));

    public static final Mode FULL = new Mode("full",
            20_000, 100_000,
            List.of(200_000, 256, 16), 3, 20,
            20_000, 3, 20,
            3, 30,
            List.of(1, 8, 32, 64), 20_000, 10_000,
            2, 5, 5, 1_000,
            Duration.ofMinutes(20));
}
