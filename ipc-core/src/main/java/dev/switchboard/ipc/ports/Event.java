package dev.switchboard.ipc.ports;

import dev.switchboard.ipc.wire.Id128;
import java.util.List;
import java.util.Objects;

/**
 * Internal: what one port asks of the next port along its route. Events travel between nodes (through the
 * {@link NodeDelegate} and, on the wire, {@link EventCodec}); every event names the port it is for
 * ({@link #port()}) and the port that sent it ({@link #from()}). A node only acts on an event from
 * the port it currently knows as the target's predecessor; events from a port that will become the
 * predecessor later wait until it has. The one exception is {@link PortAccepted}, which comes from
 * the other direction. See docs/ports.md for the algorithm and the byte layouts.
 */
public sealed interface Event
        permits Event.UserMessage,
                Event.PortAccepted,
                Event.ObserveProxy,
                Event.ObserveProxyAck,
                Event.ObserveClosure,
                Event.UpdatePrevious,
                Event.RouteLost {

    /** The port this event is for, on the node it is sent to. */
    Id128 port();

    /** The port that sent this event. */
    Id128 from();

    /**
     * A message from the user, with a payload the engine does not look at and zero or more ports
     * travelling inside it.
     *
     * @param sequence position in the sender's stream, starting at 1; proxies keep it unchanged so
     *     the receiver can restore the order
     * @param ports one descriptor per port carried, in the sender's order
     * @param payload the user's payload
     */
    record UserMessage(Id128 port, Id128 from, long sequence, List<PortDescriptor> ports, UserPayload payload)
            implements Event {
        public UserMessage {
            Objects.requireNonNull(port, "port");
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(payload, "payload");
            ports = List.copyOf(ports);
        }

        /** The same message with another payload, for an embedder that attaches OS handles after decoding. */
        public UserMessage withPayload(UserPayload newPayload) {
            return new UserMessage(port, from, sequence, ports, newPayload);
        }
    }

    /**
     * The port that travelled inside a message now exists at its destination: its old location,
     * which buffered everything meanwhile, may start forwarding. Sent by the new port ({@code from})
     * to the old one ({@code port}).
     */
    record PortAccepted(Id128 port, Id128 from) implements Event {
        public PortAccepted {
            Objects.requireNonNull(port, "port");
            Objects.requireNonNull(from, "from");
        }
    }

    /**
     * A proxy ({@code from}) tells the port that sends to it ({@code port}, its previous port) where
     * it forwards to. If that port is a receiving port, it sends straight to
     * {@code targetNode/targetPort} from then on and answers with {@link ObserveProxyAck}.
     */
    record ObserveProxy(Id128 port, Id128 from, Id128 targetNode, Id128 targetPort) implements Event {
        public ObserveProxy {
            Objects.requireNonNull(port, "port");
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(targetNode, "targetNode");
            Objects.requireNonNull(targetPort, "targetPort");
        }
    }

    /**
     * The answer to {@link ObserveProxy}, sent to the proxy by the port that bypasses it.
     *
     * @param lastSequence the last sequence number the bypassing port sent through the proxy; once
     *     it has forwarded that far, the proxy goes away
     */
    record ObserveProxyAck(Id128 port, Id128 from, long lastSequence) implements Event {
        public ObserveProxyAck {
            Objects.requireNonNull(port, "port");
            Objects.requireNonNull(from, "from");
        }
    }

    /**
     * A receiving port closed. Travels forward around the whole route, so proxies learn where to
     * stop and the other receiving port learns that its peer is gone.
     *
     * @param lastSequence the last sequence number sent towards the recipient; the peer reports
     *     "closed" only after everything up to it has arrived
     */
    record ObserveClosure(Id128 port, Id128 from, long lastSequence) implements Event {
        public ObserveClosure {
            Objects.requireNonNull(port, "port");
            Objects.requireNonNull(from, "from");
        }
    }

    /**
     * From now on, the events for {@code port} come from {@code previousNode/previousPort} instead
     * of from the sender of this event. Sent when a port moves (to its peer) and when a proxy goes
     * away (to its next hop). It is the sender's last event to this port.
     */
    record UpdatePrevious(Id128 port, Id128 from, Id128 previousNode, Id128 previousPort) implements Event {
        public UpdatePrevious {
            Objects.requireNonNull(port, "port");
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(previousNode, "previousNode");
            Objects.requireNonNull(previousPort, "previousPort");
        }
    }

    /**
     * The route behind the sender broke because a node was lost: nothing more will arrive beyond
     * what the sender already passed on. A receiving port reports its peer closed; a proxy passes
     * the event on and goes away.
     */
    record RouteLost(Id128 port, Id128 from) implements Event {
        public RouteLost {
            Objects.requireNonNull(port, "port");
            Objects.requireNonNull(from, "from");
        }
    }
}
