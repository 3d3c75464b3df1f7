package dev.switchboard.ipc.ports;

import java.util.Objects;

/**
 * Internal: a caller used a port in a way the engine does not allow; nothing was changed. These are
 * programming errors on the embedder's side (or races it allowed between its own threads), not
 * conditions of the remote side: those are reported through {@link SendResult} and
 * {@link PortStatus}.
 */
public final class PortException extends RuntimeException {

    /** Why the call was refused. */
    public enum Reason {
        /** The ref names a port this node does not have (never had, closed, or moved away). */
        UNKNOWN_PORT,
        /** The ref belongs to another node. */
        WRONG_NODE,
        /** The port exists but is not a receiving port (it was sent away and is now a proxy, or is not initialized). */
        NOT_RECEIVING,
        /** The port was sent inside a message that nobody has read yet; only the reader may use it. */
        IN_MESSAGE,
        /** A port cannot travel inside a message sent from itself. */
        CANNOT_SEND_SELF,
        /** A port cannot travel inside a message sent to it. */
        CANNOT_SEND_PEER,
        /** The same port is listed twice in one message. */
        DUPLICATE_PORT,
        /** More ports in one message than {@link EventCodec#MAX_PORTS_PER_MESSAGE}. */
        TOO_MANY_PORTS,
        /** {@link Node#initializePort} on a port that is already initialized. */
        ALREADY_INITIALIZED
    }

    private final Reason reason;

    public PortException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
