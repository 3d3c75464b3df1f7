package dev.switchboard.ipc.typed;

/** No reply arrived within the timeout; a reply that comes later is dropped. */
public final class SyncTimeoutException extends SyncCallException {
    SyncTimeoutException(int typeId, String message) {
        super(typeId, message);
    }
}
