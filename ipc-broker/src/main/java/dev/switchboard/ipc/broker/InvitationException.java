package dev.switchboard.ipc.broker;

/** An invitation could not be accepted: no endpoint, no invitation in time, or a broken handshake. */
public final class InvitationException extends RuntimeException {
    /**
     * Creates the exception.
     *
     * @param message what went wrong
     */
    public InvitationException(String message) {
        super(message);
    }

    /**
     * Creates the exception.
     *
     * @param message what went wrong
     * @param cause the failure underneath
     */
    public InvitationException(String message, Throwable cause) {
        super(message, cause);
    }
}
