package dev.switchboard.ipc.ports;

import dev.switchboard.ipc.wire.Id128;
import java.util.Objects;

/**
 * Internal: everything a node needs to recreate a port that travels to it inside a user message. The
 * sending node keeps the old port as a proxy (the "referring" port) that forwards to the new one.
 *
 * @param name the new port's name on the receiving node, chosen by the sender
 * @param peerNode node of the port the new port sends to
 * @param peerPort port the new port sends to
 * @param referringNode the sending node, where the old port stays behind as a proxy
 * @param referringPort the old port; it starts forwarding once told {@link Event.PortAccepted}
 * @param nextSequenceToSend sequence number of the next message the new port sends
 * @param nextSequenceToReceive sequence number of the next message the new port will read
 * @param lastSequenceToReceive the last sequence number the peer sent before closing, or 0 if the
 *     peer is not known to be closed
 * @param peerClosed the peer is known to be closed; then {@code lastSequenceToReceive} is exact
 */
public record PortDescriptor(
        Id128 name,
        Id128 peerNode,
        Id128 peerPort,
        Id128 referringNode,
        Id128 referringPort,
        long nextSequenceToSend,
        long nextSequenceToReceive,
        long lastSequenceToReceive,
        boolean peerClosed) {

    public PortDescriptor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(peerNode, "peerNode");
        Objects.requireNonNull(peerPort, "peerPort");
        Objects.requireNonNull(referringNode, "referringNode");
        Objects.requireNonNull(referringPort, "referringPort");
    }
}
