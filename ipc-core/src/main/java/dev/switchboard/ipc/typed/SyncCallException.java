package dev.switchboard.ipc.typed;

/**
 * A call that expected a reply and got none. Which case it is, is the subclass: no reply in time
 * ({@link SyncTimeoutException}), the peer or channel went away ({@link PeerClosedCallException}),
 * the peer's handler failed ({@link ErrorReplyException}), a sync call made on a thread that
 * delivers messages or does I/O ({@link DeliveryThreadCallException}), or the waiting thread was
 * interrupted ({@link InterruptedCallException}). The message always names the message type.
 */
public abstract sealed class SyncCallException extends RuntimeException
        permits SyncTimeoutException, PeerClosedCallException, ErrorReplyException, DeliveryThreadCallException,
                InterruptedCallException {

    /** The request's type id; serialized with the exception. */
    private final int typeId;

    SyncCallException(int typeId, String message) {
        super(message);
        this.typeId = typeId;
    }

    /**
     * The type id of the request that failed.
     *
     * @return the type id, for {@link MessageTypes#nameOf} or {@link MessageTypes#describe}
     */
    public int typeId() {
        return typeId;
    }
}
