package dev.switchboard.ipc.ports;

import dev.switchboard.ipc.wire.Id128;
import dev.switchboard.ipc.wire.ProtocolException;
import java.util.HashSet;
import java.util.Set;

/**
 * The rules every event from another node must satisfy on its own, whatever the receiving node's
 * state: shared by {@link EventCodec#decode} and {@link Node#acceptEvent} so that an event built in
 * memory is held to the same standard as one read from bytes.
 */
final class EventChecks {

    static final Id128 ZERO = new Id128(0, 0);

    private EventChecks() {}

    static void validate(Event event) throws ProtocolException {
        String what = EventCodec.typeName(event);
        id(event.port(), what, "target port");
        id(event.from(), what, "sending port");
        if (event instanceof Event.UserMessage m) {
            if (m.sequence() < 1) {
                throw new ProtocolException(what + " sequence number " + Long.toUnsignedString(m.sequence())
                        + (m.sequence() == 0 ? " (sequence numbers start at 1)" : " exceeds 2^63-1"));
            }
            if (m.ports().size() > EventCodec.MAX_PORTS_PER_MESSAGE) {
                throw new ProtocolException(what + " carries " + m.ports().size() + " ports, limit is "
                        + EventCodec.MAX_PORTS_PER_MESSAGE);
            }
            Set<Id128> names = new HashSet<>();
            for (int i = 0; i < m.ports().size(); i++) {
                PortDescriptor d = m.ports().get(i);
                descriptor(d, what + " port descriptor " + i);
                if (!names.add(d.name())) {
                    throw new ProtocolException(what + " carries port " + d.name() + " twice");
                }
            }
        } else if (event instanceof Event.ObserveProxy p) {
            id(p.targetNode(), what, "target node");
            id(p.targetPort(), what, "target port of the proxy");
        } else if (event instanceof Event.ObserveProxyAck a) {
            if (a.lastSequence() < 0) {
                throw new ProtocolException(what + " last sequence number " + Long.toUnsignedString(a.lastSequence())
                        + " exceeds 2^63-1");
            }
        } else if (event instanceof Event.ObserveClosure c) {
            if (c.lastSequence() < 0) {
                throw new ProtocolException(what + " last sequence number " + Long.toUnsignedString(c.lastSequence())
                        + " exceeds 2^63-1");
            }
        } else if (event instanceof Event.UpdatePrevious u) {
            id(u.previousNode(), what, "previous node");
            id(u.previousPort(), what, "previous port");
        }
    }

    private static void descriptor(PortDescriptor d, String what) throws ProtocolException {
        id(d.name(), what, "name");
        id(d.peerNode(), what, "peer node");
        id(d.peerPort(), what, "peer port");
        id(d.referringNode(), what, "referring node");
        id(d.referringPort(), what, "referring port");
        sequence(d.nextSequenceToSend(), what, "next sequence number to send");
        sequence(d.nextSequenceToReceive(), what, "next sequence number to receive");
        if (d.peerClosed()) {
            if (d.lastSequenceToReceive() < d.nextSequenceToReceive() - 1) {
                throw new ProtocolException(what + " last sequence number to receive "
                        + Long.toUnsignedString(d.lastSequenceToReceive()) + " precedes the next one to receive, "
                        + d.nextSequenceToReceive());
            }
        } else if (d.lastSequenceToReceive() != 0) {
            throw new ProtocolException(what + " has last sequence number to receive "
                    + Long.toUnsignedString(d.lastSequenceToReceive()) + " but its peer is not closed");
        }
    }

    private static void sequence(long value, String what, String field) throws ProtocolException {
        if (value < 1) {
            throw new ProtocolException(what + " " + field + " " + Long.toUnsignedString(value)
                    + (value == 0 ? " (sequence numbers start at 1)" : " exceeds 2^63-1"));
        }
    }

    private static void id(Id128 id, String what, String field) throws ProtocolException {
        if (ZERO.equals(id)) {
            throw new ProtocolException(what + " " + field + " is the zero id");
        }
    }
}
