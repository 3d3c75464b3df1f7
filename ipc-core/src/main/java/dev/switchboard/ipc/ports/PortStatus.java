package dev.switchboard.ipc.ports;

/**
 * Internal: a snapshot of a receiving port, from {@link Node#getStatus}.
 *
 * @param hasMessages the next message in sequence is here and {@link Node#getMessage} returns it
 * @param receivingMessages more messages can still be read: either one is here, or the peer has
 *     not closed
 * @param peerClosed the peer closed (or the route to it was lost) <em>and</em> every message it
 *     sent before closing has arrived, so nothing beyond what is queued will ever be readable
 * @param peerRemote the next hop towards the peer is another node
 * @param queuedMessages messages held by the port, including any that wait for an earlier one
 */
public record PortStatus(
        boolean hasMessages, boolean receivingMessages, boolean peerClosed, boolean peerRemote, int queuedMessages) {}
