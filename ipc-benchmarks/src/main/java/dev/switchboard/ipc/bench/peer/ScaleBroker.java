package dev.switchboard.ipc.bench.peer;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PlatformChannel;
import dev.switchboard.ipc.broker.ChildProcess;
import dev.switchboard.ipc.broker.ChildProcessLauncher;
import dev.switchboard.ipc.broker.OutgoingInvitation;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * N children on one broker. The broker is this process: it launches and invites N child JVMs and
 * answers every ping with a {@link MessagePipe.Listener} on one small shared executor, so the
 * thread count it reports is what Switchboard needs, not what the benchmark added per child.
 * Each child ({@link ScaleChild}) ping-pongs for the same window, times its own round trips and
 * sends them back at the end.
 *
 * <p>Message tags (first payload byte): {@code S} start warming up (broker to child), {@code P}
 * ping and its echo, {@code W} warm (child to broker), {@code G} go: start the timed window (broker
 * to child, once every child is warm), {@code R} the child's results.
 */
final class ScaleBroker {

    static final String NAME = PeerMain.SCALE;
    static final byte START = 'S';
    static final byte PING = 'P';
    static final byte WARM = 'W';
    static final byte GO = 'G';
    static final byte RESULTS = 'R';

    /** As many echo threads as the machine has cores: a fixed number, whatever N is. */
    private static final int ECHO_THREADS = 2;

    private ScaleBroker() {}

    /** How long one phase (all accepted, all warm) may take: N JVMs share the machine. */
    static Duration phaseTimeout(int children) {
        return SwitchboardSeries.WAIT.plusSeconds(5L * children);
    }

    static ResultFile measure(Workload w, Path workDir) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        int threadsBefore = threads.getThreadCount();
        long rssBefore = procStatusKb("VmRSS");

        AtomicInteger echoThreadIds = new AtomicInteger();
        ExecutorService echo = Executors.newFixedThreadPool(ECHO_THREADS, r -> {
            Thread t = new Thread(r, "broker-echo-" + echoThreadIds.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        int n = w.children();
        Queue<long[]> results = new ConcurrentLinkedQueue<>();
        CountDownLatch warm = new CountDownLatch(n);
        CountDownLatch done = new CountDownLatch(n);
        List<ChildProcess> children = new ArrayList<>();
        List<MessagePipe> pipes = new ArrayList<>();
        List<OutgoingInvitation> invitations = new ArrayList<>();
        List<String> args = new ArrayList<>(List.of("child", NAME, "-"));
        args.addAll(w.toArgs());
        for (int i = 0; i < n; i++) {
            PlatformChannel channel = PlatformChannel.create();
            // small heaps and one GC thread: 64 JVMs must fit next to each other on a small machine
            ChildProcess child = ChildProcessLauncher.forJava(PeerMain.class)
                    .jvmOptions("-Xmx64m", "-XX:+UseSerialGC")
                    .args(args.toArray(String[]::new))
                    .passEndpoint(channel.takeRemoteEndpoint())
                    .start();
            OutgoingInvitation invitation = new OutgoingInvitation();
            MessagePipe pipe = invitation.attachMessagePipe(SwitchboardSeries.PIPE);
            invitation.send(child, channel.takeLocalEndpoint(), error -> {
                System.err.println("switchboard: child " + error.process() + ": " + error.kind() + ": " + error.reason());
                error.process().destroyForcibly();
            });
            pipe.setListener(echo, (p, m) -> {
                try (m) {
                    byte[] b = m.bytes();
                    if (b.length > 0 && b[0] == PING) {
                        p.write(Message.of(b));
                    } else if (b.length > 0 && b[0] == WARM) {
                        warm.countDown();
                    } else if (b.length > 0 && b[0] == RESULTS) {
                        results.add(decode(b));
                        done.countDown();
                    }
                }
            });
            children.add(child);
            pipes.add(pipe);
            invitations.add(invitation);
        }
        for (OutgoingInvitation invitation : invitations) {
            invitation.accepted().get(phaseTimeout(n).toSeconds(), TimeUnit.SECONDS);
        }

        threads.resetPeakThreadCount();
        for (MessagePipe pipe : pipes) {
            pipe.write(Message.of(new byte[] {START}));
        }
        if (!warm.await(phaseTimeout(n).toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IOException((n - warm.getCount()) + " of " + n + " children warmed up within " + phaseTimeout(n));
        }
        for (MessagePipe pipe : pipes) {
            pipe.write(Message.of(new byte[] {GO}));
        }
        long budget = w.windowMillis() + SwitchboardSeries.WAIT.toMillis();
        if (!done.await(budget, TimeUnit.MILLISECONDS)) {
            throw new IOException((n - done.getCount()) + " of " + n + " children reported within " + budget + " ms");
        }
        int threadsPeak = threads.getPeakThreadCount();
        long rss = procStatusKb("VmRSS");
        long hwm = procStatusKb("VmHWM");
        String childAffinity = Affinity.ofProcess(children.get(0).pid());

        double rate = 0;
        long roundTrips = 0;
        int total = 0;
        for (long[] r : results) {
            roundTrips += r[0];
            rate += r[0] * 1e9 / r[1];
            total += r.length - 2;
        }
        long[] merged = new long[total];
        int at = 0;
        for (long[] r : results) {
            System.arraycopy(r, 2, merged, at, r.length - 2);
            at += r.length - 2;
        }

        for (MessagePipe pipe : pipes) {
            pipe.close();
        }
        for (ChildProcess child : children) {
            try {
                child.onExit().get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                child.destroyForcibly();
            }
        }
        echo.shutdownNow();
        return new ResultFile()
                .info("affinity_parent", Affinity.ofSelf())
                .info("affinity_child", childAffinity)
                .info("children", n)
                .info("roundtrips", roundTrips)
                .info("roundtrips_per_s", rate)
                .info("broker_threads_before", threadsBefore)
                .info("broker_threads_peak", threadsPeak)
                .info("broker_rss_kb_before", rssBefore)
                .info("broker_rss_kb", rss)
                .info("broker_hwm_kb", hwm)
                .samples("rtt_ns@" + w.sizes().get(0), merged);
    }

    /** {@code R}, 7 bytes padding, round trips, window ns, then the recorded samples. */
    static byte[] encode(long roundTrips, long windowNanos, long[] samples, int count) {
        ByteBuffer b = ByteBuffer.allocate(8 + 16 + 8 * count);
        b.put(RESULTS).position(8);
        b.putLong(roundTrips).putLong(windowNanos);
        for (int i = 0; i < count; i++) {
            b.putLong(samples[i]);
        }
        return b.array();
    }

    /** @return round trips, window ns, samples... */
    private static long[] decode(byte[] message) {
        ByteBuffer b = ByteBuffer.wrap(message).position(8);
        long[] r = new long[b.remaining() / 8];
        for (int i = 0; i < r.length; i++) {
            r[i] = b.getLong();
        }
        return r;
    }

    private static long procStatusKb(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
            }
        }
        return -1;
    }
}
