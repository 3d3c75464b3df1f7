package dev.switchboard.ipc.broker;

import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.NamedPlatformChannel;
import dev.switchboard.ipc.PlatformChannelEndpoint;
import dev.switchboard.ipc.node.ClientSink;
import dev.switchboard.ipc.node.NodeChannel;
import dev.switchboard.ipc.node.NodeController;
import dev.switchboard.ipc.ports.PortRef;
import dev.switchboard.ipc.spi.CloseReason;
import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.FrameCodec;
import dev.switchboard.ipc.wire.Id128;
import dev.switchboard.ipc.wire.Limits;
import dev.switchboard.ipc.wire.ProtocolException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Invites a process into this process's graph: attach named message pipes, then send the
 * invitation over the parent's channel endpoint. Each attach returns this process's end at once;
 * writes made before the child accepts wait and are delivered in order.
 *
 * <pre>{@code
 * OutgoingInvitation invitation = new OutgoingInvitation();
 * MessagePipe control = invitation.attachMessagePipe("control");
 * invitation.send(child, channel.takeLocalEndpoint(), error -> error.process().destroyForcibly());
 * control.write(Message.of(bytes));
 * }</pre>
 *
 * If the child dies or disconnects, every pipe whose other end was there reports peer-closed and
 * the error handler is called. A process that itself joined a graph through an invitation puts
 * the processes it invites into that same graph (its broker adopts them). An invitation is sent
 * once.
 */
public final class OutgoingInvitation {

    private static final Logger log = LoggerFactory.getLogger(OutgoingInvitation.class);

    private record Attached(String name, PortRef port, MessagePipe pipe) {}

    private final NodeController controller = NodeController.get();
    private final Map<String, Attached> pipes = new LinkedHashMap<>();
    private final CompletableFuture<Id128> accepted = new CompletableFuture<>();
    private final Id128 token = Id128.random();
    private Limits limits = Limits.DEFAULT;
    private boolean untrusted;
    private boolean sent;

    /**
     * Attaches a new pipe under {@code name} and returns this process's end of it. Writes to it
     * wait in order until the child accepts.
     *
     * @param name the name the child extracts it by
     * @return this process's end; the caller owns and closes it
     * @throws IllegalArgumentException when the name is malformed or already attached
     * @throws IllegalStateException when the invitation was sent or has the most pipes it can carry
     */
    public synchronized MessagePipe attachMessagePipe(String name) {
        FrameCodec.checkPipeName(name);
        if (sent) {
            throw new IllegalStateException("invitation already sent");
        }
        if (pipes.containsKey(name)) {
            throw new IllegalArgumentException("pipe '" + name + "' is already attached");
        }
        if (pipes.size() >= FrameBody.Invite.MAX_PIPES) {
            throw new IllegalStateException("an invitation carries at most " + FrameBody.Invite.MAX_PIPES + " pipes");
        }
        PortRef port = controller.node().createUninitializedPort();
        MessagePipe pipe = MessagePipe.forPendingPort(controller, port, name);
        pipes.put(name, new Attached(name, port, pipe));
        return pipe;
    }

    /**
     * Sets frame and message size limits for this child's channel (default 64 MiB payloads), and how
     * long the child has to accept ({@link Limits#handshakeTimeout()}). Until it has, the channel
     * accepts only {@link Limits#forHandshake()}: handshake-sized frames and no handles.
     *
     * @param limits the limits
     * @return this invitation
     * @throws IllegalStateException when the invitation was sent
     */
    public synchronized OutgoingInvitation limits(Limits limits) {
        if (sent) {
            throw new IllegalStateException("invitation already sent");
        }
        this.limits = Objects.requireNonNull(limits);
        return this;
    }

    /**
     * Marks the child untrusted: it may not send OS handles or pipe ends to this process, nor ask
     * to be introduced to a node it was never given a pipe to. Either is reported to the error
     * handler as {@link ProcessError.Kind#BAD_MESSAGE} and disconnects the child.
     *
     * @return this invitation
     * @throws IllegalStateException when the invitation was sent
     */
    public synchronized OutgoingInvitation untrustedProcess() {
        if (sent) {
            throw new IllegalStateException("invitation already sent");
        }
        untrusted = true;
        return this;
    }

    /**
     * Returns a future of the child's acceptance; completing it does not affect the invitation.
     *
     * @return completes with the child's node name once it has accepted; fails if the channel
     *     goes first
     */
    public CompletableFuture<Id128> accepted() {
        return accepted.copy();
    }

    /**
     * Sends the invitation over {@code endpoint}, which this call takes; errors are logged.
     *
     * @param child the process at the other end, or null if it was not launched by Switchboard
     * @param endpoint this process's end of the channel to the child
     * @throws IllegalStateException when the invitation was already sent
     */
    public void send(ChildProcess child, PlatformChannelEndpoint endpoint) {
        send(child, endpoint, null, DefaultExecutor.INSTANCE);
    }

