package dev.switchboard.ipc.typed;

/** A sync call from the thread that is delivering this channel's messages (a filter): it could never see its reply, so it fails at once. */
public final class DeliveryThreadCallException extends SyncCallException {
    DeliveryThreadCallException(int typeId, String message) {
        super(typeId, message);
    }
}
