package dev.switchboard.ipc.typed;

/** The other end closed (or its process died), or this channel was closed, before the reply arrived. */
public final class PeerClosedCallException extends SyncCallException {
    PeerClosedCallException(int typeId, String message) {
        super(typeId, message);
    }
}
