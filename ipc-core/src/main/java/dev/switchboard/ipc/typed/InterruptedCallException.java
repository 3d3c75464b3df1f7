package dev.switchboard.ipc.typed;

/** The waiting thread was interrupted; its interrupt flag is set again. */
public final class InterruptedCallException extends SyncCallException {
    InterruptedCallException(int typeId, String message) {
        super(typeId, message);
    }
}
