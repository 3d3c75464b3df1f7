package dev.switchboard.ipc.wire;

/**
 * Internal: bytes from a peer broke the wire protocol. The message says exactly what was wrong; a channel
 * that raises this can no longer be trusted and is closed by whoever caught it.
 */
public final class ProtocolException extends Exception {
    public ProtocolException(String reason) {
        super(reason);
    }
}
