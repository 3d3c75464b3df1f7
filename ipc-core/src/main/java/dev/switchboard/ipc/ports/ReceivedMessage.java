package dev.switchboard.ipc.ports;

import java.util.List;
import java.util.Objects;

/**
 * Internal: a message read from a port by {@link Node#getMessage}.
 *
 * @param payload what the sender passed, now owned by the reader
 * @param ports the ports that travelled inside the message, now ordinary ports of the reading
 *     node, in the order the sender listed them
 */
public record ReceivedMessage(UserPayload payload, List<PortRef> ports) {
    public ReceivedMessage {
        Objects.requireNonNull(payload, "payload");
        ports = List.copyOf(ports);
    }
}
