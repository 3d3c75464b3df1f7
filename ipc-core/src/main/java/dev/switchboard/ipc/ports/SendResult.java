package dev.switchboard.ipc.ports;

/** Internal: what {@link Node#sendUserMessage} did with a message. */
public enum SendResult {
    /** The message is on its way; the payload and the transferred ports belong to the engine now. */
    SENT,
    /**
     * The peer has closed (or its route was lost), so nothing was sent. The payload and the ports
     * that were to be transferred stay with the caller, unchanged.
     */
    PEER_CLOSED
}
