package dev.switchboard.ipc.broker;

import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PlatformChannelEndpoint;
import dev.switchboard.ipc.node.Endpoint;
import dev.switchboard.ipc.node.LocalNode;
import dev.switchboard.ipc.node.NodeChannel;
import dev.switchboard.ipc.spi.CloseReason;
import dev.switchboard.ipc.spi.HandleOps;
import dev.switchboard.ipc.spi.Transport;
import dev.switchboard.ipc.spi.Transports;
import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.Id128;
import dev.switchboard.ipc.wire.Limits;
import dev.switchboard.ipc.wire.ProtocolException;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The child's side of an invitation: find the endpoint the parent passed, wait for the
 * invitation, then {@link #extractMessagePipe(String) extract} each pipe by the name the parent
 * attached it under.
 *
 * <pre>{@code
 * IncomingInvitation invitation = IncomingInvitation.accept();
 * MessagePipe control = invitation.extractMessagePipe("control");
 * Message m = control.read(Duration.ofSeconds(5));
 * }</pre>
 *
 * When the parent goes away every pipe reports peer-closed; with
 * {@link Options#exitWhenParentDies(int)} this process also exits, as Chromium's children do.
 */
public final class IncomingInvitation {

    private static final Logger log = LoggerFactory.getLogger(IncomingInvitation.class);

    /**
     * @param timeout how long {@code accept} waits for the invitation
     * @param exitWhenParentDies exit this process when the channel to the parent is lost
     * @param exitStatus the status to exit with then
     * @param limits frame and message size limits on the channel
     */
    public record Options(Duration timeout, boolean exitWhenParentDies, int exitStatus, Limits limits) {
        public static final Options DEFAULT = new Options(Duration.ofSeconds(30), false, 0, Limits.DEFAULT);

        public Options {
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(limits, "limits");
        }

        public Options timeout(Duration t) {
            return new Options(t, exitWhenParentDies, exitStatus, limits);
        }

        /** Exit with {@code status} (through {@link System#exit}) when the parent goes away. */
        public Options exitWhenParentDies(int status) {
            return new Options(timeout, true, status, limits);
        }

        public Options limits(Limits l) {
            return new Options(timeout, exitWhenParentDies, exitStatus, l);
        }
    }

    private final NodeChannel channel;
    private final Id128 inviterNode;
    private final Map<String, Endpoint> unclaimed;
    private final Set<String> names;

    private IncomingInvitation(NodeChannel channel, Id128 inviterNode, Map<String, Endpoint> pipes) {
        this.channel = channel;
        this.inviterNode = inviterNode;
        this.unclaimed = new HashMap<>(pipes);
        this.names = new TreeSet<>(pipes.keySet());
    }

    /**
     * Accepts the invitation whose endpoint the launcher named in the system property
     * {@value PlatformChannelEndpoint#PROPERTY} or the switch
     * {@value PlatformChannelEndpoint#SWITCH} on this JVM's command line.
     */
    public static IncomingInvitation accept() {
        return accept(Options.DEFAULT);
    }

    public static IncomingInvitation accept(Options options) {
        String value = System.getProperty(PlatformChannelEndpoint.PROPERTY);
        if (value == null) {
            String[] jvmArgs = ProcessHandle.current().info().arguments().orElse(new String[0]);
            value = PlatformChannelEndpoint.findSwitch(jvmArgs).orElseThrow(() -> new InvitationException(
                    "no platform channel: neither -D" + PlatformChannelEndpoint.PROPERTY + " nor "
                            + PlatformChannelEndpoint.SWITCH + " is set; was this process launched by ChildProcessLauncher?"));
        }
        return accept(PlatformChannelEndpoint.fromSwitchValue(value, options.timeout()), options);
    }

    /** For programs that parse their own arguments: finds the switch in {@code args}. */
    public static IncomingInvitation accept(String[] args) {
        return accept(args, Options.DEFAULT);
    }

    public static IncomingInvitation accept(String[] args, Options options) {
        Optional<String> value = PlatformChannelEndpoint.findSwitch(args);
        if (value.isEmpty()) {
            throw new InvitationException("no " + PlatformChannelEndpoint.SWITCH + " among the arguments");
        }
        return accept(PlatformChannelEndpoint.fromSwitchValue(value.get(), options.timeout()), options);
    }

    public static IncomingInvitation accept(PlatformChannelEndpoint endpoint) {
        return accept(endpoint, Options.DEFAULT);
    }

    /** Takes {@code endpoint} and waits up to {@link Options#timeout()} for the invitation on it. */
    public static IncomingInvitation accept(PlatformChannelEndpoint endpoint, Options options) {
        Transport transport = Transports.get();
        Invitee invitee = new Invitee(transport.handles(), options);
        NodeChannel channel;
        try {
            channel = NodeChannel.open(transport, endpoint.takeHandle().release(), options.limits(), invitee);
        } catch (IOException e) {
            throw new InvitationException("cannot open the platform channel", e);
        }
        try {
            FrameBody.Invite invite = invitee.invited.get(options.timeout().toNanos(), TimeUnit.NANOSECONDS);
            return new IncomingInvitation(channel, invite.inviterNode(), invitee.pipes);
        } catch (TimeoutException e) {
            channel.close();
            throw new InvitationException("no invitation arrived within " + options.timeout());
        } catch (ExecutionException e) {
            channel.close();
            throw new InvitationException("invitation failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            channel.close();
            Thread.currentThread().interrupt();
            throw new InvitationException("interrupted while waiting for the invitation");
        }
    }

    /** The names the parent attached pipes under. */
    public Set<String> pipeNames() {
        return names;
    }

    /** The parent's node name. */
    public Id128 inviterNode() {
        return inviterNode;
    }

    /**
     * This process's end of the pipe the parent attached as {@code name}. Messages the parent
     * wrote before this call are already queued on it.
     *
     * @throws IllegalArgumentException when the invitation has no pipe of that name
     * @throws IllegalStateException when it was already extracted
     */
    public synchronized MessagePipe extractMessagePipe(String name) {
        Endpoint e = unclaimed.remove(name);
        if (e == null) {
            if (names.contains(name)) {
                throw new IllegalStateException("pipe '" + name + "' was already extracted");
            }
            throw new IllegalArgumentException("the invitation has no pipe '" + name + "'; it has " + names);
        }
        return MessagePipe.wrap(e, channel.handleOps(), name);
    }

    /** Closes the channel to the parent; every pipe reports peer-closed. */
    public void close() {
        channel.close();
    }

    /** The invitee's half of the handshake. */
    private static final class Invitee implements NodeChannel.ControlHandler {
        final CompletableFuture<FrameBody.Invite> invited = new CompletableFuture<>();
        final Map<String, Endpoint> pipes = new HashMap<>();
        private final HandleOps ops;
        private final Options options;

        Invitee(HandleOps ops, Options options) {
            this.ops = ops;
            this.options = options;
        }

        @Override
        public void onControl(NodeChannel channel, FrameBody body) throws ProtocolException {
            if (!(body instanceof FrameBody.Invite invite)) {
                throw new ProtocolException("invitee got an unexpected " + body.type() + " frame");
            }
            if (invited.isDone()) {
                throw new ProtocolException("second INVITE on one channel");
            }
            // Bind every pipe now, on the I/O thread, so MESSAGE frames right behind INVITE find them.
            for (FrameBody.PipeName p : invite.pipes()) {
                Endpoint e = new Endpoint(p.pipeId(), ops);
                channel.bind(e);
                pipes.put(p.name(), e);
            }
            channel.sendControl(new FrameBody.Accept(invite.token(), LocalNode.NAME));
            invited.complete(invite);
        }

        @Override
        public void onClosed(NodeChannel channel, CloseReason reason) {
            invited.completeExceptionally(new InvitationException("channel closed: " + reason));
            if (reason.isFailure()) {
                log.debug("channel to parent lost: {}", reason);
                if (options.exitWhenParentDies()) {
                    Thread exit = new Thread(() -> System.exit(options.exitStatus()), "switchboard-parent-gone");
                    exit.start();
                }
            }
        }
    }
}
