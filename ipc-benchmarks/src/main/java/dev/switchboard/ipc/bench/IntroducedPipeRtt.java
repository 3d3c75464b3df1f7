package dev.switchboard.ipc.bench;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PipeClosedException;
import dev.switchboard.ipc.PlatformChannel;
import dev.switchboard.ipc.broker.ChildProcess;
import dev.switchboard.ipc.broker.ChildProcessLauncher;
import dev.switchboard.ipc.broker.IncomingInvitation;
import dev.switchboard.ipc.broker.OutgoingInvitation;
import dev.switchboard.ipc.node.NodeController;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * 64 B round trips over a pipe between two children that the broker introduced to each other,
 * against round trips over a parent↔child invitation pipe, with N children connected to the
 * broker. Run it under {@code taskset -c 0} for the pinned figures (children inherit the mask):
 *
 * <pre>
 * java -cp ipc-benchmarks/target/switchboard-benchmarks.jar dev.switchboard.ipc.bench.IntroducedPipeRtt [children] [round trips]
 * </pre>
 *
 * <p>The parent creates a pipe and sends one end to child A and the other to child B; A then
 * pings B. After warm-up, the broker's relayed-message counter shows that A↔B traffic no longer
 * passes through it. Child A then pings the parent over its own invitation pipe, the same way.
 */
public final class IntroducedPipeRtt {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String CONTROL = "control";

    private IntroducedPipeRtt() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("child")) {
            child(Integer.parseInt(args[1]));
            return;
        }
        int children = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int roundTrips = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        if (children < 2) {
            throw new IllegalArgumentException("needs at least the two children A and B");
        }
        List<ChildProcess> procs = new ArrayList<>();
        List<MessagePipe> controls = new ArrayList<>();
        for (int i = 0; i < children; i++) {
            PlatformChannel channel = PlatformChannel.create();
            ChildProcess child = ChildProcessLauncher.forJava(IntroducedPipeRtt.class)
                    .jvmOptions("-Xmx64m", "-XX:+UseSerialGC")
                    .args("child", Integer.toString(roundTrips))
                    .passEndpoint(channel.takeRemoteEndpoint())
                    .start();
            OutgoingInvitation invitation = new OutgoingInvitation();
            controls.add(invitation.attachMessagePipe(CONTROL));
            invitation.send(child, channel.takeLocalEndpoint(), error -> {
                System.err.println("child " + error.process() + ": " + error.kind() + ": " + error.reason());
                error.process().destroyForcibly();
            });
            procs.add(child);
        }
        MessagePipe toA = controls.get(0);
        MessagePipe toB = controls.get(1);
        MessagePipe.Pair ab = MessagePipe.create();
        toB.write(Message.of(new byte[] {'E'}, ab.end1()));   // B: echo on this end
        long relayedBefore = NodeController.get().stats().userMessagesRelayed();
        toA.write(Message.of(new byte[] {'P'}, ab.end0()));   // A: ping on this end, then report
        long[] introduced = decode(read(toA));
        long relayedDuring = NodeController.get().stats().userMessagesRelayed() - relayedBefore;

        toA.write(Message.of(new byte[] {'Q'}));              // A: ping the parent on the control pipe
        long[] parent = echoUntilReport(toA);

        String mask = allowedCpus();
        System.out.printf("children connected: %d; CPUs allowed: %s; %d timed round trips each, after as many untimed%n",
                children, mask, roundTrips);
        System.out.printf("introduced A<->B pipe: p50 %.1f us, p99 %.1f us (broker relayed %d of %d messages)%n",
                pct(introduced, 50), pct(introduced, 99), relayedDuring, 4L * roundTrips);
        System.out.printf("parent<->child pipe:   p50 %.1f us, p99 %.1f us%n", pct(parent, 50), pct(parent, 99));
        System.out.printf("broker threads: %d%n", ManagementFactory.getThreadMXBean().getThreadCount());
        for (MessagePipe c : controls) {
            c.close();
        }
        for (ChildProcess p : procs) {
            try {
                p.onExit().get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                p.destroyForcibly();
            }
        }
    }

    private static long[] echoUntilReport(MessagePipe pipe) throws Exception {
        while (true) {
            Message m = read(pipe);
            try (m) {
                if (m.bytes()[0] == 'R') {
                    return decode(m);
                }
                pipe.write(Message.of(m.bytes()));
            }
        }
    }

    private static void child(int roundTrips) throws Exception {
        IncomingInvitation invitation = IncomingInvitation.accept(IncomingInvitation.Options.DEFAULT.exitWhenParentDies(1));
        MessagePipe control = invitation.extractMessagePipe(CONTROL);
        while (true) {
            Message m;
            try {
                m = control.read(Duration.ofMinutes(10));
            } catch (PipeClosedException done) {
                return; // the parent has its figures
            }
            if (m == null) {
                return;
            }
            try (m) {
                switch (m.bytes()[0]) {
                    case 'E' -> {
                        MessagePipe end = m.takePipe(0);
                        Thread t = new Thread(() -> echo(end), "echo");
                        t.setDaemon(true);
                        t.start();
                    }
                    case 'P' -> control.write(Message.of(encode(ping(m.takePipe(0), roundTrips))));
                    case 'Q' -> control.write(Message.of(encode(ping(control, roundTrips))));
                    default -> throw new IOException("unknown command " + m.bytes()[0]);
                }
            }
        }
    }

    private static void echo(MessagePipe end) {
        try {
            while (true) {
                Message m = end.read(Duration.ofMinutes(10));
                if (m == null) {
                    return;
                }
                try (m) {
                    end.write(Message.of(m.bytes()));
                }
            }
        } catch (Exception closed) {
            // the other end is gone: done
        }
    }

    private static long[] ping(MessagePipe pipe, int roundTrips) throws Exception {
        byte[] payload = new byte[64];
        Arrays.fill(payload, (byte) 'x');
        long[] ns = new long[roundTrips];
        for (int i = 0; i < 2 * roundTrips; i++) {
            long t0 = System.nanoTime();
            pipe.write(Message.of(payload));
            read(pipe).close();
            if (i >= roundTrips) {
                ns[i - roundTrips] = System.nanoTime() - t0;
            }
        }
        return ns;
    }

    private static Message read(MessagePipe pipe) throws Exception {
        Message m = pipe.read(WAIT);
        if (m == null) {
            throw new IOException("nothing on " + pipe + " within " + WAIT);
        }
        return m;
    }

    private static byte[] encode(long[] ns) {
        ByteBuffer b = ByteBuffer.allocate(1 + 8 * ns.length);
        b.put((byte) 'R');
        for (long n : ns) {
            b.putLong(n);
        }
        return b.array();
    }

    private static long[] decode(Message m) {
        try (m) {
            ByteBuffer b = ByteBuffer.wrap(m.bytes());
            b.get();
            long[] ns = new long[b.remaining() / 8];
            for (int i = 0; i < ns.length; i++) {
                ns[i] = b.getLong();
            }
            return ns;
        }
    }

    private static double pct(long[] ns, int p) {
        long[] s = ns.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)] / 1000.0;
    }

    /** The CPUs this process may run on, as the kernel reports them. */
    private static String allowedCpus() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Cpus_allowed_list:")) {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        return "unknown";
    }
}
