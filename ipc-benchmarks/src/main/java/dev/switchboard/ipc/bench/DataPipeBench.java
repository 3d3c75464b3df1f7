package dev.switchboard.ipc.bench;

import dev.switchboard.ipc.DataPipe;
import dev.switchboard.ipc.DataPipeConsumer;
import dev.switchboard.ipc.DataPipeProducer;
import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PlatformChannel;
import dev.switchboard.ipc.SharedBuffer;
import dev.switchboard.ipc.SharedMapping;
import dev.switchboard.ipc.broker.ChildProcess;
import dev.switchboard.ipc.broker.ChildProcessLauncher;
import dev.switchboard.ipc.broker.IncomingInvitation;
import dev.switchboard.ipc.broker.OutgoingInvitation;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.Executors;

/**
 * 16 MiB from this process to a child JVM, by four routes: a data pipe (copied in, copied out),
 * a SharedBuffer handle per transfer (copied in, mapped and copied out by the child), messages of
 * 1 MiB over the socket, and, as the ceiling, a memcpy of 16 MiB within one process. Prints GiB/s
 * (median of the rounds). Not part of the benchmark report; run by hand:
 *
 * <pre>
 *   java -cp ... dev.switchboard.ipc.bench.DataPipeBench [ROUNDS] [ROUTES]
 * </pre>
 *
 * ROUTES is a comma list of memcpy, datapipe, shared, messages (default: all). Each round ends
 * when the child has every byte and says so, so a round measures delivery, not just sending.
 */
public final class DataPipeBench {

    private static final int SIZE = 16 << 20;
    private static final int RING = 1 << 20;
    private static final int MESSAGE = 1 << 20;
    private static final Duration LONG = Duration.ofMinutes(5);

