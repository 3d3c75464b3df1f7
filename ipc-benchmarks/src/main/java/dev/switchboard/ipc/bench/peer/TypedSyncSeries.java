package dev.switchboard.ipc.bench.peer;

import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PlatformChannel;
import dev.switchboard.ipc.bench.peer.BenchMessages.ProbeCall;
import dev.switchboard.ipc.broker.ChildProcess;
import dev.switchboard.ipc.broker.ChildProcessLauncher;
import dev.switchboard.ipc.broker.IncomingInvitation;
import dev.switchboard.ipc.broker.OutgoingInvitation;
import dev.switchboard.ipc.typed.IpcChannel;
import dev.switchboard.ipc.typed.MessageMap;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * (g) A typed sync call, and the raw pipe it is built on, measured in the same two processes.
 * The invitation carries two pipes: "bench", answered by the same echo loop as
 * {@link SwitchboardSeries} on a thread of the child, and "typed", wrapped in an
 * {@link IpcChannel} on each side. The parent's measuring thread alternates blocks of
 * {@link #BLOCK} raw round trips ({@code write} then {@code read} of 64 bytes) and
 * {@link #BLOCK} typed calls ({@code sendSync(ProbeCall)}, answered with a {@link Probe} of the
 * same fields by a {@link MessageMap} handler that runs on the child's delivery thread,
 * {@link IpcChannel#DIRECT}, the documented choice for a handler that never blocks).
 * Interleaving puts both through the same machine state, JIT state and CPU placement, so their
 * difference is the typed layer's cost, not drift between two runs.
 *
 * <p>Samples: {@code rtt_ns@64} (typed) and {@code raw_rtt_ns@64} (raw).
 */
public final class TypedSyncSeries implements PeerSeries {

    static final String NAME = "typed-sync";
    static final String TYPED_PIPE = "typed";
    static final String RAW_SAMPLES = "raw_rtt_ns@";

    /** Round trips of one kind before switching to the other. */
    public static final int BLOCK = 250;

    private static final int SIZE = 64;
    private static final String THREAD = "typed-listener";

    /** Only round trips at the probe's pickled size are meaningful; {@link Probe} fixes the bytes. */
    static void requireProbeWorkload(String series, Workload w) {
        if (w.kind() != Workload.Kind.RTT || !w.sizes().equals(List.of(SIZE))) {
            throw new UnsupportedOperationException(series + " is measured for 64 B round trips only, not " + w);
        }
    }

    /** Parent side: launches the child, measures both kinds interleaved, and returns the samples. */
    static ResultFile measure(Workload w) throws Exception {
        requireProbeWorkload(NAME, w);
        try (Pair pair = Pair.open(w)) {
            byte[] buf = ParentLoops.payload(SIZE);
            for (int i = 0; i < w.warmup(); i++) {
                pair.raw.roundTrip(buf, SIZE);
                pair.typed.roundTrip(buf, SIZE);
            }
            long[] raw = new long[w.measured()];
            long[] typed = new long[w.measured()];
            for (int done = 0; done < w.measured(); done += BLOCK) {
                int n = Math.min(BLOCK, w.measured() - done);
                timeBlock(pair.raw, buf, raw, done, n);
                timeBlock(pair.typed, buf, typed, done, n);
            }
            return new ResultFile()
                    .samples("rtt_ns@" + SIZE, typed)
                    .samples(RAW_SAMPLES + SIZE, raw)
                    // read while both processes and all their threads are still alive
                    .info("affinity_parent", Affinity.ofSelf())
                    .info("affinity_child", Affinity.ofProcess(pair.child.pid()));
        }
    }

    private static void timeBlock(Link link, byte[] buf, long[] into, int from, int n) throws Exception {
        for (int i = from; i < from + n; i++) {
            long t0 = System.nanoTime();
            link.roundTrip(buf, SIZE);
            into[i] = System.nanoTime() - t0;
        }
    }

    @Override
    public Link open(Workload w, Path workDir) {
        throw new UnsupportedOperationException(NAME + " measures itself (see measure)");
    }

    @Override
    public void serve(Workload w, String address) throws Exception {
        IncomingInvitation invitation = IncomingInvitation.accept(
                IncomingInvitation.Options.DEFAULT.exitWhenParentDies(1));
        MessagePipe raw = invitation.extractMessagePipe(SwitchboardSeries.PIPE);
        MessagePipe typed = invitation.extractMessagePipe(TYPED_PIPE);
        CompletableFuture<Void> closed = new CompletableFuture<>();
        // the handler only builds a record from the request: it never blocks, so it runs on the
        // delivery thread, as a user would configure such a handler
        IpcChannel.over(typed, BenchMessages.TYPES, MessageMap.builder()
                .onSync(ProbeCall.class, c -> new Probe(c.seq(), c.tag(), c.values()))
                .onPeerClosed(() -> closed.complete(null))
                .unhandledError()
                .build(), IpcChannel.DIRECT);
        Thread echo = new Thread(() -> {
            try {
                ChildLoops.serve(new SwitchboardSeries.PipeLink(raw, null, null), w);
            } catch (Exception e) {
                e.printStackTrace();
                System.exit(1);
            }
        }, "raw-echo");
        echo.start();
        echo.join();
        closed.get(); // the parent is done
    }

    private static Thread daemon(Runnable r) {
        Thread t = new Thread(r, THREAD);
        t.setDaemon(true);
        return t;
    }

    /** The child, its raw pipe as a {@link Link}, and its typed channel as a {@link Link}. */
    private static final class Pair implements AutoCloseable {
        final ChildProcess child;
        final Link raw;
        final Link typed;
        final IpcChannel channel;
        final ExecutorService listenerThread;

        private Pair(ChildProcess child, Link raw, IpcChannel channel, ExecutorService listenerThread) {
            this.child = child;
            this.raw = raw;
            this.channel = channel;
            this.listenerThread = listenerThread;
            this.typed = new Link() {
                private int seq;

                @Override
                public void send(byte[] buf, int len) {
                    throw new UnsupportedOperationException("sync calls only");
                }

                @Override
                public void receive(byte[] buf, int len) {
                    throw new UnsupportedOperationException("sync calls only");
                }

                @Override
                public void roundTrip(byte[] buf, int len) throws IOException {
                    int s = ++seq;
                    Probe reply = channel.sendSync(ProbeCall.of(Probe.request(s)), SwitchboardSeries.WAIT);
                    if (reply.seq() != s || reply.values().size() != Probe.VALUE_COUNT) {
                        throw new IOException("call " + s + " was answered with " + reply);
                    }
                }

                @Override
                public long peerPid() {
                    return child.pid();
                }

                @Override
                public void close() {
                    channel.close();
                }
            };
        }

        static Pair open(Workload w) throws Exception {
            PlatformChannel pc = PlatformChannel.create();
            List<String> args = new ArrayList<>(List.of("child", NAME, "-"));
            args.addAll(w.toArgs());
            ChildProcess child = ChildProcessLauncher.forJava(PeerMain.class)
                    .args(args.toArray(String[]::new))
                    .passEndpoint(pc.takeRemoteEndpoint())
                    .start();
            OutgoingInvitation invitation = new OutgoingInvitation();
            MessagePipe raw = invitation.attachMessagePipe(SwitchboardSeries.PIPE);
            MessagePipe typed = invitation.attachMessagePipe(TYPED_PIPE);
            invitation.send(child, pc.takeLocalEndpoint(), error -> {
                System.err.println(NAME + ": " + error.kind() + ": " + error.reason());
                error.process().destroyForcibly();
            });
            ExecutorService listenerThread = Executors.newSingleThreadExecutor(TypedSyncSeries::daemon);
            // the parent only calls; nothing of the child's reaches its listener
            IpcChannel channel = IpcChannel.over(typed, BenchMessages.TYPES,
                    MessageMap.builder().unhandledError().build(), listenerThread);
            return new Pair(child, new SwitchboardSeries.PipeLink(raw, null, null), channel, listenerThread);
        }

        @Override
        public void close() throws Exception {
            raw.close();
            typed.close();
            listenerThread.shutdownNow();
            try {
                child.onExit().get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                child.destroyForcibly();
            }
        }
    }
}
