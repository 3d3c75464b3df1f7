package dev.switchboard.ipc.broker;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Round trips on a pipe to a well-behaved echoing child, one after another on a thread of their
 * own, until stopped. A round trip that takes longer than its deadline is missed: this is a
 * liveness check (is the parent still serving its good child?), not a measurement.
 */
final class RoundTrips {

    /** After this long the echo counts as lost and the round trips stop. */
    private static final Duration GIVE_UP = Duration.ofSeconds(60);

    /** What the round trips saw. Latencies in microseconds. */
    record Summary(int count, List<String> missed, String stoppedBecause, long p50Micros, long p99Micros, long maxMicros) {
        @Override
        public String toString() {
            return count + " round trips, " + missed.size() + " missed" + (missed.isEmpty() ? "" : " " + missed)
                    + (stoppedBecause == null ? "" : ", stopped: " + stoppedBecause)
                    + String.format(", p50 %.2f ms, p99 %.2f ms, max %.2f ms", p50Micros / 1e3, p99Micros / 1e3, maxMicros / 1e3);
        }
    }

    private final MessagePipe pipe;
    private final Duration deadline;
    private final Thread thread;
    private final List<String> missed = new ArrayList<>();
    private long[] micros = new long[1 << 14];
    private int count;
    private String stoppedBecause;
    private volatile boolean running = true;

    RoundTrips(MessagePipe pipe, Duration deadline) {
        this.pipe = pipe;
        this.deadline = deadline;
        this.thread = new Thread(this::loop, "soak-round-trips");
        this.thread.setDaemon(true);
    }

    RoundTrips start() {
        thread.start();
        return this;
    }

    /** Stops after the round trip in progress and summarises. */
    Summary stop() throws InterruptedException {
        running = false;
        thread.join(GIVE_UP.toMillis() + 5_000);
        if (thread.isAlive()) {
            thread.interrupt();
            thread.join();
        }
        long[] sorted = Arrays.copyOf(micros, count);
        Arrays.sort(sorted);
        return new Summary(count, List.copyOf(missed), stoppedBecause, percentile(sorted, 0.50), percentile(sorted, 0.99),
                sorted.length == 0 ? 0 : sorted[sorted.length - 1]);
    }

    private static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private void loop() {
        try {
            for (int i = 0; running; i++) {
                String text = "round trip " + i;
                long start = System.nanoTime();
                pipe.write(TestSupport.text(text));
                Message first = pipe.read(deadline);
                if (first == null) {
                    missed.add(i + " (over " + deadline.toMillis() + " ms)");
                    SoakDiagnostics.dumpInBackground("round trip " + i + " got no echo within " + deadline.toMillis() + " ms");
                    first = pipe.read(GIVE_UP);
                    if (first == null) {
                        stoppedBecause = "round trip " + i + " got no echo within " + GIVE_UP.toSeconds() + " s";
                        return;
                    }
                }
                long took = System.nanoTime() - start;
                try (Message m = first) {
                    String echo = TestSupport.text(m);
                    if (!echo.equals(text)) {
                        stoppedBecause = "round trip " + i + " echoed '" + echo + "'";
                        return;
                    }
                }
                record(TimeUnit.NANOSECONDS.toMicros(took));
                Thread.sleep(1); // leave the two cores to the hostile children between round trips
            }
        } catch (InterruptedException e) {
            stoppedBecause = "interrupted";
        } catch (RuntimeException e) {
            stoppedBecause = e.toString();
        }
    }

    private void record(long us) {
        if (count == micros.length) {
            micros = Arrays.copyOf(micros, count * 2);
        }
        micros[count++] = us;
    }
}
