package dev.switchboard.ipc.typed;

/**
 * A sync call on a thread that must not block, refused before anything was sent: a thread
 * delivering any channel's messages (a filter, or a listener on a direct executor), where the call
 * would stall those deliveries and possibly its own reply, or a Switchboard I/O thread. Make the
 * call from the listener's executor or a thread of your own, or use {@link IpcChannel#call}.
 */
public final class DeliveryThreadCallException extends SyncCallException {
    DeliveryThreadCallException(int typeId, String message) {
        super(typeId, message);
    }
}
