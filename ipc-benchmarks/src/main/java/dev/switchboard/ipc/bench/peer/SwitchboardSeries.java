package dev.switchboard.ipc.bench.peer;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PipeClosedException;
import dev.switchboard.ipc.PlatformChannel;
import dev.switchboard.ipc.PlatformHandle;
import dev.switchboard.ipc.broker.ChildProcess;
import dev.switchboard.ipc.broker.ChildProcessLauncher;
import dev.switchboard.ipc.broker.IncomingInvitation;
import dev.switchboard.ipc.broker.OutgoingInvitation;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * (a) Switchboard: one message pipe of an invitation, through the public API only, exactly as an
 * application would use it. The child is started by {@link ChildProcessLauncher} with the
 * channel in fd 3.
 */
final class SwitchboardSeries implements PeerSeries {

    static final String NAME = "switchboard";
    static final String PIPE = "bench";

    /**
     * Generous (a pinned, loaded machine can stall a JVM for seconds) but short enough that a
     * lost message costs a quick run little: the run then fails with this as its reason.
     */
    static final Duration WAIT = Duration.ofSeconds(20);

    private static final byte[] ONE_BYTE = {'F'};

    @Override
    public Link open(Workload w, Path workDir) throws Exception {
        PlatformChannel channel = PlatformChannel.create();
        List<String> args = new ArrayList<>(List.of("child", NAME, "-"));
        args.addAll(w.toArgs());
        ChildProcess child = ChildProcessLauncher.forJava(PeerMain.class)
                .args(args.toArray(String[]::new))
                .passEndpoint(channel.takeRemoteEndpoint())
                .start();
        OutgoingInvitation invitation = new OutgoingInvitation();
        MessagePipe pipe = invitation.attachMessagePipe(PIPE);
        invitation.send(child, channel.takeLocalEndpoint(), error -> {
            System.err.println("switchboard: " + error.kind() + ": " + error.reason());
            error.process().destroyForcibly();
        });
        FileInputStream devNull = w.kind() == Workload.Kind.FDS ? new FileInputStream("/dev/null") : null;
        return new PipeLink(pipe, child, devNull);
    }

    @Override
    public void serve(Workload w, String address) throws Exception {
        IncomingInvitation invitation = IncomingInvitation.accept(
                IncomingInvitation.Options.DEFAULT.exitWhenParentDies(1));
        MessagePipe pipe = invitation.extractMessagePipe(PIPE);
        ChildLoops.serve(new PipeLink(pipe, null, null), w);
        awaitPeerClosed(pipe);
    }

    /** Stay alive (for the parent's /proc checks) until the parent closes the pipe. */
    static void awaitPeerClosed(MessagePipe pipe) throws InterruptedException {
        try {
            while (true) {
                Message m = pipe.read(Duration.ofMinutes(10));
                if (m != null) {
                    m.close();
                }
            }
        } catch (PipeClosedException e) {
            // the parent is done
        }
    }

    /**
     * Sending wraps the caller's array without copying (Message.of does not copy); receiving
     * checks the size and drops the message, since no benchmark looks at the bytes. A stream
     * link must copy into the caller's array instead: that copy is part of what a stream costs.
     */
    static final class PipeLink implements Link {
        private final MessagePipe pipe;
        private final ChildProcess child;
        private final FileInputStream devNull;

        PipeLink(MessagePipe pipe, ChildProcess child, FileInputStream devNull) {
            this.pipe = pipe;
            this.child = child;
            this.devNull = devNull;
        }

        @Override
        public void send(byte[] buf, int len) {
            pipe.write(Message.of(len == buf.length ? buf : Arrays.copyOf(buf, len)));
        }

        @Override
        public void receive(byte[] buf, int len) throws IOException, InterruptedException {
            try (Message m = next()) {
                if (m.bytes().length != len) {
                    throw new IOException("expected " + len + " bytes, got " + m.bytes().length);
                }
            }
        }

        @Override
        public void sendDescriptor() throws IOException {
            // the pipe takes ownership of what it sends, so each message needs its own descriptor
            pipe.write(Message.of(ONE_BYTE, PlatformHandle.duplicateOf(devNull.getFD())));
        }

        @Override
        public void receiveDescriptor() throws IOException, InterruptedException {
            try (Message m = next()) {
                if (m.handleCount() != 1) {
                    throw new IOException("expected one descriptor, got " + m.handleCount());
                }
            } // closing the message closes the descriptor
        }

        private Message next() throws IOException, InterruptedException {
            Message m = pipe.read(WAIT);
            if (m == null) {
                throw new IOException("nothing arrived on '" + PIPE + "' within " + WAIT);
            }
            return m;
        }

        @Override
        public long peerPid() {
            return child == null ? -1 : child.pid();
        }

        @Override
        public void close() throws Exception {
            pipe.close();
            if (devNull != null) {
                devNull.close();
            }
            if (child != null) {
                try {
                    child.onExit().get(10, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    child.destroyForcibly();
                }
            }
        }
    }
}
