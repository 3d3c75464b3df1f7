package dev.switchboard.ipc.broker;

import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.NamedPlatformChannel;
import dev.switchboard.ipc.PlatformChannelEndpoint;
import dev.switchboard.ipc.node.Endpoint;
import dev.switchboard.ipc.node.LocalNode;
import dev.switchboard.ipc.node.NodeChannel;
import dev.switchboard.ipc.spi.CloseReason;
import dev.switchboard.ipc.spi.HandleOps;
import dev.switchboard.ipc.spi.Transport;
import dev.switchboard.ipc.spi.Transports;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Invites a child process: attach named message pipes, then send the invitation over the
 * parent's channel endpoint. Each attach returns the parent's end at once; writes made before
 * the child accepts wait and are delivered in order.
 *
 * <pre>{@code
 * OutgoingInvitation invitation = new OutgoingInvitation();
 * MessagePipe control = invitation.attachMessagePipe("control");
 * invitation.send(child, channel.takeLocalEndpoint(), error -> error.process().destroyForcibly());
 * control.write(Message.of(bytes));
 * }</pre>
 *
 * If the child dies or disconnects — before accepting or after — every attached pipe reports
 * peer-closed and the error handler is called. An invitation is sent once.
 */
public final class OutgoingInvitation {

    private static final Logger log = LoggerFactory.getLogger(OutgoingInvitation.class);

    private final Transport transport = Transports.get();
    private final HandleOps ops = transport.handles();
    private final Map<String, Endpoint> pipes = new LinkedHashMap<>();
    private final CompletableFuture<Id128> accepted = new CompletableFuture<>();
    private final Id128 token = Id128.random();
    private Limits limits = Limits.DEFAULT;
    private boolean sent;

    /** Attaches a new pipe under {@code name} and returns this process's end of it. */
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
        Endpoint e = new Endpoint(Id128.random(), ops);
        pipes.put(name, e);
        return MessagePipe.wrap(e, ops, name);
    }

    /** Frame and message size limits for this child's channel (default 64 MiB payloads). */
    public synchronized OutgoingInvitation limits(Limits limits) {
        this.limits = Objects.requireNonNull(limits);
        return this;
    }

    /** Completes with the child's node name once it has accepted; fails if the channel goes first. */
    public CompletableFuture<Id128> accepted() {
        return accepted.copy();
    }

    /** Sends the invitation; errors are logged. */
    public void send(ChildProcess child, PlatformChannelEndpoint endpoint) {
        send(child, endpoint, null, DefaultExecutor.INSTANCE);
    }

    /** Sends the invitation; {@code onError} runs on a Switchboard callback thread. */
    public void send(ChildProcess child, PlatformChannelEndpoint endpoint, ProcessErrorHandler onError) {
        send(child, endpoint, onError, DefaultExecutor.INSTANCE);
    }

    /**
     * Sends the invitation over {@code endpoint}, which this call takes. Returns at once: success
     * means the invitation is on its way, not that the child accepted (see {@link #accepted()}).
     *
     * @param child the process at the other end, or null if it was not launched by Switchboard
     * @param onError called on {@code executor} when the child disconnects or misbehaves; may be null
     */
    public void send(ChildProcess child, PlatformChannelEndpoint endpoint, ProcessErrorHandler onError, Executor executor) {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(executor, "executor");
        markSent();
        Handshake h = new Handshake(child, onError, executor);
        try {
            h.start(NodeChannel.open(transport, endpoint.takeHandle().release(), limits, h));
        } catch (IOException | RuntimeException e) {
            h.fail(ProcessError.Kind.NOT_CONNECTED, "cannot open channel: " + e.getMessage());
        }
    }

    /**
     * Sends the invitation to the first process that connects to {@code channel} with its token
     * (see {@link NamedPlatformChannel}). Returns at once.
     */
    public void send(ChildProcess child, NamedPlatformChannel channel, ProcessErrorHandler onError, Executor executor) {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(executor, "executor");
        markSent();
        Handshake h = new Handshake(child, onError, executor);
        channel.acceptOne().whenComplete((endpoint, error) -> {
            if (error != null) {
                h.fail(ProcessError.Kind.NOT_CONNECTED, "no connection to " + channel.address() + ": " + rootMessage(error));
                return;
            }
            try {
                h.start(NodeChannel.open(transport, endpoint.takeHandle().release(), limits, h));
            } catch (IOException | RuntimeException e) {
                h.fail(ProcessError.Kind.NOT_CONNECTED, "cannot open channel: " + e.getMessage());
            }
        });
    }

    private synchronized void markSent() {
        if (sent) {
            throw new IllegalStateException("invitation already sent");
        }
        sent = true;
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    /** The inviter's half of the handshake, bound to one channel. */
    private final class Handshake implements NodeChannel.ControlHandler {
        private final ChildProcess child;
        private final ProcessErrorHandler onError;
        private final Executor executor;
        private volatile boolean reported;

        Handshake(ChildProcess child, ProcessErrorHandler onError, Executor executor) {
            this.child = child;
            this.onError = onError;
            this.executor = executor;
        }

        void start(NodeChannel channel) {
            List<FrameBody.PipeName> names = new ArrayList<>();
            List<Endpoint> ends;
            synchronized (OutgoingInvitation.this) {
                pipes.forEach((name, e) -> names.add(new FrameBody.PipeName(name, e.pipeId())));
                ends = List.copyOf(pipes.values());
            }
            // INVITE first, so the child knows every pipe before any MESSAGE for it arrives
            channel.sendControl(new FrameBody.Invite(token, LocalNode.NAME, names));
            for (Endpoint e : ends) {
                channel.bind(e);
            }
        }

        @Override
        public void onControl(NodeChannel channel, FrameBody body) throws ProtocolException {
            if (!(body instanceof FrameBody.Accept a)) {
                throw new ProtocolException("inviter got an unexpected " + body.type() + " frame");
            }
            if (accepted.isDone()) {
                throw new ProtocolException("second ACCEPT");
            }
            if (!a.token().equals(token)) {
                throw new ProtocolException("ACCEPT carries the wrong invitation token");
            }
            accepted.complete(a.inviteeNode());
        }

        @Override
        public void onClosed(NodeChannel channel, CloseReason reason) {
            if (!reason.isFailure()) {
                accepted.completeExceptionally(new InvitationException("channel closed before the child accepted"));
                return;
            }
            boolean before = !accepted.isDone();
            boolean malformed = reason.kind() == CloseReason.Kind.PROTOCOL_ERROR;
            if (!malformed && !before && channel.openPipesAtClose() == 0) {
                // every pipe was closed here already: the child leaving now is the normal end
                log.debug("{} disconnected after its pipes were closed: {}", child, reason.detail());
                return;
            }
            ProcessError.Kind kind = malformed ? ProcessError.Kind.MALFORMED : ProcessError.Kind.DISCONNECTED;
            String what = malformed ? "malformed input from child, disconnected: " + reason.detail()
                    : before ? "child disconnected before accepting the invitation (" + reason.detail() + ")"
                    : "child disconnected (" + reason.detail() + ")";
            fail(kind, what);
        }

        /** Ends the invitation: pipes report peer-closed, the handler hears why (once). */
        void fail(ProcessError.Kind kind, String reason) {
            accepted.completeExceptionally(new InvitationException(reason));
            List<Endpoint> ends;
            synchronized (OutgoingInvitation.this) {
                ends = List.copyOf(pipes.values());
            }
            for (Endpoint e : ends) {
                e.failUnbound(reason);
            }
            if (reported) {
                return;
            }
            reported = true;
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