    /**
     * Sends the invitation over {@code endpoint}, which this call takes.
     *
     * @param child the process at the other end, or null if it was not launched by Switchboard
     * @param endpoint this process's end of the channel to the child
     * @param onError called on a Switchboard callback thread when the child disconnects or
     *     misbehaves; may be null
     * @throws IllegalStateException when the invitation was already sent
     */
    public void send(ChildProcess child, PlatformChannelEndpoint endpoint, ProcessErrorHandler onError) {
        send(child, endpoint, onError, DefaultExecutor.INSTANCE);
    }

    /**
     * Sends the invitation over {@code endpoint}, which this call takes. Returns at once: success
     * means the invitation is on its way, not that the child accepted (see {@link #accepted()}).
     *
     * @param child the process at the other end, or null if it was not launched by Switchboard
     * @param endpoint this process's end of the channel to the child
     * @param onError called on {@code executor} when the child disconnects or misbehaves; may be null
     * @param executor runs {@code onError}
     * @throws IllegalStateException when the invitation was already sent
     */
    public void send(ChildProcess child, PlatformChannelEndpoint endpoint, ProcessErrorHandler onError, Executor executor) {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(executor, "executor");
        Handshake h = new Handshake(child, onError, executor, false);
        h.open(endpoint);
    }

    /**
     * Sends the invitation to the first process that connects to {@code channel} with its token
     * (see {@link NamedPlatformChannel}). Returns at once.
     *
     * @param child the process expected to connect, or null if it was not launched by Switchboard
     * @param channel the listening channel, still owned by the caller
     * @param onError called on {@code executor} when the child does not connect in time,
     *     disconnects or misbehaves; may be null
     * @param executor runs {@code onError}
     * @throws IllegalStateException when the invitation was already sent
     */
    public void send(ChildProcess child, NamedPlatformChannel channel, ProcessErrorHandler onError, Executor executor) {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(executor, "executor");
        Handshake h = new Handshake(child, onError, executor, false);
        h.openWhenConnected(channel);
    }

    /**
     * Connects a process that is not part of this graph (an unrelated program joining a running
     * service) with exactly one pipe; returns this process's end. The two processes do not share
     * a broker: pipe ends that travel over this link cannot be introduced onwards.
     *
     * @param child the process expected to connect, or null if it was not launched by Switchboard
     * @param channel the listening channel, still owned by the caller
     * @param onError called on {@code executor} when the process does not connect in time,
     *     disconnects or misbehaves; may be null
     * @param executor runs {@code onError}
     * @return this process's end of the one pipe; the caller owns and closes it
     */
    public static MessagePipe sendIsolated(ChildProcess child, NamedPlatformChannel channel, ProcessErrorHandler onError, Executor executor) {
        OutgoingInvitation inv = new OutgoingInvitation();
        MessagePipe pipe = inv.attachMessagePipe("isolated");
        Handshake h = inv.new Handshake(child, onError, executor, true);
        h.openWhenConnected(channel);
        return pipe;
    }

    /**
     * Connects a process that is not part of this graph with exactly one pipe, over a connected
     * endpoint the other process already has.
     *
     * @param endpoint this process's end of the channel, taken by this call
     * @param onError called on {@code executor} when the process disconnects or misbehaves; may be null
     * @param executor runs {@code onError}
     * @return this process's end of the one pipe; the caller owns and closes it
     */
    public static MessagePipe sendIsolated(PlatformChannelEndpoint endpoint, ProcessErrorHandler onError, Executor executor) {
        OutgoingInvitation inv = new OutgoingInvitation();
        MessagePipe pipe = inv.attachMessagePipe("isolated");
        Handshake h = inv.new Handshake(null, onError, executor, true);
        h.open(endpoint);
        return pipe;
    }

