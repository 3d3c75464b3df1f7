package dev.switchboard.ipc.bench;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PipeClosedException;
import dev.switchboard.ipc.PlatformChannel;
import dev.switchboard.ipc.SharedBuffer;
import dev.switchboard.ipc.SharedMapping;
import dev.switchboard.ipc.broker.ChildProcess;
import dev.switchboard.ipc.broker.ChildProcessLauncher;
import dev.switchboard.ipc.broker.IncomingInvitation;
import dev.switchboard.ipc.broker.OutgoingInvitation;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * 16 MiB from one process to another, three ways, in GiB/s (median of the timed rounds): in a
 * {@link SharedBuffer} (the parent copies its array into a mapping it keeps, sends a read-only
 * copy of the handle; the child maps it, copies the bytes out into an array of its own and
 * acknowledges), as the payload of one message over the socket (the child acknowledges once it
 * has the array), and a single-process copy of the same array ({@code System.arraycopy}), the
 * ceiling of either; and through one SharedBuffer that the child keeps mapped, each round a
 * one-byte message saying new bytes are there (what a ring or a data pipe does). Each round ends
 * when the parent has the child's one-byte acknowledgement, so every cross-process figure includes
 * one round trip.
 *
 * <pre>
 * java ... dev.switchboard.ipc.bench.SharedMemoryTransfer [rounds] [bytes]
 * </pre>
 *
 * Not part of the driver's report ({@code BenchMain}); its figures are printed only.
 */
public final class SharedMemoryTransfer {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final byte SHARED = 1;
    private static final byte BYTES = 2;
    /** The buffer to keep mapped for the KEPT rounds. */
    private static final byte KEEP = 3;
    /** New bytes are in the kept buffer. */
    private static final byte KEPT = 4;

    private SharedMemoryTransfer() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("child")) {
            child();
            return;
        }
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 16 << 20;
        byte[] data = new byte[size];
        new java.util.Random(42).nextBytes(data);

        double memcpy = memcpy(data, rounds);
        PlatformChannel channel = PlatformChannel.create();
        ChildProcess child = ChildProcessLauncher.forJava(SharedMemoryTransfer.class)
                .jvmOptions("-Xmx512m")
                .args("child")
                .passEndpoint(channel.takeRemoteEndpoint())
                .start();
        OutgoingInvitation invitation = new OutgoingInvitation();
        MessagePipe pipe = invitation.attachMessagePipe("bench");
        invitation.send(child, channel.takeLocalEndpoint(), e -> System.err.println("child: " + e));
        double shared;
        double kept;
        double socket;
        try (SharedBuffer buf = SharedBuffer.create(size); SharedMapping writer = buf.map()) {
            shared = rounds(rounds, size, () -> {
                writer.buffer().put(data);
                pipe.write(Message.of(new byte[] {SHARED}, buf.readOnlyCopy()));
                ack(pipe);
            });
            pipe.write(Message.of(new byte[] {KEEP}, buf.readOnlyCopy()));
            ack(pipe);
            kept = rounds(rounds, size, () -> {
                writer.buffer().put(data);
                pipe.write(Message.of(new byte[] {KEPT}));
                ack(pipe);
            });
            socket = rounds(rounds, size, () -> {
                byte[] payload = new byte[size + 1];
                payload[0] = BYTES;
                System.arraycopy(data, 0, payload, 1, size); // the message owns its array: one copy, as an application makes
                pipe.write(Message.of(payload));
                ack(pipe);
            });
        }
        pipe.close();
        child.onExit().get(30, TimeUnit.SECONDS);
        System.out.printf(Locale.ROOT, "%d bytes, %d timed rounds each (after as many untimed), median GiB/s:%n", size, rounds);
        System.out.printf(Locale.ROOT, "  single-process memcpy       %8.2f%n", memcpy);
        System.out.printf(Locale.ROOT, "  SharedBuffer handle per 16 MiB %5.2f  (%.0f%% of memcpy, %.1fx the socket; the child maps each one afresh)%n",
                shared, 100 * shared / memcpy, shared / socket);
        System.out.printf(Locale.ROOT, "  SharedBuffer kept mapped    %8.2f  (%.0f%% of memcpy, %.1fx the socket; one handle, a 1-byte message per 16 MiB)%n",
                kept, 100 * kept / memcpy, kept / socket);
        System.out.printf(Locale.ROOT, "  message over the socket     %8.2f%n", socket);
        System.exit(0);
    }

    private interface Round {
        void run() throws Exception;
    }

    /** Median GiB/s of {@code n} timed rounds after {@code n} untimed ones. */
    private static double rounds(int n, int size, Round round) throws Exception {
        for (int i = 0; i < n; i++) {
            round.run();
        }
        double[] gibs = new double[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            round.run();
            gibs[i] = size / ((System.nanoTime() - t0) / 1e9) / (1L << 30);
        }
        Arrays.sort(gibs);
        return gibs[n / 2];
    }

    private static double memcpy(byte[] data, int n) throws Exception {
        byte[] into = new byte[data.length];
        return rounds(n, data.length, () -> System.arraycopy(data, 0, into, 0, data.length));
    }

    private static void ack(MessagePipe pipe) throws IOException, InterruptedException {
        try (Message m = pipe.read(WAIT)) {
            if (m == null) {
                throw new IOException("no acknowledgement within " + WAIT);
            }
        }
    }

    /** Receives each transfer, gets the bytes into an array of its own, acknowledges. */
    private static void child() throws Exception {
        MessagePipe pipe = IncomingInvitation.accept().extractMessagePipe("bench");
        byte[] into = null;
        SharedBuffer keptBuffer = null;
        SharedMapping keptMap = null;
        try {
            while (true) {
                try (Message m = pipe.read(WAIT)) {
                    if (m == null) {
                        return;
                    }
                    if (m.bytes()[0] == KEEP) {
                        keptBuffer = m.takeSharedBuffer(0);
                        keptMap = keptBuffer.map();
                    } else if (m.bytes()[0] == KEPT) {
                        ByteBuffer view = keptMap.buffer();
                        if (into == null || into.length != view.capacity()) {
                            into = new byte[view.capacity()];
                        }
                        view.get(into);
                    } else if (m.bytes()[0] == SHARED) {
                        try (SharedBuffer b = m.takeSharedBuffer(0); SharedMapping map = b.map()) {
                            ByteBuffer view = map.buffer();
                            if (into == null || into.length != view.capacity()) {
                                into = new byte[view.capacity()];
                            }
                            view.get(into);
                        }
                    }
                    pipe.write(Message.of(new byte[] {1}));
                }
            }
        } catch (PipeClosedException done) {
            // the parent is finished
        } finally {
            if (keptMap != null) {
                keptMap.close();
                keptBuffer.close();
            }
        }
    }
}
