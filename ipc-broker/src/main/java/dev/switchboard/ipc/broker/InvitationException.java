package dev.switchboard.ipc.broker;

/** An invitation could not be accepted: no endpoint, no invitation in time, or a broken handshake. */
public final class InvitationException extends RuntimeException {
    public InvitationException(String message) {
        super(message);
    }

    public InvitationException(String message, Throwable cause) {
        super(message, cause);
    }
}
