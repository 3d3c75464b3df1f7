package dev.switchboard.ipc.ports;

import dev.switchboard.ipc.ports.Port.State;
import dev.switchboard.ipc.wire.Id128;
import dev.switchboard.ipc.wire.ProtocolException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Internal: the ports engine of one node (one process): creates message pipes, moves their ends between
 * nodes inside messages, and keeps every pipe's messages in order and exactly once while it does.
 * It performs no I/O: events for other nodes go to the {@link NodeDelegate}, events from other
 * nodes come in through {@link #acceptEvent}. The algorithm is described in docs/ports.md.
 *
 * <p><b>Threads.</b> Every method may be called from any thread. One lock guards the whole node's
 * state. Delegate callbacks, and {@link UserPayload#discard()}, are never made while that lock is
 * held: the node queues them while it works and delivers them, in order, after releasing it, on
 * the calling thread (or on a thread already delivering for this node, see {@link Outbox}). So a
 * callback may call back into this node or any other without deadlock, and the events one node
 * sends another leave in the order the node produced them.
 *
 * <p><b>Local delivery.</b> An event for a port of this same node is handled inside the call that
 * produced it, in FIFO order, without the delegate: a message written to a local peer is readable
 * as soon as {@link #sendUserMessage} returns.
 *
 * <p><b>Errors.</b> Misuse by the caller throws {@link PortException} and changes nothing. Events
 * that break the rules on their own throw {@link ProtocolException} from {@link #acceptEvent},
 * also changing nothing; the embedder should treat the sending node as lost. Events that are
 * merely stale (for a port that has closed or moved on, which happens routinely in races) are
 * dropped silently, as Mojo does.
 */
public final class Node {

    private static final long INITIAL_SEQUENCE = 1;

    private final Id128 name;
    private final Supplier<Id128> portNames;
    private final Outbox outbox;
    private final Object lock = new Object();

    // Insertion order keeps a run reproducible when tests supply deterministic names.
    private final Map<Id128, Port> ports = new LinkedHashMap<>();
    private final Set<Id128> lostNodes = new HashSet<>();
    private final ArrayDeque<Inbound> localEvents = new ArrayDeque<>();
    // Worked off iteratively: a port inside a dropped message can hold messages with more ports,
    // as deep as a peer cares to nest them, so recursion could overflow the stack.
    private final ArrayDeque<Id128> portsToClose = new ArrayDeque<>();

    /** A node whose port names come from a {@link java.security.SecureRandom}. */
    public Node(Id128 name, NodeDelegate delegate) {
        this(name, delegate, RandomPortNames.INSTANCE);
    }

    /**
     * A node drawing port names from {@code portNames}, which must never repeat a name and, outside
     * tests, must be unpredictable: a node that can guess a port's name can address events to it.
     */
    public Node(Id128 name, NodeDelegate delegate, Supplier<Id128> portNames) {
        this.name = Objects.requireNonNull(name, "name");
        if (EventChecks.ZERO.equals(name)) {
            throw new IllegalArgumentException("a node name must not be the zero id");
        }
        this.outbox = new Outbox(Objects.requireNonNull(delegate, "delegate"));
        this.portNames = Objects.requireNonNull(portNames, "portNames");
    }

    /** This node's name. */
    public Id128 name() {
        return name;
    }

    // ---------------------------------------------------------------------------------- user API

    /** Creates a message pipe: two receiving ports of this node, each the other's peer. */
    public PortPair createPortPair() {
        synchronized (lock) {
            Port a = newPort(State.RECEIVING);
            Port b = newPort(State.RECEIVING);
            a.peerNode = a.previousNode = name;
            a.peerPort = a.previousPort = b.name;
            b.peerNode = b.previousNode = name;
            b.peerPort = b.previousPort = a.name;
            return new PortPair(ref(a), ref(b));
        }
    }

    /**
     * Reserves a port whose peer is not known yet, for bootstrapping a pipe between two nodes that
     * share no pipe (an invitation). Events that arrive for it wait until
     * {@link #initializePort} names its peer.
     */
    public PortRef createUninitializedPort() {
        synchronized (lock) {
            return ref(newPort(State.UNINITIALIZED));
        }
    }

    /**
     * Makes a reserved port a receiving port whose peer is {@code peerNode/peerPort}; the peer must
     * be initialized the same way with this port. Used in pairs, across two nodes, to create the
     * first pipe between them.
     */
    public void initializePort(PortRef port, Id128 peerNode, Id128 peerPort) {
        Objects.requireNonNull(peerNode, "peerNode");
        Objects.requireNonNull(peerPort, "peerPort");
        if (EventChecks.ZERO.equals(peerNode) || EventChecks.ZERO.equals(peerPort)) {
            throw new IllegalArgumentException("peer names must not be the zero id");
        }
        synchronized (lock) {
            Port p = existing(port);
            if (p.state != State.UNINITIALIZED) {
                throw new PortException(PortException.Reason.ALREADY_INITIALIZED, "port " + port + " is already initialized");
            }
            p.state = State.RECEIVING;
            p.peerNode = p.previousNode = peerNode;
            p.peerPort = p.previousPort = peerPort;
            checkRoute(p);
            releaseEarly(p);
            signal(p, true);
            runLocal();
        }
        outbox.drain();
    }

    /**
     * Sends {@code payload} from {@code port} to its peer, with the receiving ports in
     * {@code transfer} travelling inside it. On {@link SendResult#SENT} the payload and the
     * transferred ports belong to the engine: the caller's refs to those ports become unusable,
     * and the reader of the message gets new refs to them.
     *
     * @return {@link SendResult#PEER_CLOSED} if the peer is known to be closed; then nothing
     *     changed and the caller still owns the payload and the ports
     * @throws PortException if {@code port} or a transferred port is not a receiving port of this
     *     node held by the caller, if a port would travel inside a message from or to itself, or
     *     if there are more than {@link EventCodec#MAX_PORTS_PER_MESSAGE} ports
     */
    public SendResult sendUserMessage(PortRef port, UserPayload payload, List<PortRef> transfer) {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(transfer, "transfer");
        synchronized (lock) {
            Port p = userPort(port);
            if (transfer.size() > EventCodec.MAX_PORTS_PER_MESSAGE) {
                throw new PortException(PortException.Reason.TOO_MANY_PORTS,
                        transfer.size() + " ports in one message, limit is " + EventCodec.MAX_PORTS_PER_MESSAGE);
            }
            List<Id128> carried = new ArrayList<>(transfer.size());
            Set<Id128> seen = new HashSet<>();
            for (PortRef t : transfer) {
                if (t.equals(port)) {
                    throw new PortException(PortException.Reason.CANNOT_SEND_SELF, "port " + port + " cannot travel inside its own message");
                }
                if (!seen.add(t.name())) {
                    throw new PortException(PortException.Reason.DUPLICATE_PORT, "port " + t + " is listed twice");
                }
                Port c = userPort(t);
                if (name.equals(p.peerNode) && c.name.equals(p.peerPort)) {
                    throw new PortException(PortException.Reason.CANNOT_SEND_PEER, "port " + t + " cannot travel inside a message sent to it");
                }
                carried.add(c.name);
            }
            if (p.lastKnown) {
                return SendResult.PEER_CLOSED;
            }
            for (Id128 c : carried) {
                ports.get(c).inMessage = true;
            }
            route(p, p.nextSequenceToSend++, payload, carried);
            runLocal();
        }
        outbox.drain();
        return SendResult.SENT;
    }

    /**
     * Waits while an I/O thread ({@link NodeDelegate#isIoThread}) is handing this node's events to
     * the delegate, until it is done. A thread that calls into the node while another delivers
     * leaves its events to that one; a writer that kept sending faster than delivery would keep
     * an I/O thread delivering for as long as it wrote, serving no channel meanwhile, and the
     * events would pile up. A caller that may wait (a writer on its own thread, never an I/O
     * thread) calls this after each send, so it adds at most one send to an I/O thread's work.
     * Call it outside any lock that a delegate callback may take.
     *
     * @return false if interrupted while waiting (the interrupt flag is set again)
     */
    public boolean awaitDelivered() {
        return outbox.awaitDelivered();
    }

    /** For tests and diagnostics: events decided and not yet handed to the delegate. */
    public int undeliveredEvents() {
        return outbox.queued();
    }

    /**
     * Takes the next message in sequence from {@code port}, or returns null if it has not arrived
     * (check {@link #getStatus} to tell "not yet" from "never"). Ports inside the message become
     * ordinary ports of this node; if one of them already has messages or a closed peer, the
     * delegate hears about it as it would for any port.
     */
    public ReceivedMessage getMessage(PortRef port) {
        ReceivedMessage result;
        synchronized (lock) {
            Port p = userPort(port);
            QueuedMessage m = p.queue.poll();
            if (m == null) {
                return null;
            }
            List<PortRef> received = new ArrayList<>(m.ports().size());
            for (Id128 n : m.ports()) {
                Port c = ports.get(n);
                if (c == null) {
                    continue; // cannot happen: a port inside a message lives until the message is read or dropped
                }
                c.inMessage = false;
                received.add(ref(c));
                signal(c, true);
            }
            result = new ReceivedMessage(m.payload(), received);
            runLocal();
        }
        outbox.drain();
        return result;
    }

    /**
     * Closes a receiving (or never initialized) port. Its unread messages are dropped, and the ports
     * inside them closed; the peer reports closed once it has received everything this port sent.
     */
    public void closePort(PortRef port) {
        synchronized (lock) {
            Port p = existing(port);
            if (p.inMessage) {
                throw new PortException(PortException.Reason.IN_MESSAGE, "port " + port + " is inside an unread message");
            }
            if (p.isProxy()) {
                throw new PortException(PortException.Reason.NOT_RECEIVING, "port " + port + " was sent away");
            }
            close(p);
            runLocal();
        }
        outbox.drain();
    }

    /** How many ports of this node send to, or receive from, {@code other}: routes a loss of it would break. */
    public int portsRoutedThrough(Id128 other) {
        synchronized (lock) {
            int n = 0;
            for (Port p : ports.values()) {
                if (other.equals(p.peerNode) || other.equals(p.previousNode)) {
                    n++;
                }
            }
            return n;
        }
    }

    /** The node a receiving port sends to next: where its writer's flow control applies. */
    public Id128 peerNodeOf(PortRef port) {
        synchronized (lock) {
            return userPort(port).peerNode;
        }
    }

    /** What a reader of {@code port} would want to know; see {@link PortStatus}. */
    public PortStatus getStatus(PortRef port) {
        synchronized (lock) {
            Port p = userPort(port);
            boolean hasMessages = p.queue.hasNext();
            boolean peerClosed = p.peerClosedVisible();
            return new PortStatus(hasMessages, hasMessages || !peerClosed, peerClosed, !name.equals(p.peerNode), p.queue.size());
        }
    }

    // ------------------------------------------------------------------------ from the embedder

    /**
     * Handles an event that node {@code source} sent to this node. Events for ports this node does
     * not have are dropped (a user message's payload is discarded and the ports inside it closed).
     * Events from a node already reported lost are dropped.
     *
     * <p>{@code source} is the node at the other end of the channel the event came through, as the
     * transport knows it, never a field of the event: it decides whose stream the event belongs to
     * (a port acts only on its previous port's events) and where carried ports may come from, so a
     * node can speak only for its own ports.
     *
     * @throws ProtocolException if the event breaks a rule on its own (see {@link EventCodec}), or
     *     carries a port whose old location is not {@code source}, or a port whose name is in use
     *     here; nothing was changed and the payload still belongs to the caller
     */
    public void acceptEvent(Id128 source, Event event) throws ProtocolException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(event, "event");
        if (source.equals(name)) {
            throw new IllegalArgumentException("events between ports of one node never leave it; source is this node");
        }
        EventChecks.validate(event);
        synchronized (lock) {
            if (lostNodes.contains(source)) {
                if (event instanceof Event.UserMessage m) {
                    outbox.discard(m.payload());
                }
            } else {
                List<Id128> carried = List.of();
                if (event instanceof Event.UserMessage m && !m.ports().isEmpty()) {
                    for (PortDescriptor d : m.ports()) {
                        if (!d.referringNode().equals(source)) {
                            throw new ProtocolException("USER_MESSAGE carries port " + d.name() + " whose old location is node "
                                    + d.referringNode() + ", but the message came from node " + source);
                        }
                        if (ports.containsKey(d.name())) {
                            throw new ProtocolException("USER_MESSAGE carries port " + d.name() + ", a name already in use on this node");
                        }
                    }
                    carried = new ArrayList<>(m.ports().size());
                    for (PortDescriptor d : m.ports()) {
                        carried.add(acceptPort(d));
                    }
                }
                dispatch(new Inbound(source, event, carried));
                runLocal();
            }
        }
        outbox.drain();
    }

    /**
     * Node {@code node} is gone, with whatever was in flight to or from it. Every receiving port
     * whose route passed through it reports its peer closed once it has delivered the messages that
     * arrived in order; proxies that depended on it go away. Later events that would involve that
     * node are handled the same way. Idempotent.
     */
    public void lostConnectionToNode(Id128 node) {
        Objects.requireNonNull(node, "node");
        if (node.equals(name)) {
            throw new IllegalArgumentException("a node cannot lose itself");
        }
        synchronized (lock) {
            if (lostNodes.add(node)) {
                for (Port p : new ArrayList<>(ports.values())) {
                    if (ports.get(p.name) != p) {
                        continue;
                    }
                    // Events a port set aside from that node can never be followed by the rest of
                    // their sender's stream.
                    for (Inbound in : p.early.removeFromNode(node)) {
                        dropInbound(in);
                    }
                    checkRoute(p);
                }
                runLocal();
            }
        }
        outbox.drain();
    }

    // ---------------------------------------------------------------------------- introspection

    /** Ports of every state this node holds, proxies included. */
    public int portCount() {
        synchronized (lock) {
            return ports.size();
        }
    }

    /** Ports that were sent away and still buffer or forward for their new location. */
    public int proxyCount() {
        synchronized (lock) {
            int n = 0;
            for (Port p : ports.values()) {
                if (p.isProxy()) {
                    n++;
                }
            }
            return n;
        }
    }

    /** One line per port, for failure messages. */
    public String describe() {
        synchronized (lock) {
            StringBuilder b = new StringBuilder("node ").append(name.toHex(), 0, 8).append('\n');
            for (Port p : ports.values()) {
                b.append("  ").append(p.name.toHex(), 0, 8).append(' ').append(p.state)
                        .append(" peer=").append(short8(p.peerPort)).append('@').append(short8(p.peerNode))
                        .append(" prev=").append(short8(p.previousPort)).append('@').append(short8(p.previousNode))
                        .append(" send=").append(p.nextSequenceToSend)
                        .append(" recv=").append(p.queue.nextSequence())
                        .append(" queued=").append(p.queue.size())
                        .append(p.lastKnown ? " last=" + p.lastSequenceToReceive : "")
                        .append(p.lost ? " lost" : "")
                        .append(p.inMessage ? " in-message" : "")
                        .append(p.early.isEmpty() ? "" : " early=" + p.early.size())
                        .append('\n');
            }
            return b.toString();
        }
    }

    private static String short8(Id128 id) {
        return id == null ? "-" : id.toHex().substring(0, 8);
    }

    // ------------------------------------------------------------------------- event handling
    // Everything below runs under the lock.

    /** Handles local events and closes ports of dropped messages until nothing is left to do. */
    private void runLocal() {
        while (true) {
            Inbound in = localEvents.poll();
            if (in != null) {
                dispatch(in);
                continue;
            }
            Id128 orphan = portsToClose.poll();
            if (orphan == null) {
                return;
            }
            Port p = ports.get(orphan);
            if (p != null && p.state == State.RECEIVING) {
                close(p);
            }
        }
    }

    private void dispatch(Inbound in) {
        Event e = in.event();
        Port p = ports.get(e.port());
        if (p == null) {
            dropInbound(in);
            return;
        }
        // PortAccepted comes from the port's new location and ObserveProxy from the port's next hop:
        // both travel the other way round the route, outside the previous port's stream.
        if (e instanceof Event.PortAccepted) {
            onPortAccepted(p, in);
            return;
        }
        if (e instanceof Event.ObserveProxy o) {
            onObserveProxy(p, in.source(), o);
            return;
        }
        // A port follows one sender at a time: its previous port, until that one hands over with
        // UpdatePrevious as its last event. Anything from the successor that overtook the handover
        // waits. This gives each port a single ordered stream of events, and makes the previous
        // port exact, which is what lets a lost node be traced to every route it was part of.
        if (!p.isFrom(in)) {
            if (p.lost) {
                // A lost port takes nothing more; holding these for a handover that may never
                // come would strand the ports inside them.
                dropInbound(in);
            } else {
                p.early.add(in);
            }
            return;
        }
        handle(p, in);
        releaseEarly(p);
    }

    private void releaseEarly(Port p) {
        while (ports.get(p.name) == p && !p.early.isEmpty() && p.previousPort != null) {
            Inbound next = p.early.pollFrom(p.previousNode, p.previousPort);
            if (next == null) {
                return;
            }
            handle(p, next);
        }
    }

    private void handle(Port p, Inbound in) {
        Event e = in.event();
        if (e instanceof Event.UserMessage m) {
            onUserMessage(p, m, in.ports());
        } else if (e instanceof Event.ObserveProxyAck a) {
            onObserveProxyAck(p, a);
        } else if (e instanceof Event.ObserveClosure c) {
            onObserveClosure(p, c);
        } else if (e instanceof Event.UpdatePrevious u) {
            p.previousNode = u.previousNode();
            p.previousPort = u.previousPort();
            checkRoute(p);
            if (ports.get(p.name) == p && p.state == State.PROXYING && !p.lastKnown) {
                // The port we announced ourselves to has gone without bypassing us; ask its successor.
                announceProxy(p);
            }
        } else if (e instanceof Event.RouteLost) {
            onRouteLost(p);
        }
    }

    private void onUserMessage(Port p, Event.UserMessage m, List<Id128> carried) {
        long seq = m.sequence();
        if (p.lost || !p.queue.canHold(seq) || (p.lastKnown && seq > p.lastSequenceToReceive)) {
            drop(m.payload(), carried);
            return;
        }
        p.queue.add(new QueuedMessage(seq, m.payload(), carried));
        if (p.state == State.RECEIVING) {
            signal(p, true);
        } else if (p.state == State.PROXYING) {
            forwardQueued(p);
            tryRemoveProxy(p);
        }
        // BUFFERING: held until the new location confirms it exists.
    }

    private void onPortAccepted(Port p, Inbound in) {
        // Only the new location may release a buffering port; anything else is stale.
        if (p.state != State.BUFFERING || !p.peerNode.equals(in.source()) || !p.peerPort.equals(in.event().from())) {
            return;
        }
        p.state = State.PROXYING;
        send(p.handover.node(), p.handover.event());
        p.handover = null;
        for (Port.Deferred d : p.deferred) {
            send(d.node(), d.event());
        }
        p.deferred.clear();
        forwardQueued(p);
        if (p.routeLostPending) {
            abandon(p);
        } else if (p.lastKnown) {
            tryRemoveProxy(p);
        } else {
            announceProxy(p);
        }
    }

    /**
     * Our next hop {@code o.from()} is a proxy and tells us where it forwards to. A receiving port
     * sends there directly from now on and tells the proxy the last sequence number it sent through
     * it. A port that is itself a proxy never bypasses anything: its next hop must stay fixed, since
     * the ports behind it may already have been told to skip it and send there. The announcing proxy
     * asks again when this port hands over to its own previous port.
     */
    private void onObserveProxy(Port p, Id128 source, Event.ObserveProxy o) {
        if (p.state != State.RECEIVING || !source.equals(p.peerNode) || !o.from().equals(p.peerPort)) {
            return;
        }
        long lastSent = p.nextSequenceToSend - 1;
        p.peerNode = o.targetNode();
        p.peerPort = o.targetPort();
        send(source, new Event.ObserveProxyAck(o.from(), p.name, lastSent));
        checkRoute(p);
    }

    private void onObserveProxyAck(Port p, Event.ObserveProxyAck a) {
        if (p.state != State.PROXYING) {
            return;
        }
        setLast(p, a.lastSequence());
        tryRemoveProxy(p);
    }

    private void onObserveClosure(Port p, Event.ObserveClosure c) {
        if (p.state == State.RECEIVING) {
            setLast(p, c.lastSequence());
            // Keep it going round with our own last number: proxies between us and the closed port
            // still forward our messages to it, and this tells them where to stop.
            sendAlongRoute(p, new Event.ObserveClosure(p.peerPort, p.name, p.nextSequenceToSend - 1));
            signal(p, false);
        } else if (p.isProxy()) {
            setLast(p, c.lastSequence());
            sendAlongRoute(p, new Event.ObserveClosure(p.peerPort, p.name, c.lastSequence()));
            tryRemoveProxy(p);
        }
    }

    private void onRouteLost(Port p) {
        switch (p.state) {
            case RECEIVING -> markLost(p);
            case PROXYING -> abandon(p);
            case BUFFERING -> p.routeLostPending = true;
            default -> { }
        }
    }

    // ------------------------------------------------------------------------ route mechanics

    /**
     * Sends a user message one hop along {@code from}'s route. Ports travelling to another node are
     * turned into proxies here, hop by hop; a message that stays on this node keeps them as they
     * are, which saves churn for the many messages that never leave their node.
     */
    private void route(Port from, long seq, UserPayload payload, List<Id128> carried) {
        if (from.peerNode.equals(name)) {
            localEvents.add(new Inbound(name, new Event.UserMessage(from.peerPort, from.name, seq, List.of(), payload), carried));
            return;
        }
        if (lostNodes.contains(from.peerNode)) {
            // Unreachable in practice (such a port is already lost or gone); dropping is the safe answer.
            drop(payload, carried);
            return;
        }
        List<PortDescriptor> descriptors = new ArrayList<>(carried.size());
        for (Id128 n : carried) {
            Port c = ports.get(n);
            if (c != null && c.state == State.RECEIVING) { // always, as for getMessage
                descriptors.add(convertToProxy(c, from.peerNode));
            }
        }
        outbox.forward(from.peerNode, new Event.UserMessage(from.peerPort, from.name, seq, descriptors, payload));
    }

    /**
     * Turns a receiving port that is about to travel to {@code toNode} into a buffering proxy for
     * its new incarnation there, and describes that incarnation.
     */
    private PortDescriptor convertToProxy(Port c, Id128 toNode) {
        Id128 newName = newPortName();
        PortDescriptor d = new PortDescriptor(newName, c.peerNode, c.peerPort, name, c.name,
                c.nextSequenceToSend, c.queue.nextSequence(),
                c.lastKnown ? c.lastSequenceToReceive : 0, c.lastKnown);
        // The peer will hear from the new incarnation from now on, but is told only once that
        // incarnation exists (PortAccepted). Told now, it could wait forever for a port whose
        // carrying message died with this node; told later, it hears from this node either way.
        c.handover = new Port.Deferred(c.peerNode, new Event.UpdatePrevious(c.peerPort, c.name, toNode, newName));
        c.state = State.BUFFERING;
        c.inMessage = false;
        c.peerNode = toNode;
        c.peerPort = newName;
        checkRoute(c);
        return d;
    }

    private Id128 acceptPort(PortDescriptor d) {
        Port c = new Port(d.name(), State.RECEIVING, d.nextSequenceToSend(), d.nextSequenceToReceive());
        c.peerNode = d.peerNode();
        c.peerPort = d.peerPort();
        c.previousNode = d.referringNode();
        c.previousPort = d.referringPort();
        c.inMessage = true;
        if (d.peerClosed()) {
            c.lastKnown = true;
            c.lastSequenceToReceive = d.lastSequenceToReceive();
        }
        ports.put(c.name, c);
        send(d.referringNode(), new Event.PortAccepted(d.referringPort(), c.name));
        checkRoute(c);
        return c.name;
    }

    private void forwardQueued(Port p) {
        QueuedMessage m;
        while ((m = p.queue.poll()) != null) {
            route(p, m.sequence(), m.payload(), m.ports());
        }
    }

    /**
     * Starts the removal of a proxy: tell the port that sends to us (our previous port, exact thanks
     * to the handover) where we forward to, so that it can skip us.
     */
    private void announceProxy(Port p) {
        send(p.previousNode, new Event.ObserveProxy(p.previousPort, p.name, p.peerNode, p.peerPort));
    }

    /** Removes a proxy once it has forwarded everything that will ever reach it. */
    private void tryRemoveProxy(Port p) {
        if (p.state != State.PROXYING || !p.lastKnown || p.queue.nextSequence() - 1 < p.lastSequenceToReceive) {
            return;
        }
        // Last event to the next hop: from now on it listens to whoever sent to us.
        send(p.peerNode, new Event.UpdatePrevious(p.peerPort, p.name, p.previousNode, p.previousPort));
        erase(p);
    }

    /** A proxy whose upstream is gone: pass on what arrived in order, say so, and leave. */
    private void abandon(Port p) {
        forwardQueued(p);
        send(p.peerNode, new Event.RouteLost(p.peerPort, p.name));
        erase(p);
    }

    /** Reacts if the port's next hop or previous port lives on a lost node. */
    private void checkRoute(Port p) {
        if (lostNodes.isEmpty() || p.state == State.UNINITIALIZED) {
            return;
        }
        boolean peerLost = lostNodes.contains(p.peerNode);
        boolean previousLost = lostNodes.contains(p.previousNode);
        if (!peerLost && !previousLost) {
            return;
        }
        switch (p.state) {
            case RECEIVING -> markLost(p);
            case BUFFERING -> {
                if (peerLost) {
                    // The new incarnation will never confirm; the old peer must not keep waiting
                    // for the handover it was promised.
                    Event.UpdatePrevious h = (Event.UpdatePrevious) p.handover.event();
                    send(p.handover.node(), new Event.RouteLost(h.port(), p.name));
                    erase(p);
                } else {
                    p.routeLostPending = true;
                }
            }
            case PROXYING -> {
                if (peerLost) {
                    erase(p);
                } else {
                    abandon(p);
                }
            }
            default -> { }
        }
    }

    /**
     * The route of a receiving port broke. It keeps the messages that can still be read in order,
     * takes nothing more, reports its peer closed, and tells the rest of the route (the proxies in
     * front of it and the other end) unless the break is right in front of it.
     */
    private void markLost(Port p) {
        if (p.lost) {
            return;
        }
        p.lost = true;
        long end = p.queue.nextSequence() - 1 + p.queue.contiguous();
        if (!p.lastKnown || p.lastSequenceToReceive > end) {
            p.lastKnown = true;
            p.lastSequenceToReceive = end;
        }
        for (QueuedMessage m : p.queue.removeAfter(p.lastSequenceToReceive)) {
            drop(m.payload(), m.ports());
        }
        for (Inbound in : p.early.removeAll()) {
            dropInbound(in);
        }
        if (!lostNodes.contains(p.peerNode)) {
            send(p.peerNode, new Event.RouteLost(p.peerPort, p.name));
        }
        signal(p, false);
    }

    private void setLast(Port p, long last) {
        if (p.lastKnown) {
            // The first word on where a stream ends is final. Honest later ones (an ack after a
            // closure, a closure after a descriptor said "peer closed") repeat it; a different one
            // means a loss froze it lower, and what lay beyond was dropped then, so waiting for it
            // now would never end. This holds across moves, which carry the number but not why.
            return;
        }
        p.lastKnown = true;
        // Never below what already went through: a smaller number can only be stale.
        p.lastSequenceToReceive = Math.max(last, p.queue.nextSequence() - 1);
        for (QueuedMessage m : p.queue.removeAfter(p.lastSequenceToReceive)) {
            drop(m.payload(), m.ports());
        }
    }

    private void close(Port p) {
        erase(p);
        if (p.state == State.RECEIVING) {
            send(p.peerNode, new Event.ObserveClosure(p.peerPort, p.name, p.nextSequenceToSend - 1));
        }
    }

    private void erase(Port p) {
        ports.remove(p.name);
        for (QueuedMessage m : p.queue.removeAll()) {
            drop(m.payload(), m.ports());
        }
        for (Inbound in : p.early.removeAll()) {
            dropInbound(in);
        }
        p.deferred.clear();
    }

    private void dropInbound(Inbound in) {
        if (in.event() instanceof Event.UserMessage m) {
            drop(m.payload(), in.ports());
        }
    }

    private void drop(UserPayload payload, List<Id128> carried) {
        outbox.discard(payload);
        portsToClose.addAll(carried);
    }

    /** Sends an event along a port's route; a buffering port holds it until its new location exists. */
    private void sendAlongRoute(Port p, Event e) {
        if (p.state == State.BUFFERING) {
            p.deferred.add(new Port.Deferred(p.peerNode, e));
        } else {
            send(p.peerNode, e);
        }
    }

    private void send(Id128 node, Event e) {
        if (node.equals(name)) {
            localEvents.add(new Inbound(name, e, List.of()));
        } else if (!lostNodes.contains(node)) {
            outbox.forward(node, e);
        }
    }

    /** Queues a status callback if the port's reader has something new to see. */
    private void signal(Port p, boolean messageArrived) {
        if (p.state != State.RECEIVING || p.inMessage) {
            return;
        }
        boolean newlyClosed = p.peerClosedVisible() && !p.closureSignalled;
        if (newlyClosed) {
            p.closureSignalled = true;
        }
        if (newlyClosed || (messageArrived && p.queue.hasNext())) {
            outbox.statusChanged(ref(p));
        }
    }

    // --------------------------------------------------------------------------------- helpers

    private Port newPort(State state) {
        Port p = new Port(newPortName(), state, INITIAL_SEQUENCE, INITIAL_SEQUENCE);
        ports.put(p.name, p);
        return p;
    }

    private Id128 newPortName() {
        while (true) {
            Id128 n = portNames.get();
            if (!EventChecks.ZERO.equals(n) && !ports.containsKey(n)) {
                return n;
            }
        }
    }

    private PortRef ref(Port p) {
        return new PortRef(name, p.name);
    }

    private Port existing(PortRef ref) {
        Objects.requireNonNull(ref, "port");
        if (!ref.node().equals(name)) {
            throw new PortException(PortException.Reason.WRONG_NODE, "port " + ref + " belongs to another node");
        }
        Port p = ports.get(ref.name());
        if (p == null) {
            throw new PortException(PortException.Reason.UNKNOWN_PORT, "no port " + ref + " on this node");
        }
        return p;
    }

    /** A port the caller may use: receiving, and not inside an unread message. */
    private Port userPort(PortRef ref) {
        Port p = existing(ref);
        if (p.inMessage) {
            throw new PortException(PortException.Reason.IN_MESSAGE, "port " + ref + " is inside an unread message");
        }
        if (p.state != State.RECEIVING) {
            throw new PortException(PortException.Reason.NOT_RECEIVING, "port " + ref + " is " + p.state.name().toLowerCase());
        }
        return p;
    }
}
