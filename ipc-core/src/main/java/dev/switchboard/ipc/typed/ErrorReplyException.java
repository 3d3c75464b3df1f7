package dev.switchboard.ipc.typed;

/** The peer answered with an error: its handler threw, or nothing handled the request. */
public final class ErrorReplyException extends SyncCallException {

    /** The peer's reason; serialized with the exception. */
    private final String remoteReason;

    ErrorReplyException(int typeId, String message, String remoteReason) {
        super(typeId, message);
        this.remoteReason = remoteReason;
    }

    /**
     * What the peer said went wrong.
     *
     * @return untrusted text from the other process: show or log it, never act on its content
     */
    public String remoteReason() {
        return remoteReason;
    }
}
