package dev.switchboard.ipc.ports;

import dev.switchboard.ipc.wire.Id128;
import java.util.ArrayList;
import java.util.List;

/**
 * The state of one port. A route is a cycle of ports: each port sends to its peer (the next hop)
 * and acts only on events from its previous port. Between the two receiving ports of a pipe sit
 * zero or more proxies left behind where the ends used to be. Only {@link Node} touches this, under
 * its lock.
 */
final class Port {

    enum State {
        /** Reserved for bootstrapping; no peer yet. Events wait until it is initialized. */
        UNINITIALIZED,
        /** A pipe end: the user reads and writes it. */
        RECEIVING,
        /** Sent inside a message; holds what arrives until the new location confirms it exists. */
        BUFFERING,
        /** Forwards everything to the new location until the route no longer passes through it. */
        PROXYING
    }

    /** An event a buffering port will send once it may. */
    record Deferred(Id128 node, Event event) {}

    final Id128 name;
    State state;

    Id128 peerNode;
    Id128 peerPort;
    Id128 previousNode;
    Id128 previousPort;

    long nextSequenceToSend;
    final MessageQueue queue;

    /**
     * The last sequence number that will ever arrive is known: for a receiving port because the peer
     * closed (or the route was lost), for a proxy because the port before it stopped sending
     * through it. Then {@link #lastSequenceToReceive} holds it.
     */
    boolean lastKnown;
    long lastSequenceToReceive;

    /** Receiving port whose route broke: it takes nothing more and reports its peer closed. */
    boolean lost;
    /** Buffering port whose upstream was lost: after the new location confirms, it finishes and leaves. */
    boolean routeLostPending;
    /** Inside a message nobody has read: no user calls, no status callbacks. */
    boolean inMessage;
    /** A peer-closed callback has been issued, so it is not issued twice. */
    boolean closureSignalled;

    /**
     * Buffering port: the handover its old peer is owed ("your previous port is now my new
     * incarnation"), sent once that incarnation is known to exist.
     */
    Deferred handover;
    /** Events this port must send along the route once it stops buffering, in order. */
    final List<Deferred> deferred = new ArrayList<>();
    /** Events from a port that is not yet this port's previous one, in arrival order. */
    final EarlyEvents early = new EarlyEvents();

    Port(Id128 name, State state, long nextSequenceToSend, long nextSequenceToReceive) {
        this.name = name;
        this.state = state;
        this.nextSequenceToSend = nextSequenceToSend;
        this.queue = new MessageQueue(nextSequenceToReceive);
    }

    boolean isProxy() {
        return state == State.BUFFERING || state == State.PROXYING;
    }

    /** Every message up to the known last one is here (or was already taken). */
    boolean allArrived() {
        return lastKnown && queue.size() >= lastSequenceToReceive - queue.nextSequence() + 1;
    }

    /** What the user sees as "peer closed": closed, and nothing still on its way. */
    boolean peerClosedVisible() {
        return state == State.RECEIVING && allArrived();
    }

    boolean isFrom(Inbound in) {
        return previousPort != null
                && previousNode.equals(in.source())
                && previousPort.equals(in.event().from());
    }
}
