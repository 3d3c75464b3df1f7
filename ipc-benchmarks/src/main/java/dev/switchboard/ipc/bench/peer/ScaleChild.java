package dev.switchboard.ipc.bench.peer;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.broker.IncomingInvitation;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;

/**
 * One of the N children of {@link ScaleBroker}: waits for the start message, ping-pongs untimed
 * for its warm-up round trips and says so, waits until every child is warm, then ping-pongs for
 * the window, timing every round trip, and sends its results.
 *
 * <p>The warm-up is counted, not timed: with 64 JVMs on two cores a child gets a few hundred round
 * trips a second, and a timed warm-up would leave it interpreted for the whole window.
 */
final class ScaleChild {

    /** Enough for a 10 s window at 2.5 µs per round trip; beyond it round trips are counted, not kept. */
    private static final int MAX_SAMPLES = 4_000_000;

    private ScaleChild() {}

    static void run(Workload w) throws Exception {
        IncomingInvitation invitation = IncomingInvitation.accept(
                IncomingInvitation.Options.DEFAULT.exitWhenParentDies(1));
        MessagePipe pipe = invitation.extractMessagePipe(SwitchboardSeries.PIPE);
        // The broker starts everyone once all N children have accepted, and lets everyone go once
        // all are warm: both wait on the slowest of N JVMs sharing the machine.
        Duration phase = ScaleBroker.phaseTimeout(w.children());
        expect(pipe, ScaleBroker.START, phase);
        byte[] ping = new byte[w.sizes().get(0)];
        Arrays.fill(ping, (byte) 'x');
        ping[0] = ScaleBroker.PING;
        for (int i = 0; i < w.warmup(); i++) {
            roundTrip(pipe, ping);
        }
        pipe.write(Message.of(new byte[] {ScaleBroker.WARM}));
        expect(pipe, ScaleBroker.GO, phase);

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

    private static void expect(MessagePipe pipe, byte tag, Duration timeout) throws Exception {
        try (Message m = pipe.read(timeout)) {
            if (m == null || m.bytes().length == 0 || m.bytes()[0] != tag) {
                throw new IOException("no '" + (char) tag + "' message from the broker within " + timeout);
            }
        }
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
