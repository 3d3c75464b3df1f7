package dev.switchboard.ipc.node;

import dev.switchboard.ipc.ports.Event;
import dev.switchboard.ipc.ports.EventCodec;
import dev.switchboard.ipc.ports.Node;
import dev.switchboard.ipc.ports.NodeDelegate;
import dev.switchboard.ipc.ports.PortDescriptor;
import dev.switchboard.ipc.ports.PortRef;
import dev.switchboard.ipc.spi.CloseReason;
import dev.switchboard.ipc.spi.HandleOps;
import dev.switchboard.ipc.spi.Transport;
import dev.switchboard.ipc.spi.Transports;
import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.FrameType;
import dev.switchboard.ipc.wire.HandleDescriptor;
import dev.switchboard.ipc.wire.Id128;
import dev.switchboard.ipc.wire.Limits;
import dev.switchboard.ipc.wire.ProtocolException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Internal: this process's node and its node channels: where a ports event is routed to the channel of
 * its destination node, where a node without a channel is asked for (an introduction by the
 * broker), and where a lost node is announced. One per process.
 *
 * <p>Roles. A process that has not accepted an invitation into a graph is a broker: the root of
 * the graph its own invitations build. It accepts REQUEST_INTRODUCTION and ADD_CLIENT, and
 * announces NODE_LOST. Every other node accepts INTRODUCE, NODE_LOST and CLIENT_ADDED only from
 * its broker, and BROKER_CHANNEL only from its inviter. A frame that breaks these rules is
 * malformed and drops the channel it came on.
 */
public final class NodeController implements NodeDelegate, NodeChannel.Handler {

    private static final Logger log = LoggerFactory.getLogger(NodeController.class);

    private static volatile NodeController instance;

    /**
     * The broker holds at most this many clients registered by one inviter with ADD_CLIENT at a
     * time, whether they have connected yet or not; one more is a protocol error that drops the
     * inviter. The one definition of this limit; docs/protocol.md §9 names it.
     */
    public static final int MAX_CLIENTS_PER_INVITER = 1024;

    /** What this process knows about a node it invited (or, as broker, adopted). */
    private static final class Client {
        final Id128 node;
        final ClientSink sink; // null when another process invited it
        final boolean untrusted;
        final Id128 inviter;
        final boolean isolated;
        final Set<Id128> allowed = new HashSet<>();
        /** A violation was reported: the disconnect that follows is its consequence, not news. */
        volatile boolean violated;

        Client(Id128 node, ClientSink sink, boolean untrusted, Id128 inviter, boolean isolated) {
            this.node = node;
            this.sink = sink;
            this.untrusted = untrusted;
            this.inviter = inviter;
            this.isolated = isolated;
        }
    }

    private final Transport transport;
    private final HandleOps ops;
    private final Node node;
    private final Limits limits = Limits.DEFAULT;
    private final Object lock = new Object();
    private final Map<Id128, NodeChannel> peers = new HashMap<>();
    /** Events for nodes we have asked to be introduced to, in order. */
    private final Map<Id128, List<Event>> waiting = new HashMap<>();
    /** Introduction requests made before this node had a channel to its broker. */
    private final List<Id128> unsentRequests = new ArrayList<>();
    private final Set<Id128> lost = new HashSet<>();
    private final Map<Id128, Client> clients = new HashMap<>();
    /** Broker only: ADD_CLIENT registrations whose invitee has not said CLIENT_HELLO yet. */
    private final Map<Id128, PendingClient> pendingClients = new HashMap<>();
    /** Broker only: live ADD_CLIENT registrations (pending or connected) per inviter. */
    private final Map<Id128, Integer> registeredBy = new HashMap<>();
    /** Broker only: pairs already introduced, so that crossing requests make one channel. */
    private final Set<Set<Id128>> introduced = new HashSet<>();
    private final Map<Id128, Runnable> observers = new ConcurrentHashMap<>();
    private final AtomicLong userMessagesReceived = new AtomicLong();
    private final AtomicLong userMessagesRelayed = new AtomicLong();
    private final SharedBufferBroker sharedBuffers;
    /** Completed with the channel to the broker once there is one (a client of a non-broker inviter waits for BROKER_CHANNEL). */
    private final java.util.concurrent.CompletableFuture<NodeChannel> brokerChannelKnown = new java.util.concurrent.CompletableFuture<>();
    private boolean joined;
    private Id128 broker;
    private NodeChannel brokerChannel;
    private Id128 inviter;

    NodeController(Transport transport) {
        this.transport = transport;
        this.ops = transport.handles();
        this.node = new Node(Id128.random(), this);
        this.sharedBuffers = new SharedBufferBroker(transport, ops);
    }

