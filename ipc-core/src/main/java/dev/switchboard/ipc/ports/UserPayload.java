package dev.switchboard.ipc.ports;

/**
 * Internal: what a user message carries besides ports, opaque to the engine. For the real system this is
 * bytes plus OS handles; the engine only moves the object from port to port and hands it either
 * to the {@link NodeDelegate} (to be serialized for another node), to the reader of the message,
 * or back through {@link #discard()}.
 */
public interface UserPayload {

    /**
     * Called exactly once if the engine drops the message instead of delivering it (its port
     * closed, its route was lost, it arrived for a port that no longer exists). An implementation
     * that owns OS handles closes them here. Never called while the node holds its lock, and
     * never for a payload that was forwarded to the delegate or returned by
     * {@link Node#getMessage}: those now belong to their receiver.
     */
    default void discard() {}
}