    private DataPipeBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("child")) {
            child();
            return;
        }
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        String routes = args.length > 1 ? args[1] : "memcpy,datapipe,shared,messages";
        byte[] payload = new byte[SIZE];
        new Random(1).nextBytes(payload);
        if (routes.contains("memcpy")) {
            report("memcpy (one process, direct to direct)", memcpy(payload, rounds));
        }
        PlatformChannel channel = PlatformChannel.create();
        ChildProcess child = ChildProcessLauncher.forJava(DataPipeBench.class)
                .jvmOptions("-Xmx512m")
                .passEndpoint(channel.takeRemoteEndpoint())
                .args("child")
                .start();
        OutgoingInvitation inv = new OutgoingInvitation();
        MessagePipe control = inv.attachMessagePipe("control");
        inv.send(child, channel.takeLocalEndpoint(), e -> System.err.println("child error: " + e),
                Executors.newSingleThreadExecutor());
        try {
            if (routes.contains("datapipe")) {
                report("data pipe (1 MiB ring)", dataPipe(control, payload, rounds));
            }
            if (routes.contains("shared")) {
                report("SharedBuffer handle per transfer", sharedBuffer(control, payload, rounds));
            }
            if (routes.contains("messages")) {
                report("messages of 1 MiB over the socket", messages(control, payload, rounds));
            }
        } finally {
            control.close();
            child.onExit().get();
        }
    }

    private static void report(String route, double[] seconds) {
        Arrays.sort(seconds);
        double median = seconds[seconds.length / 2];
        double gib = SIZE / (double) (1L << 30);
        System.out.printf("%-40s median %7.2f GiB/s   best %7.2f GiB/s   (%d rounds of 16 MiB)%n",
                route, gib / median, gib / seconds[0], seconds.length);
    }

    private static double[] memcpy(byte[] payload, int rounds) {
        ByteBuffer from = ByteBuffer.allocateDirect(SIZE).put(payload).flip();
        ByteBuffer to = ByteBuffer.allocateDirect(SIZE);
        double[] t = new double[rounds];
        for (int r = -3; r < rounds; r++) {
            long start = System.nanoTime();
            to.clear();
            to.put(from.duplicate());
            if (r >= 0) {
                t[r] = (System.nanoTime() - start) / 1e9;
            }
        }
        return t;
    }

    private static double[] dataPipe(MessagePipe control, byte[] payload, int rounds) throws Exception {
        DataPipe dp = DataPipe.create(1, RING);
        control.write(Message.of(("datapipe " + (rounds + 3)).getBytes(StandardCharsets.UTF_8), dp.consumer().transfer()));
        DataPipeProducer producer = dp.producer();
        double[] t = new double[rounds];
        for (int r = -3; r < rounds; r++) {
            long start = System.nanoTime();
            producer.writeFully(ByteBuffer.wrap(payload));
            awaitAck(control);
            if (r >= 0) {
                t[r] = (System.nanoTime() - start) / 1e9;
            }
        }
        producer.close();
        return t;
    }

    private static double[] sharedBuffer(MessagePipe control, byte[] payload, int rounds) throws Exception {
        control.write(Message.of(("shared " + (rounds + 3)).getBytes(StandardCharsets.UTF_8)));
        double[] t = new double[rounds];
        for (int r = -3; r < rounds; r++) {
            long start = System.nanoTime();
            SharedBuffer buffer = SharedBuffer.create(SIZE);
            try (SharedMapping m = buffer.map()) {
                m.buffer().put(payload);
            }
            control.write(Message.of(new byte[0], buffer.readOnlyCopy()));
            buffer.close();
            awaitAck(control);
            if (r >= 0) {
                t[r] = (System.nanoTime() - start) / 1e9;
            }
        }
        return t;
    }

    private static double[] messages(MessagePipe control, byte[] payload, int rounds) throws Exception {
        control.write(Message.of(("messages " + (rounds + 3)).getBytes(StandardCharsets.UTF_8)));
        double[] t = new double[rounds];
        for (int r = -3; r < rounds; r++) {
            long start = System.nanoTime();
            for (int at = 0; at < SIZE; at += MESSAGE) {
                control.write(Message.of(Arrays.copyOfRange(payload, at, at + MESSAGE)));
            }
            awaitAck(control);
            if (r >= 0) {
                t[r] = (System.nanoTime() - start) / 1e9;
            }
        }
        return t;
    }

    private static void awaitAck(MessagePipe control) throws InterruptedException {
        Message ack = control.read(LONG);
        if (ack == null) {
            throw new IllegalStateException("the child did not answer");
        }
        ack.close();
    }

    /** The child: for each route, receives and copies out 16 MiB per round, then acknowledges. */
    private static void child() throws Exception {
        MessagePipe control = IncomingInvitation.accept().extractMessagePipe("control");
        byte[] sink = new byte[SIZE];
        while (true) {
            Message m;
            try {
                m = control.read(LONG);
            } catch (RuntimeException closed) {
                return;
            }
            if (m == null) {
                return;
            }
            String[] command = new String(m.bytes(), StandardCharsets.UTF_8).split(" ");
            int rounds = Integer.parseInt(command[1]);
            switch (command[0]) {
                case "datapipe" -> {
                    DataPipeConsumer consumer = DataPipe.consumerFrom(m.takeSharedBuffer(0), m.takePipe(0));
                    for (int r = 0; r < rounds; r++) {
                        ByteBuffer dst = ByteBuffer.wrap(sink);
                        while (dst.hasRemaining()) {
                            consumer.read(dst, LONG);
                        }
                        control.write(Message.of(new byte[] {1}));
                    }
                    consumer.close();
                }
                case "shared" -> {
                    for (int r = 0; r < rounds; r++) {
                        try (Message carrier = control.read(LONG); SharedBuffer b = carrier.takeSharedBuffer(0);
                                SharedMapping map = b.map()) {
                            map.buffer().get(sink);
                        }
                        control.write(Message.of(new byte[] {1}));
                    }
                }
                case "messages" -> {
                    for (int r = 0; r < rounds; r++) {
                        for (int got = 0; got < SIZE; ) {
                            try (Message part = control.read(LONG)) {
                                byte[] b = part.bytes();
                                System.arraycopy(b, 0, sink, got, b.length);
                                got += b.length;
                            }
                        }
                        control.write(Message.of(new byte[] {1}));
                    }
                }
                default -> throw new IllegalArgumentException(command[0]);
            }
            m.close();
        }
    }
}