    public static NodeController get() {
        NodeController c = instance;
        if (c == null) {
            synchronized (NodeController.class) {
                c = instance;
                if (c == null) {
                    instance = c = new NodeController(Transports.get());
                }
            }
        }
        return c;
    }

    public Node node() {
        return node;
    }

    public Id128 name() {
        return node.name();
    }

    public Transport transport() {
        return transport;
    }

    public HandleOps handleOps() {
        return ops;
    }

    /**
     * Asks this node's broker for a writable shared buffer of {@code size} bytes, for a process
     * that may not create memory itself (docs/protocol.md §4). Waits for the answer; never on an
     * I/O thread.
     *
     * @return the broker's answer: with {@code status == 0} a checked descriptor the caller owns,
     *     otherwise the broker's status and reason
     * @throws IllegalStateException on the broker itself or on an I/O thread
     * @throws IOException when the channel to the broker closed first, or the broker's buffer was
     *     not what it claimed
     * @throws java.util.concurrent.TimeoutException when the broker did not answer in time
     * @throws InterruptedException when the waiting thread was interrupted
     */
    public BrokerAllocation allocateSharedBuffer(long size, java.time.Duration timeout)
            throws IOException, java.util.concurrent.TimeoutException, InterruptedException {
        if (onIoThread()) {
            throw new IllegalStateException("asking the broker for memory waits for its answer; not on an I/O thread");
        }
        NodeChannel b;
        synchronized (lock) {
            if (!joined) {
                throw new IllegalStateException("this process is the broker of its graph: it creates shared buffers itself");
            }
            b = brokerChannel;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        if (b == null) {
            // invited by a process that is not the broker: BROKER_CHANNEL is on its way
            try {
                b = brokerChannelKnown.get(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IOException("no channel to the broker", e.getCause());
            }
        }
        java.util.concurrent.CompletableFuture<SharedBufferBroker.Answer> f = sharedBuffers.request(b, size);
        try {
            SharedBufferBroker.Answer a = f.get(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
            return new BrokerAllocation(a.status(), a.reason(), a.fd());
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (java.util.concurrent.TimeoutException | InterruptedException e) {
            f.cancel(false); // an answer that still comes closes its descriptor
            throw e;
        }
    }

    /** True until this process accepts an invitation into another graph. */
    public boolean isBroker() {
        synchronized (lock) {
            return !joined;
        }
    }

    /** The broker of this node's graph: itself when it is the broker. */
    public Id128 brokerName() {
        synchronized (lock) {
            return joined ? broker : node.name();
        }
    }

    public NodeStats stats() {
        int n;
        synchronized (lock) {
            n = peers.size();
        }
        return new NodeStats(node.name(), userMessagesReceived.get(), userMessagesRelayed.get(), n, node.portCount(), node.proxyCount());
    }

    /** One line per node channel with its flow-control state, for failure messages. */
    public String describeChannels() {
        List<NodeChannel> cs;
        synchronized (lock) {
            cs = new ArrayList<>(peers.values());
        }
        StringBuilder b = new StringBuilder();
        for (NodeChannel c : cs) {
            b.append("  ").append(c.describe()).append(' ').append(c.describeFlow()).append('\n');
        }
        return b.toString();
    }

    // ------------------------------------------------------------ ports

    /** Calls {@code onChange} whenever the status of {@code port} may have changed. */
    public void observe(PortRef port, Runnable onChange) {
        observers.put(port.name(), onChange);
    }

    public void unobserve(PortRef port) {
        observers.remove(port.name());
    }

    @Override
    public void portStatusChanged(PortRef port) {
        Runnable r = observers.get(port.name());
        if (r != null && !NodeChannel.deferToEndOfCallback(r)) {
            r.run();
        }
    }

    /** True on a Switchboard I/O thread inside a frame or close callback, where nothing may wait. */
    public static boolean onIoThread() {
        return NodeChannel.inIoCallback();
    }

    /** The ports engine's view of {@link #onIoThread()}: inside a callback, port observers wait for its end. */
    @Override
    public boolean isIoThread() {
        return NodeChannel.inIoCallback();
    }

    /** Waits while the channel towards {@code peerNode} has too much queued. Never blocks an I/O callback. */
    public void awaitWritable(Id128 peerNode) {
        NodeChannel c;
        synchronized (lock) {
            c = peers.get(peerNode);
        }
        if (c != null) {
            c.awaitWritable();
        }
    }

    @Override
    public void forwardEvent(Id128 dest, Event event) {
        NodeChannel channel;
        boolean ask = false;
        synchronized (lock) {
            channel = peers.get(dest);
            if (channel == null) {
                if (lost.contains(dest)) {
                    drop(event);
                    return;
                }
                List<Event> queue = waiting.get(dest);
                if (queue == null) {
                    waiting.put(dest, queue = new ArrayList<>());
                    ask = !pendingClients.containsKey(dest); // a pending client's events wait for its CLIENT_HELLO
                }
                queue.add(event);
            }
        }
        if (channel != null) {
            sendEvent(channel, event);
        } else if (ask) {
            requestIntroduction(dest);
        }
    }

    private void sendEvent(NodeChannel channel, Event event) {
        if (event instanceof Event.UserMessage m && m.payload() instanceof PipePayload p) {
            if (p.sourceNode() != null) {
                userMessagesRelayed.incrementAndGet();
            }
            noteWhatAnUntrustedPeerLearns(channel.peer(), m);
            long[] handles = p.takeHandles(); // ownership: payload -> channel
            // the event header and handle descriptors alone; the payload is copied once, straight
            // into the outbound frame
            channel.send(new FrameBody.Event(withDescriptors(EventCodec.encode(m), p.descriptors()), ByteBuffer.wrap(p.bytes())), handles);
        } else {
            if (event instanceof Event.ObserveProxy op) {
                allow(channel.peer(), op.targetNode());
            }
            channel.send(new FrameBody.Event(EventCodec.encode(event)));
        }
    }

    /** The encoded event header followed by one descriptor per handle (docs/protocol.md §6). */
    private static ByteBuffer withDescriptors(ByteBuffer eventHeader, HandleDescriptor[] descriptors) {
        if (descriptors.length == 0) {
            return eventHeader;
        }
        ByteBuffer out = ByteBuffer.allocate(eventHeader.remaining() + descriptors.length * HandleDescriptor.SIZE);
        out.put(eventHeader);
        for (HandleDescriptor d : descriptors) {
            HandleDescriptor.encode(d, out);
        }
        return out.flip();
    }

    private static void drop(Event event) {
        if (event instanceof Event.UserMessage m) {
            m.payload().discard();
        }
    }

    private void requestIntroduction(Id128 dest) {
        NodeChannel b;
        synchronized (lock) {
            if (!joined) {
                b = null; // we are the broker: a node we have no channel to is unknown to the graph
            } else if (brokerChannel == null) {
                unsentRequests.add(dest);
                return;
            } else {
                b = brokerChannel;
            }
        }
        if (b == null) {
            log.debug("no node {} in this graph", dest);
            nodeLost(dest);
        } else {
            b.send(new FrameBody.NodeFrame(FrameType.REQUEST_INTRODUCTION, dest));
        }
    }

    /** For tests of the broker's rules: asks the broker for a channel to any node. */
    public void requestIntroductionForTest(Id128 dest) {
        synchronized (lock) {
            waiting.putIfAbsent(dest, new ArrayList<>());
        }
        requestIntroduction(dest);
    }

    /** Everything routed through {@code gone} is lost. Idempotent. */
    private void nodeLost(Id128 gone) {
        List<Event> dropped;
        NodeChannel channel;
        List<NodeChannel> announce = new ArrayList<>();
        synchronized (lock) {
            if (!lost.add(gone)) {
                return;
            }
            dropped = waiting.remove(gone);
            channel = peers.remove(gone);
            introduced.removeIf(pair -> pair.contains(gone));
            Client member = channel == null ? null : clients.get(gone);
            if (member != null && member.sink == null && !joined) {
                unregisterLocked(member.inviter);
            }
            // A long-lived broker launches children for ever: what it kept about a child (its
            // inviter's sink, the invitation behind it) must go with the child. The disconnect
            // report has already taken the record it needs (onClosed).
            clients.remove(gone);
            // Only a node that was a member (a client with a channel to this broker) is news to
            // other clients: no client can have been introduced to any other. So a made-up name
            // costs one local lookup, never a broadcast.
            if (!joined && member != null && !member.isolated) {
                for (Map.Entry<Id128, NodeChannel> e : peers.entrySet()) {
                    Client c = clients.get(e.getKey());
                    if (c != null && !c.isolated) {
                        announce.add(e.getValue());
                    }
                }
            }
        }
        if (dropped != null) {
            dropped.forEach(NodeController::drop);
        }
        if (channel != null) {
            channel.close();
        }
        for (NodeChannel c : announce) {
            c.send(new FrameBody.NodeFrame(FrameType.NODE_LOST, gone));
        }
        node.lostConnectionToNode(gone);
    }

    // ------------------------------------------------------------ joining channels

    /**
     * Makes {@code channel} the route to {@code peer} and sends what waited for it. The channel's
     * frames go to this controller from now on.
     */
    public void addPeer(Id128 peer, NodeChannel channel) throws ProtocolException {
        List<Event> queued;
        synchronized (lock) {
            checkNewPeerLocked(peer);
            queued = registerPeerLocked(peer, channel);
        }
        flushQueued(channel, queued);
    }

    /** Why {@code peer} cannot become a peer now; checked before anything about it is recorded. */
    private void checkNewPeerLocked(Id128 peer) throws ProtocolException {
        if (peer.equals(node.name())) {
            throw new ProtocolException("peer claims this node's own name " + peer);
        }
        if (lost.contains(peer)) {
            throw new ProtocolException("node " + peer + " is already gone from this graph");
        }
        if (peers.containsKey(peer)) {
            throw new ProtocolException("a second channel for node " + peer);
        }
    }

    private List<Event> registerPeerLocked(Id128 peer, NodeChannel channel) {
        channel.setPeer(peer);
        channel.setHandler(this);
        peers.put(peer, channel);
        return waiting.remove(peer);
    }

    private void flushQueued(NodeChannel channel, List<Event> queued) {
        if (queued != null) {
            for (Event e : queued) {
                sendEvent(channel, e);
            }
        }
    }

    /**
     * The inviter side: {@code invitee} joined through one of this process's invitations; an
     * isolated one links only to this process and joins no graph.
     */
    public void addClient(Id128 invitee, NodeChannel channel, ClientSink sink, boolean untrusted, boolean isolated) throws ProtocolException {
        NodeChannel b;
        List<Event> queued;
        synchronized (lock) {
            checkNewPeerLocked(invitee);
            if (clients.containsKey(invitee)) {
                throw new ProtocolException("node " + invitee + " already joined this graph through another invitation");
            }
            clients.put(invitee, new Client(invitee, sink, untrusted, node.name(), isolated));
            queued = registerPeerLocked(invitee, channel);
            b = joined && !isolated ? brokerChannel : null;
        }
        flushQueued(channel, queued);
        if (b != null) {
            // share-broker: our broker connects our invitee to itself
            b.send(new FrameBody.NodeFrame(FrameType.ADD_CLIENT, invitee));
        }
    }

    /**
     * The invitee side: this process joins the inviter's graph (or, isolated, only links to it).
     *
     * @throws IllegalStateException when this process already belongs to another graph
     */
    public void joinGraph(Id128 inviterNode, Id128 brokerNode, boolean isolated, NodeChannel channel) throws ProtocolException {
        List<Event> queued;
        synchronized (lock) {
            if (!isolated) {
                if (joined) {
                    throw new IllegalStateException("this process already joined a graph through an invitation");
                }
                if (!clients.isEmpty()) {
                    throw new IllegalStateException("this process already invited others as a broker; accept invitations first");
                }
            }
            // every check before anything is recorded: a refused invitation leaves this node as it was
            checkNewPeerLocked(inviterNode);
            if (!isolated && brokerNode.equals(node.name())) {
                throw new ProtocolException("INVITE names this node " + brokerNode + " as its broker");
            }
            if (!isolated) {
                joined = true;
                broker = brokerNode;
                inviter = inviterNode;
                if (brokerNode.equals(inviterNode)) {
                    brokerChannel = channel;
                    brokerChannelKnown.complete(channel);
                }
            }
            queued = registerPeerLocked(inviterNode, channel);
        }
        flushQueued(channel, queued);
        if (!isolated) {
            flushUnsentRequests();
        }
    }

    private void flushUnsentRequests() {
        List<Id128> requests;
        NodeChannel b;
        synchronized (lock) {
            b = brokerChannel;
            if (b == null) {
                return;
            }
            requests = new ArrayList<>(unsentRequests);
            unsentRequests.clear();
        }
        for (Id128 r : requests) {
            b.send(new FrameBody.NodeFrame(FrameType.REQUEST_INTRODUCTION, r));
        }
    }

    // ------------------------------------------------------------ bad messages

    /** Code that read a message from {@code from} found it bad. */
    public void reportBadMessage(Id128 from, String reason) {
        Client c;
        NodeChannel b;
        NodeChannel towardsInviter = null;
        synchronized (lock) {
            c = clients.get(from);
            b = joined ? brokerChannel : null;
            if (c != null && c.sink == null && !joined) {
                towardsInviter = peers.get(c.inviter);
            }
        }
        if (c != null && c.sink != null) {
            c.sink.onBadMessage(reason);
        } else if (towardsInviter != null) {
            towardsInviter.send(new FrameBody.BadMessage(from, reason));
        } else if (b != null) {
            b.send(new FrameBody.BadMessage(from, reason));
        } else {
            log.warn("bad message from node {} that no invitation of this process brought in: {}", from, reason);
        }
    }

    /** A rule of the graph was broken by {@code peer}: report it as a bad message and drop the channel. */
    private void violation(NodeChannel channel, String reason) {
        Id128 peer = channel.peer();
        if (peer != null) {
            Client c;
            synchronized (lock) {
                c = clients.get(peer);
            }
            if (c != null) {
                c.violated = true;
            }
            reportBadMessage(peer, reason);
        }
        channel.fail(reason);
    }

    // ------------------------------------------------------------ frames from peers (I/O thread)

    @Override
    public void onFrame(NodeChannel channel, FrameBody body, long[] handles) throws ProtocolException {
        Id128 peer = channel.peer();
        switch (body.type()) {
            case EVENT -> onEvent(channel, peer, (FrameBody.Event) body, handles);
            case REQUEST_INTRODUCTION -> onRequestIntroduction(channel, peer, ((FrameBody.NodeFrame) body).node());
            case INTRODUCE -> onIntroduce(channel, ((FrameBody.NodeFrame) body).node(), handles);
            case NODE_LOST -> {
                requireFromBroker(channel, body);
                nodeLost(((FrameBody.NodeFrame) body).node());
            }
            case ADD_CLIENT -> onAddClient(channel, peer, ((FrameBody.NodeFrame) body).node());
            case CLIENT_ADDED -> onClientAdded(channel, ((FrameBody.NodeFrame) body).node(), handles);
            case BROKER_CHANNEL -> onBrokerChannel(channel, peer, ((FrameBody.NodeFrame) body).node(), handles);
            case BAD_MESSAGE -> onBadMessageReport(channel, (FrameBody.BadMessage) body);
            case ALLOCATE_SHARED_BUFFER -> {
                if (!isBroker()) {
                    throw new ProtocolException("ALLOCATE_SHARED_BUFFER to a node that is not the broker");
                }
                String dropped = sharedBuffers.onRequest(channel, peer, isUntrusted(peer), (FrameBody.AllocateSharedBuffer) body);
                if (dropped != null) {
                    violation(channel, dropped);
                }
            }
            case SHARED_BUFFER_ALLOCATED -> {
                requireFromBroker(channel, body);
                sharedBuffers.onAnswer((FrameBody.SharedBufferAllocated) body, handles);
            }
            default -> throw new ProtocolException(body.type() + " after the handshake");
        }
    }

    /**
     * The payload as the array the application will read. A transport may deliver a large payload
     * apart from the event header, in an array of its own ({@link FrameBody.Event#tail()}), which
     * is then taken as it is instead of copied.
     */
    private static byte[] payloadBytes(ByteBuffer inBody, ByteBuffer tail) {
        if (!inBody.hasRemaining() && tail.hasArray() && tail.arrayOffset() == 0 && tail.position() == 0
                && tail.remaining() == tail.array().length) {
            return tail.array();
        }
        byte[] bytes = new byte[inBody.remaining() + tail.remaining()];
        inBody.duplicate().get(bytes, 0, inBody.remaining());
        tail.duplicate().get(bytes, inBody.remaining(), tail.remaining());
        return bytes;
    }

    private void onEvent(NodeChannel channel, Id128 peer, FrameBody.Event frame, long[] handles) throws ProtocolException {
        Event event = EventCodec.decode(frame.bytes());
        if (frame.tail().hasRemaining() && !(event instanceof Event.UserMessage)) {
            throw new ProtocolException(event.getClass().getSimpleName() + " event has " + frame.tail().remaining() + " trailing bytes");
        }
        if (event instanceof Event.UserMessage m) {
            if (isUntrusted(peer) && (handles.length > 0 || !m.ports().isEmpty())) {
                channel.closeAll(handles);
                violation(channel, "untrusted process sent " + handles.length + " OS handles and "
                        + m.ports().size() + " pipe ends; it may send neither");
                return;
            }
            ByteBuffer inBody = ((dev.switchboard.ipc.ports.BytesPayload) m.payload()).bytes().duplicate();
            ByteBuffer tail = frame.tail().duplicate();
            HandleDescriptor[] descriptors;
            try {
                descriptors = ArrivingHandles.read(inBody, tail, handles, transport);
            } catch (ProtocolException e) {
                channel.closeAll(handles); // checked, never mapped
                violation(channel, "malformed user message: " + e.getMessage());
                return;
            }
            byte[] bytes = payloadBytes(inBody, tail);
            userMessagesReceived.incrementAndGet();
            // ownership of the handles: frame -> payload
            PipePayload payload = new PipePayload(bytes, NodeChannel.take(handles), descriptors, ops, peer, channel);
            try {
                node.acceptEvent(peer, m.withPayload(payload));
            } catch (ProtocolException e) {
                payload.discard(); // the node refused it, so the handles are still ours
                violation(channel, "malformed port event: " + e.getMessage());
            }
            return;
        } else if (handles.length > 0) {
            throw new ProtocolException(event.getClass().getSimpleName() + " event carries " + handles.length + " handles");
        }
        try {
            node.acceptEvent(peer, event);
        } catch (ProtocolException e) {
            violation(channel, "malformed port event: " + e.getMessage());
        }
    }

    private void onRequestIntroduction(NodeChannel channel, Id128 requester, Id128 target) throws ProtocolException {
        if (!isBroker()) {
            throw new ProtocolException("REQUEST_INTRODUCTION to a node that is not the broker");
        }
        if (isUntrusted(requester) && !isAllowed(requester, target)) {
            violation(channel, "untrusted process asked to be introduced to node " + target + ", which it was never given a pipe to");
            return;
        }
        NodeChannel targetChannel;
        synchronized (lock) {
            PendingClient pending = target.equals(requester) ? null : pendingClients.get(target);
            if (pending != null) {
                pending.introductionRequests.add(requester); // answered once it connects, or closes
                return;
            }
            targetChannel = lost.contains(target) || target.equals(requester) ? null : peers.get(target);
        }
        introduce(channel, requester, target, targetChannel);
    }

    /** Gives {@code requester} and {@code target} a channel each to the other, or tells the requester there is none. */
    private void introduce(NodeChannel channel, Id128 requester, Id128 target, NodeChannel targetChannel) {
        if (targetChannel == null) {
            channel.send(new FrameBody.NodeFrame(FrameType.INTRODUCE, target)); // no handle: no such node
            return;
        }
        synchronized (lock) {
            if (!introduced.add(Set.of(requester, target))) {
                return; // the crossing request already got both sides a channel
            }
        }
        long[] pair;
        try {
            pair = transport.createChannelPair();
        } catch (IOException e) {
            log.warn("cannot introduce {} to {}: {}", requester, target, e.getMessage());
            channel.send(new FrameBody.NodeFrame(FrameType.INTRODUCE, target));
            return;
        }
        // ownership: one end each, through the channels
        targetChannel.send(new FrameBody.NodeFrame(FrameType.INTRODUCE, requester), new long[] {pair[0]});
        channel.send(new FrameBody.NodeFrame(FrameType.INTRODUCE, target), new long[] {pair[1]});
    }

    private void onIntroduce(NodeChannel channel, Id128 other, long[] handles) throws ProtocolException {
        requireFromBroker(channel, FrameType.INTRODUCE);
        if (handles.length == 0) {
            log.debug("broker knows no node {}", other);
            nodeLost(other);
            return;
        }
        NodeChannel existing;
        synchronized (lock) {
            existing = peers.get(other);
        }
        if (existing != null) {
            ops.close(NodeChannel.take(handles)[0]); // a crossing introduction; the first channel stays
            return;
        }
        NodeChannel c;
        try {
            c = NodeChannel.open(transport, NodeChannel.take(handles)[0], limits, this); // ownership: handle -> channel
        } catch (IOException e) {
            nodeLost(other);
            return;
        }
        addPeer(other, c);
    }

    /**
     * The broker registers a client another node invited, as pending: it becomes a member of the
     * graph only when it says CLIENT_HELLO on the channel made for it, which proves that a process
     * holds that channel's other end. Until then nothing is announced about it.
     */
    private void onAddClient(NodeChannel channel, Id128 inviterNode, Id128 invitee) throws ProtocolException {
        PendingClient pending;
        synchronized (lock) {
            if (joined) {
                throw new ProtocolException("ADD_CLIENT to a node that is not the broker");
            }
            if (invitee.equals(node.name()) || peers.containsKey(invitee) || lost.contains(invitee)
                    || clients.containsKey(invitee) || pendingClients.containsKey(invitee)) {
                throw new ProtocolException("ADD_CLIENT for node " + invitee + ", which the broker already knows");
            }
            int registered = registeredBy.getOrDefault(inviterNode, 0);
            if (registered >= MAX_CLIENTS_PER_INVITER) {
                throw new ProtocolException("ADD_CLIENT beyond the limit of " + MAX_CLIENTS_PER_INVITER
                        + " clients registered by one inviter at a time");
            }
            pending = new PendingClient(invitee, inviterNode, isUntrustedLocked(inviterNode));
            pendingClients.put(invitee, pending);
            registeredBy.put(inviterNode, registered + 1);
        }
        long[] pair;
        try {
            pair = transport.createChannelPair();
        } catch (IOException e) {
            log.warn("cannot connect client {}: {}", invitee, e.getMessage());
            pendingGone(pending);
            return;
        }
        try {
            NodeChannel.open(transport, pair[0], limits, pending); // ownership: pair[0] -> channel
        } catch (IOException e) {
            ops.close(pair[1]);
            pendingGone(pending);
            return;
        }
        channel.send(new FrameBody.NodeFrame(FrameType.CLIENT_ADDED, invitee), new long[] {pair[1]});
    }

    /** Broker only: one registration of {@code inviterNode} ended. */
    private void unregisterLocked(Id128 inviterNode) {
        registeredBy.computeIfPresent(inviterNode, (k, n) -> n > 1 ? n - 1 : null);
    }

    /**
     * The pending client said CLIENT_HELLO: it is a member from now on. What waited for it is
     * sent, and the introductions asked for meanwhile are made.
     */
    private void clientConnected(PendingClient pending, NodeChannel channel) throws ProtocolException {
        List<Event> queued;
        List<Id128> requesters;
        synchronized (lock) {
            if (pendingClients.get(pending.node) != pending) {
                throw new ProtocolException("CLIENT_HELLO from node " + pending.node + ", which is no longer expected");
            }
            pendingClients.remove(pending.node);
            try {
                checkNewPeerLocked(pending.node);
            } catch (ProtocolException e) {
                unregisterLocked(pending.inviter);
                throw e;
            }
            clients.put(pending.node, new Client(pending.node, null, pending.untrusted, pending.inviter, false));
            queued = registerPeerLocked(pending.node, channel);
            requesters = new ArrayList<>(pending.introductionRequests);
        }
        flushQueued(channel, queued);
        for (Id128 r : requesters) {
            NodeChannel rc;
            synchronized (lock) {
                rc = peers.get(r);
            }
            if (rc != null) {
                introduce(rc, r, pending.node, channel);
            }
        }
    }

    /**
     * The pending client's channel closed (or was never opened) before CLIENT_HELLO: it never was
     * a member, so nobody else hears of it; whoever asked to be introduced to it hears there is no
     * such node.
     */
    private void pendingGone(PendingClient pending) {
        List<Event> dropped;
        List<Id128> requesters;
        List<NodeChannel> tell = new ArrayList<>();
        synchronized (lock) {
            if (pendingClients.get(pending.node) != pending) {
                return;
            }
            pendingClients.remove(pending.node);
            unregisterLocked(pending.inviter);
            dropped = waiting.remove(pending.node);
            requesters = new ArrayList<>(pending.introductionRequests);
            for (Id128 r : requesters) {
                NodeChannel rc = peers.get(r);
                if (rc != null) {
                    tell.add(rc);
                }
            }
        }
        if (dropped != null) {
            dropped.forEach(NodeController::drop);
        }
        for (NodeChannel rc : tell) {
            rc.send(new FrameBody.NodeFrame(FrameType.INTRODUCE, pending.node));
        }
        node.lostConnectionToNode(pending.node);
    }

    /** A client registered by ADD_CLIENT that has not yet proved itself; the handler of its channel until then. */
    private final class PendingClient implements NodeChannel.Handler {
        final Id128 node;
        final Id128 inviter;
        final boolean untrusted;
        /** Nodes that asked to be introduced to this one meanwhile (guarded by the controller's lock). */
        final Set<Id128> introductionRequests = new HashSet<>();

        PendingClient(Id128 node, Id128 inviter, boolean untrusted) {
            this.node = node;
            this.inviter = inviter;
            this.untrusted = untrusted;
        }

        @Override
        public void onFrame(NodeChannel channel, FrameBody body, long[] handles) throws ProtocolException {
            if (body.type() != FrameType.CLIENT_HELLO || !((FrameBody.NodeFrame) body).node().equals(node)) {
                throw new ProtocolException("the first frame on the channel made for client " + node + " is " + body.type()
                        + (body instanceof FrameBody.NodeFrame f ? " naming " + f.node() : "") + "; expected CLIENT_HELLO naming it");
            }
            clientConnected(this, channel);
        }

        @Override
        public void onClosed(NodeChannel channel, CloseReason reason) {
            log.debug("client {} never connected: {}", node, reason);
            pendingGone(this);
        }
    }

    private void onClientAdded(NodeChannel channel, Id128 invitee, long[] handles) throws ProtocolException {
        requireFromBroker(channel, FrameType.CLIENT_ADDED);
        NodeChannel towardsInvitee;
        Id128 b;
        synchronized (lock) {
            Client c = clients.get(invitee);
            towardsInvitee = c != null && c.sink != null ? peers.get(invitee) : null;
            b = broker;
        }
        if (towardsInvitee == null) {
            // NodeChannel.onFrame closes the frame's handles when this throws: not here too
            throw new ProtocolException("CLIENT_ADDED for node " + invitee + ", which this node did not invite");
        }
        towardsInvitee.send(new FrameBody.NodeFrame(FrameType.BROKER_CHANNEL, b), NodeChannel.take(handles)); // ownership moves on
    }

    private void onBrokerChannel(NodeChannel channel, Id128 from, Id128 brokerNode, long[] handles) throws ProtocolException {
        synchronized (lock) {
            if (!joined || from == null || !from.equals(inviter) || brokerChannel != null || !brokerNode.equals(broker)) {
                // NodeChannel.onFrame closes the frame's handles when this throws
                throw new ProtocolException("BROKER_CHANNEL that this node did not expect");
            }
        }
        NodeChannel c;
        try {
            c = NodeChannel.open(transport, NodeChannel.take(handles)[0], limits, this);
        } catch (IOException e) {
            log.warn("cannot open the channel to the broker: {}", e.getMessage());
            return;
        }
        // the first frame on this channel: the broker counts this node as a member only then
        c.send(new FrameBody.NodeFrame(FrameType.CLIENT_HELLO, node.name()));
        synchronized (lock) {
            brokerChannel = c;
        }
        brokerChannelKnown.complete(c);
        addPeer(brokerNode, c);
        flushUnsentRequests();
    }

    /**
     * The broker takes reports from any of its clients (each saw the message itself) and passes
     * them to the inviter of the bad node; any other node takes them only from its broker.
     */
    private void onBadMessageReport(NodeChannel channel, FrameBody.BadMessage report) throws ProtocolException {
        if (!isBroker()) {
            requireFromBroker(channel, FrameType.BAD_MESSAGE);
        }
        Client c;
        synchronized (lock) {
            c = clients.get(report.node());
        }
        if (c == null) {
            log.debug("bad message report about node {}, which no invitation of this process brought in: {}", report.node(), report.reason());
        } else if (c.sink != null) {
            c.sink.onBadMessage(report.reason());
        } else {
            reportBadMessage(report.node(), report.reason()); // on towards its inviter
        }
    }

    private void requireFromBroker(NodeChannel channel, Object what) throws ProtocolException {
        synchronized (lock) {
            if (!joined || channel != brokerChannel) {
                throw new ProtocolException(what + " from a node that is not this node's broker");
            }
        }
    }

    @Override
    public void onClosed(NodeChannel channel, CloseReason reason) {
        Id128 peer = channel.peer();
        if (peer == null) {
            return;
        }
        Client c;
        boolean wasBroker;
        synchronized (lock) {
            if (peers.get(peer) != channel) {
                return; // a duplicate that never became the route
            }
            c = clients.get(peer);
            wasBroker = channel == brokerChannel;
        }
        if (wasBroker) {
            log.debug("channel to the broker closed: {}", reason);
            sharedBuffers.brokerLost();
        }
        sharedBuffers.forget(peer);
        // a clean hang-up after every pipe to that process was closed is the normal end, not an error
        boolean mattered = reason.kind() != CloseReason.Kind.PEER_CLOSED || node.portsRoutedThrough(peer) > 0;
        try {
            nodeLost(peer);
        } finally {
            // reported even if cleaning up failed: the inviter must never wait for a lost child in silence
            if (c != null && c.sink != null && reason.isFailure() && mattered && !c.violated) {
                c.sink.onDisconnected(reason);
            }
        }
    }

    // ------------------------------------------------------------ untrusted peers

    private boolean isUntrusted(Id128 peer) {
        synchronized (lock) {
            return isUntrustedLocked(peer);
        }
    }

    private boolean isUntrustedLocked(Id128 peer) {
        Client c = peer == null ? null : clients.get(peer);
        return c != null && c.untrusted;
    }

    private boolean isAllowed(Id128 peer, Id128 target) {
        synchronized (lock) {
            Client c = clients.get(peer);
            return c == null || c.allowed.contains(target);
        }
    }

    private void allow(Id128 peer, Id128 target) {
        if (peer == null) {
            return;
        }
        synchronized (lock) {
            Client c = clients.get(peer);
            if (c != null && c.untrusted) {
                c.allowed.add(target);
            }
        }
    }

    /** The broker records which nodes it has named to an untrusted peer; only those may it ask for. */
    private void noteWhatAnUntrustedPeerLearns(Id128 peer, Event.UserMessage m) {
        for (PortDescriptor d : m.ports()) {
            allow(peer, d.peerNode());
            allow(peer, d.referringNode());
        }
    }

    /** Opens a node channel whose first frames belong to a handshake. Takes ownership of {@code handle}. */
    public NodeChannel openChannel(long handle, Limits channelLimits, NodeChannel.Handler handshake) throws IOException {
        return NodeChannel.open(transport, handle, channelLimits, handshake);
    }
}
