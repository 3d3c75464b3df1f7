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
 * (g) A typed sync call: the same launch, invitation and pipe as {@link SwitchboardSeries}, each
 * end wrapped in an {@link IpcChannel}. The parent's measuring thread calls
 * {@code sendSync(ProbeCall)}; the child answers from a {@link MessageMap} handler on a
 * single-thread executor of its own (the listener thread an application would have) with a
 * {@link Probe} of the same fields. Both sides pickle and decode records on every call.
 */
final class TypedSyncSeries implements PeerSeries {

    static final String NAME = "typed-sync";

    private static final String THREAD = "typed-listener";

    /** Only round trips at the probe's pickled size are meaningful; {@link Probe} fixes the bytes. */
    static void requireProbeWorkload(String series, Workload w) {
        if (w.kind() != Workload.Kind.RTT || !w.sizes().equals(List.of(64))) {
            throw new UnsupportedOperationException(series + " is measured for 64 B round trips only, not " + w);
        }
    }

    @Override
    public Link open(Workload w, Path workDir) throws Exception {
        requireProbeWorkload(NAME, w);
        PlatformChannel pc = PlatformChannel.create();
        List<String> args = new ArrayList<>(List.of("child", NAME, "-"));
        args.addAll(w.toArgs());
        ChildProcess child = ChildProcessLauncher.forJava(PeerMain.class)
                .args(args.toArray(String[]::new))
                .passEndpoint(pc.takeRemoteEndpoint())
                .start();
        OutgoingInvitation invitation = new OutgoingInvitation();
        MessagePipe pipe = invitation.attachMessagePipe(SwitchboardSeries.PIPE);
        invitation.send(child, pc.takeLocalEndpoint(), error -> {
            System.err.println(NAME + ": " + error.kind() + ": " + error.reason());
            error.process().destroyForcibly();
        });
        ExecutorService listenerThread = Executors.newSingleThreadExecutor(TypedSyncSeries::daemon);
        // the parent only calls; nothing of the child's reaches its listener
        IpcChannel channel = IpcChannel.over(pipe, BenchMessages.TYPES, MessageMap.builder().unhandledError().build(),
                listenerThread);
        return new Link() {
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
            public void close() throws Exception {
                channel.close();
                listenerThread.shutdownNow();
                try {
                    child.onExit().get(10, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    child.destroyForcibly();
                }
            }
        };
    }

    @Override
    public void serve(Workload w, String address) throws Exception {
        IncomingInvitation invitation = IncomingInvitation.accept(
                IncomingInvitation.Options.DEFAULT.exitWhenParentDies(1));
        MessagePipe pipe = invitation.extractMessagePipe(SwitchboardSeries.PIPE);
        CompletableFuture<Void> closed = new CompletableFuture<>();
        ExecutorService listenerThread = Executors.newSingleThreadExecutor(TypedSyncSeries::daemon);
        IpcChannel.over(pipe, BenchMessages.TYPES, MessageMap.builder()
                .onSync(ProbeCall.class, c -> new Probe(c.seq(), c.tag(), c.values()))
                .onPeerClosed(() -> closed.complete(null))
                .unhandledError()
                .build(), listenerThread);
        closed.get(); // the parent is done
    }

    private static Thread daemon(Runnable r) {
        Thread t = new Thread(r, THREAD);
        t.setDaemon(true);
        return t;
    }
}
