package dev.switchboard.ipc.broker;

import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PlatformChannelEndpoint;
import dev.switchboard.ipc.node.NodeChannel;
import dev.switchboard.ipc.node.NodeController;
import dev.switchboard.ipc.ports.PortRef;
import dev.switchboard.ipc.spi.CloseReason;
import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.Id128;
import dev.switchboard.ipc.wire.Limits;
import dev.switchboard.ipc.wire.ProtocolException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
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
     * How a child accepts its invitation.
     *
     * @param timeout how long {@code accept} waits for the invitation: this side's handshake
     *     timeout (default {@link Limits#DEFAULT_HANDSHAKE_TIMEOUT}); the channel is closed when it passes
     * @param exitWhenParentDies exit this process when the channel to the parent is lost
     * @param exitStatus the status to exit with then
     * @param limits frame and message size limits on the channel once INVITE has arrived (before,
     *     {@link Limits#forHandshake()} applies), and its frame timeout
     */
    public record Options(Duration timeout, boolean exitWhenParentDies, int exitStatus, Limits limits) {
        /** Waits {@link Limits#DEFAULT_HANDSHAKE_TIMEOUT}, stays alive when the parent goes, default limits. */
        public static final Options DEFAULT = new Options(Limits.DEFAULT_HANDSHAKE_TIMEOUT, false, 0, Limits.DEFAULT);

        /**
         * Checks the options.
         *
         * @param timeout how long {@code accept} waits for the invitation
         * @param exitWhenParentDies exit this process when the channel to the parent is lost
         * @param exitStatus the status to exit with then
         * @param limits frame and message size limits on the channel
         * @throws NullPointerException when {@code timeout} or {@code limits} is null
         */
        public Options {
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(limits, "limits");
        }

        /**
         * Returns these options with another timeout.
         *
         * @param t how long {@code accept} waits for the invitation
         * @return the new options
         */
        public Options timeout(Duration t) {
            return new Options(t, exitWhenParentDies, exitStatus, limits);
        }

        /**
         * Returns these options, asking to exit with {@code status} (through {@link System#exit})
         * when the parent goes away.
         *
         * @param status the exit status
         * @return the new options
         */
        public Options exitWhenParentDies(int status) {
            return new Options(timeout, true, status, limits);
        }

        /**
         * Returns these options with other limits.
         *
         * @param l frame and message size limits on the channel
         * @return the new options
         */
        public Options limits(Limits l) {
            return new Options(timeout, exitWhenParentDies, exitStatus, l);
        }
    }

    private final NodeChannel channel;
    private final Id128 inviterNode;
    private final Map<String, MessagePipe> unclaimed;
    private final Set<String> names;

    private IncomingInvitation(NodeChannel channel, Id128 inviterNode, Map<String, MessagePipe> pipes) {
        this.channel = channel;
        this.inviterNode = inviterNode;
        this.unclaimed = new HashMap<>(pipes);
        this.names = Collections.unmodifiableSortedSet(new TreeSet<>(pipes.keySet()));
    }

    /**
     * Accepts the invitation whose endpoint the launcher named in the system property
     * {@value PlatformChannelEndpoint#PROPERTY} or the switch
     * {@value PlatformChannelEndpoint#SWITCH} on this JVM's command line, with
     * {@link Options#DEFAULT}. Blocks until the invitation arrives.
     *
     * @return the invitation
     * @throws InvitationException when there is no endpoint, no invitation in time, or the channel fails
     */
    public static IncomingInvitation accept() {
        return accept(Options.DEFAULT);
    }

    /**
     * Accepts the invitation whose endpoint the launcher named on this JVM's command line, as
     * {@link #accept()} does. Blocks until the invitation arrives.
     *
     * @param options timeout, limits, and what to do when the parent goes
     * @return the invitation
     * @throws InvitationException when there is no endpoint, no invitation in time, or the channel fails
     */
    public static IncomingInvitation accept(Options options) {
        return accept(endpointFromCommandLine(options), options);
    }

    private static PlatformChannelEndpoint endpointFromCommandLine(Options options) {
        String value = System.getProperty(PlatformChannelEndpoint.PROPERTY);
        if (value == null) {
            String[] jvmArgs = ProcessHandle.current().info().arguments().orElse(new String[0]);
            value = PlatformChannelEndpoint.findSwitch(jvmArgs).orElseThrow(() -> new InvitationException(
                    "no platform channel: neither -D" + PlatformChannelEndpoint.PROPERTY + " nor "
                            + PlatformChannelEndpoint.SWITCH + " is set; was this process launched by ChildProcessLauncher?"));
        }
        return PlatformChannelEndpoint.fromSwitchValue(value, options.timeout());
    }

    /**
     * For programs that parse their own arguments: finds the switch in {@code args}. Blocks until
     * the invitation arrives.
     *
     * @param args this program's arguments
     * @return the invitation
     * @throws InvitationException when there is no switch, no invitation in time, or the channel fails
     */
    public static IncomingInvitation accept(String[] args) {
        return accept(args, Options.DEFAULT);
    }

    /**
     * Finds the switch in {@code args} and accepts the invitation. Blocks until it arrives.
     *
     * @param args this program's arguments
     * @param options timeout, limits, and what to do when the parent goes
     * @return the invitation
     * @throws InvitationException when there is no switch, no invitation in time, or the channel fails
     */
    public static IncomingInvitation accept(String[] args, Options options) {
        Optional<String> value = PlatformChannelEndpoint.findSwitch(args);
        if (value.isEmpty()) {
            throw new InvitationException("no " + PlatformChannelEndpoint.SWITCH + " among the arguments");
        }
        return accept(PlatformChannelEndpoint.fromSwitchValue(value.get(), options.timeout()), options);
    }

    /**
     * Takes {@code endpoint} and waits up to 30 seconds for the invitation on it.
     *
     * @param endpoint the endpoint; its handle now belongs to the invitation
     * @return the invitation
     * @throws InvitationException when no invitation arrives in time, or the channel fails
     */
    public static IncomingInvitation accept(PlatformChannelEndpoint endpoint) {
        return accept(endpoint, Options.DEFAULT);
    }

    /**
     * Takes {@code endpoint} and waits up to {@link Options#timeout()} for the invitation on it.
     *
     * @param endpoint the endpoint; its handle now belongs to the invitation
     * @param options timeout, limits, and what to do when the parent goes
     * @return the invitation
     * @throws InvitationException when no invitation arrives in time, or the channel fails
     */
    public static IncomingInvitation accept(PlatformChannelEndpoint endpoint, Options options) {
        Invitee invitee = await(endpoint, options, false);
        return new IncomingInvitation(invitee.channel, invitee.invite.inviterNode(), invitee.pipes);
    }

    /**
     * Accepts an isolated invitation ({@code OutgoingInvitation.sendIsolated}): a link to a
     * process outside this graph with exactly one pipe, which is returned. The endpoint is found
     * like {@link #accept()} finds it.
     *
     * @return the one pipe; the caller owns and closes it
     * @throws InvitationException when there is no endpoint, no invitation in time, or the channel fails
     */
    public static MessagePipe acceptIsolated() {
        return acceptIsolated(endpointFromCommandLine(Options.DEFAULT), Options.DEFAULT);
    }

    /**
     * Takes {@code endpoint} and accepts an isolated invitation on it.
     *
     * @param endpoint the endpoint; its handle now belongs to the link
     * @param options timeout, limits, and what to do when the other process goes
     * @return the one pipe; the caller owns and closes it
     * @throws InvitationException when no invitation arrives in time, or the channel fails
     */
    public static MessagePipe acceptIsolated(PlatformChannelEndpoint endpoint, Options options) {
        Invitee invitee = await(endpoint, options, true);
        return invitee.pipes.values().iterator().next();
    }

    private static Invitee await(PlatformChannelEndpoint endpoint, Options options, boolean isolated) {
        NodeController controller = NodeController.get();
        Invitee invitee = new Invitee(controller, options, isolated);
        try {
            // Until INVITE has been processed: handshake-sized frames, no handles (docs/protocol.md §9).
            invitee.channel = controller.openChannel(endpoint.takeHandle().release(), options.limits().forHandshake(), invitee);
        } catch (IOException e) {
            throw new InvitationException("cannot open the platform channel", e);
        }
        try {
            invitee.invited.get(options.timeout().toNanos(), TimeUnit.NANOSECONDS);
            return invitee;
        } catch (TimeoutException e) {
            invitee.channel.close();
            throw new InvitationException("no invitation arrived within " + options.timeout());
        } catch (ExecutionException e) {
            invitee.channel.close();
            throw new InvitationException("invitation failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            invitee.channel.close();
            Thread.currentThread().interrupt();
            throw new InvitationException("interrupted while waiting for the invitation");
        }
    }

    /** {@return the names the parent attached pipes under, sorted; unmodifiable} */
    public Set<String> pipeNames() {
        return names;
    }

    /** {@return the parent's node name} */
    public Id128 inviterNode() {
        return inviterNode;
    }

    /**
     * This process's end of the pipe the parent attached as {@code name}. Messages the parent
     * wrote before this call are already queued on it.
     *
     * @param name the name the parent attached it under
     * @return the pipe end; the caller owns and closes it
     * @throws IllegalArgumentException when the invitation has no pipe of that name
     * @throws IllegalStateException when it was already extracted
     */
    public synchronized MessagePipe extractMessagePipe(String name) {
        MessagePipe p = unclaimed.remove(name);
        if (p == null) {
            if (names.contains(name)) {
                throw new IllegalStateException("pipe '" + name + "' was already extracted");
            }
            throw new IllegalArgumentException("the invitation has no pipe '" + name + "'; it has " + names);
        }
        return p;
    }

    /** Closes the channel to the parent; every pipe reports peer-closed. */
    public void close() {
        channel.close();
    }

    /** The invitee's half of the handshake; afterwards it watches for the loss of the inviter. */
    private static final class Invitee implements NodeChannel.Handler {
        final CompletableFuture<FrameBody.Invite> invited = new CompletableFuture<>();
        final Map<String, MessagePipe> pipes = new HashMap<>();
        final NodeController controller;
        final Options options;
        final boolean isolated;
        volatile NodeChannel channel;
        FrameBody.Invite invite;

        Invitee(NodeController controller, Options options, boolean isolated) {
            this.controller = controller;
            this.options = options;
            this.isolated = isolated;
        }

        @Override
        public void onFrame(NodeChannel channel, FrameBody body, long[] handles) throws ProtocolException {
            try {
                onInvite(channel, body);
            } catch (ProtocolException | RuntimeException e) {
                // Once joined, the channel's close no longer comes here: fail accept() now, at once
                // and precisely; NodeChannel then drops the channel.
                invited.completeExceptionally(new InvitationException("malformed invitation from the parent: "
                        + (e instanceof ProtocolException ? e.getMessage() : "could not handle a " + body.type() + " frame: " + e)));
                throw e;
            }
        }

        private void onInvite(NodeChannel channel, FrameBody body) throws ProtocolException {
            if (!(body instanceof FrameBody.Invite inv)) {
                throw new ProtocolException("invitee got " + body.type() + " before INVITE");
            }
            if (inv.isolated() != isolated) {
                throw new ProtocolException(isolated ? "expected an isolated invitation" : "got an isolated invitation where a normal one was expected");
            }
            channel.setLimits(options.limits()); // frames after INVITE, ACCEPT's answers included, get the full limits
            List<Id128> mine = new ArrayList<>();
            List<PortRef> ports = new ArrayList<>();
            for (FrameBody.PipeName p : inv.pipes()) {
                PortRef port = controller.node().createUninitializedPort();
                ports.add(port);
                mine.add(port.name());
            }
            try {
                controller.joinGraph(inv.inviterNode(), inv.broker(), inv.isolated(), channel);
            } catch (IllegalStateException e) {
                for (PortRef p : ports) {
                    controller.node().closePort(p);
                }
                invited.completeExceptionally(e);
                channel.close();
                return;
            }
            if (options.exitWhenParentDies()) {
                watchInviter(channel);
            }
            channel.send(new FrameBody.Accept(inv.token(), controller.name(), mine));
            for (int i = 0; i < ports.size(); i++) {
                controller.node().initializePort(ports.get(i), inv.inviterNode(), inv.pipes().get(i).port());
                pipes.put(inv.pipes().get(i).name(), MessagePipe.forPort(controller, ports.get(i), inv.pipes().get(i).name()));
            }
            invite = inv;
            invited.complete(inv);
        }

        @Override
        public void onClosed(NodeChannel channel, CloseReason reason) {
            invited.completeExceptionally(new InvitationException(reason.kind() == CloseReason.Kind.PROTOCOL_ERROR
                    ? "malformed invitation from the parent: " + reason.detail()
                    : "channel closed: " + reason));
        }

        /** Chromium's children exit when their parent goes; so do ours, when asked to. */
        private void watchInviter(NodeChannel channel) {
            NodeChannel.Handler controllerHandler = controller;
            channel.setHandler(new NodeChannel.Handler() {
                @Override
                public void onFrame(NodeChannel c, FrameBody body, long[] handles) throws ProtocolException {
                    controllerHandler.onFrame(c, body, handles);
                }

                @Override
                public void onClosed(NodeChannel c, CloseReason reason) {
                    controllerHandler.onClosed(c, reason);
                    if (reason.isFailure()) {
                        log.debug("channel to parent lost: {}", reason);
                        Thread exit = new Thread(() -> System.exit(options.exitStatus()), "switchboard-parent-gone");
                        exit.start();
                    }
                }
            });
        }
    }
}