    private synchronized List<Attached> markSent() {
        if (sent) {
            throw new IllegalStateException("invitation already sent");
        }
        sent = true;
        return new ArrayList<>(pipes.values());
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    /** The inviter's half of the handshake, bound to one channel; then the child's error sink. */
    private final class Handshake implements NodeChannel.Handler, ClientSink {
        private final ChildProcess child;
        private final ProcessErrorHandler onError;
        private final Executor executor;
        private final boolean isolated;
        private final List<Attached> attached;
        /** As set when the invitation was sent; read on I/O threads, so never the mutable originals. */
        private final Limits limits;
        private final boolean untrusted;
        private volatile boolean reported;
        /** Set by whichever comes first: the child's ACCEPT or the handshake timeout. */
        private final AtomicBoolean settled = new AtomicBoolean();

        Handshake(ChildProcess child, ProcessErrorHandler onError, Executor executor, boolean isolated) {
            this.child = child;
            this.onError = onError;
            this.executor = executor;
            this.isolated = isolated;
            synchronized (OutgoingInvitation.this) {
                this.attached = markSent();
                this.limits = OutgoingInvitation.this.limits;
                this.untrusted = OutgoingInvitation.this.untrusted;
            }
        }

        void open(PlatformChannelEndpoint endpoint) {
            try {
                start(controller.openChannel(endpoint.takeHandle().release(), limits.forHandshake(), this));
            } catch (IOException | RuntimeException e) {
                fail(ProcessError.Kind.NOT_CONNECTED, "cannot open channel: " + e.getMessage());
            }
        }

        void openWhenConnected(NamedPlatformChannel channel) {
            channel.acceptOne().whenComplete((endpoint, error) -> {
                if (error != null) {
                    fail(ProcessError.Kind.NOT_CONNECTED, "no connection to " + channel.address() + ": " + rootMessage(error));
                } else {
                    open(endpoint);
                }
            });
        }

        private void start(NodeChannel channel) {
            List<FrameBody.PipeName> names = new ArrayList<>();
            for (Attached a : attached) {
                names.add(new FrameBody.PipeName(a.name(), a.port().name()));
            }
            Id128 broker = isolated ? new Id128(0, 0) : controller.brokerName();
            channel.send(new FrameBody.Invite(token, controller.name(), broker, isolated, names));
            Duration timeout = limits.handshakeTimeout();
            CompletableFuture.delayedExecutor(timeout.toNanos(), TimeUnit.NANOSECONDS).execute(() -> {
                if (settled.compareAndSet(false, true)) {
                    // A child that connects and never accepts would hold the channel for good.
                    fail(ProcessError.Kind.NOT_CONNECTED, "the child did not accept the invitation within " + timeout.toMillis() + " ms");
                    channel.close();
                }
            });
        }

        @Override
        public void onFrame(NodeChannel channel, FrameBody body, long[] handles) throws ProtocolException {
            try {
                onAccept(channel, body);
            } catch (ProtocolException | RuntimeException e) {
                // Once the child is registered the channel's close no longer comes here: settle the
                // invitation now, whatever went wrong, so no pipe or accepted() waits for good.
                // The channel is then dropped by NodeChannel and the controller.
                fail(ProcessError.Kind.MALFORMED, "malformed input from child, disconnected: "
                        + (e instanceof ProtocolException ? e.getMessage() : "could not handle a " + body.type() + " frame: " + e));
                throw e;
            }
        }

        private void onAccept(NodeChannel channel, FrameBody body) throws ProtocolException {
            if (!(body instanceof FrameBody.Accept a)) {
                throw new ProtocolException("inviter got " + body.type() + " before ACCEPT");
            }
            if (!a.token().equals(token)) {
                throw new ProtocolException("ACCEPT carries the wrong invitation token");
            }
            if (a.ports().size() != attached.size()) {
                throw new ProtocolException("ACCEPT names " + a.ports().size() + " ports for " + attached.size() + " pipes");
            }
            if (!settled.compareAndSet(false, true)) {
                return; // the handshake timed out: the channel is closing, and the child hears nothing more
            }
            channel.setLimits(limits); // the handshake is done: full frames and handles from the next frame on
            controller.addClient(a.inviteeNode(), channel, this, untrusted, isolated);
            for (int i = 0; i < attached.size(); i++) {
                controller.node().initializePort(attached.get(i).port(), a.inviteeNode(), a.ports().get(i));
                attached.get(i).pipe().connected();
            }
            accepted.complete(a.inviteeNode());
        }

        @Override
        public void onClosed(NodeChannel channel, CloseReason reason) {
            // only reached before ACCEPT: afterwards the controller handles the channel
            if (!reason.isFailure()) {
                fail(null, "channel closed before the child accepted");
                return;
            }
            boolean malformed = reason.kind() == CloseReason.Kind.PROTOCOL_ERROR;
            fail(malformed ? ProcessError.Kind.MALFORMED : ProcessError.Kind.DISCONNECTED, malformed
                    ? "malformed input from child, disconnected: " + reason.detail()
                    : "child disconnected before accepting the invitation (" + reason.detail() + ")");
        }

        @Override
        public void onBadMessage(String reason) {
            report(ProcessError.Kind.BAD_MESSAGE, reason);
        }

        @Override
        public void onDisconnected(CloseReason reason) {
            boolean malformed = reason.kind() == CloseReason.Kind.PROTOCOL_ERROR;
            report(malformed ? ProcessError.Kind.MALFORMED : ProcessError.Kind.DISCONNECTED, malformed
                    ? "malformed input from child, disconnected: " + reason.detail()
                    : "child disconnected (" + reason.detail() + ")");
        }

        /** The invitation never connected: pipes report peer-closed, the handler hears why. */
        void fail(ProcessError.Kind kind, String reason) {
            accepted.completeExceptionally(new InvitationException(reason));
            for (Attached a : attached) {
                a.pipe().failPending(reason);
            }
            if (kind != null) {
                report(kind, reason);
            }
        }

        private void report(ProcessError.Kind kind, String reason) {
            if (kind != ProcessError.Kind.BAD_MESSAGE) {
                if (reported) {
                    return;
                }
                reported = true;
            }
            ProcessError error = new ProcessError(child, kind, reason);
            if (onError == null) {
                log.warn("{}: {}", child == null ? "invited process" : child, reason);
                return;
            }
            try {
                executor.execute(() -> onError.onProcessError(error));
            } catch (RuntimeException e) {
                log.warn("process error handler could not run: {}", reason, e);
            }
        }
    }
}
