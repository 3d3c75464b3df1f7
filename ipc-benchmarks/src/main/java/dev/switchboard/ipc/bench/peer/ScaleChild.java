package dev.switchboard.ipc.bench.peer;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.broker.IncomingInvitation;
import java.io.IOException;
import java.util.Arrays;

/**
 * One of the N children of {@link ScaleBroker}: waits for the start message, ping-pongs untimed
 * for the warm-up, then for the window, timing every round trip, and sends its results.
 */
final class ScaleChild {

    /** Enough for a 10 s window at 2.5 µs per round trip; beyond it round trips are counted, not kept. */
    private static final int MAX_SAMPLES = 4_000_000;

    private ScaleChild() {}

    static void run(Workload w) throws Exception {
        IncomingInvitation invitation = IncomingInvitation.accept(
                IncomingInvitation.Options.DEFAULT.exitWhenParentDies(1));
        MessagePipe pipe = invitation.extractMessagePipe(SwitchboardSeries.PIPE);
        try (Message start = pipe.read(SwitchboardSeries.WAIT)) {
            if (start == null || start.bytes()[0] != ScaleBroker.START) {
                throw new IOException("no start message from the broker");
            }
        }
        byte[] ping = new byte[w.sizes().get(0)];
        Arrays.fill(ping, (byte) 'x');
        ping[0] = ScaleBroker.PING;

        long warmupEnd = System.nanoTime() + w.warmupMillis() * 1_000_000;
        while (System.nanoTime() < warmupEnd) {
            roundTrip(pipe, ping);
        }
        long[] samples = new long[1 << 16];
        int kept = 0;
        long count = 0;
        long windowStart = System.nanoTime();
        long windowEnd = windowStart + w.windowMillis() * 1_000_000;
        long now = windowStart;
        while (now < windowEnd) {
            long t0 = now;
            roundTrip(pipe, ping);
            now = System.nanoTime();
            count++;
            if (kept < MAX_SAMPLES) {
                if (kept == samples.length) {
                    samples = Arrays.copyOf(samples, Math.min(samples.length * 2, MAX_SAMPLES));
                }
                samples[kept++] = now - t0;
            }
        }
        pipe.write(Message.of(ScaleBroker.encode(count, now - windowStart, samples, kept)));
        SwitchboardSeries.awaitPeerClosed(pipe);
    }

    private static void roundTrip(MessagePipe pipe, byte[] ping) throws Exception {
        pipe.write(Message.of(ping));
        try (Message echo = pipe.read(SwitchboardSeries.WAIT)) {
            if (echo == null) {
                throw new IOException("no echo within " + SwitchboardSeries.WAIT);
            }
        }
    }
}
