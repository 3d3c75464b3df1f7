package dev.switchboard.ipc.typed;

import dev.switchboard.ipc.pickle.Pickle;
import dev.switchboard.ipc.pickle.PickleException;
import dev.switchboard.ipc.pickle.PickleReader;

/**
 * The 20 bytes in front of every typed message (layout in docs/protocol.md, "Typed messages"):
 * routing id, type id, flags, request id.
 *
 * @param routingId {@link MessageRouter#CONTROL} or a route's id
 * @param typeId {@code (class << 16) | id}; for a reply, the type id of the request
 * @param flags {@link #SYNC}, {@link #EXPECTS_REPLY}, {@link #REPLY}, {@link #REPLY_ERROR}
 * @param requestId non-zero exactly when the message expects a reply or is one
 */
public record MessageHeader(int routingId, int typeId, int flags, long requestId) {

    /** Header bytes. */
    public static final int SIZE = 20;

    /** The sender blocks until the reply (implies {@link #EXPECTS_REPLY}). */
    public static final int SYNC = 1;
    /** This message answers the request with the same request id. */
    public static final int REPLY = 1 << 1;
    /** With {@link #REPLY}: the handler failed; the body is a UTF-8 reason string. */
    public static final int REPLY_ERROR = 1 << 2;
    /** The receiver must answer (a sync message or an asynchronous call). */
    public static final int EXPECTS_REPLY = 1 << 3;

    private static final int KNOWN = SYNC | REPLY | REPLY_ERROR | EXPECTS_REPLY;

    /**
     * Whether this message answers a request.
     *
     * @return true when {@link #REPLY} is set
     */
    public boolean isReply() {
        return (flags & REPLY) != 0;
    }

    /**
     * Whether the sender blocks until the reply.
     *
     * @return true when {@link #SYNC} is set
     */
    public boolean isSync() {
        return (flags & SYNC) != 0;
    }

    /**
     * Whether the receiver must answer.
     *
     * @return true when {@link #EXPECTS_REPLY} is set
     */
    public boolean expectsReply() {
        return (flags & EXPECTS_REPLY) != 0;
    }

    /**
     * Whether this reply reports a failure.
     *
     * @return true when {@link #REPLY_ERROR} is set
     */
    public boolean isErrorReply() {
        return (flags & REPLY_ERROR) != 0;
    }

    /**
     * Writes the {@link #SIZE} header bytes, unchecked.
     *
     * @param p the pickle to append to, normally empty
     */
    public void writeTo(Pickle p) {
        p.writeInt(routingId).writeInt(typeId).writeInt(flags).writeLong(requestId);
    }

    /**
     * Reads and validates a header: unknown flag bits, a reply that also expects one, an error
     * flag without the reply flag, sync without expects-reply, or a request id that is zero when
     * it must not be (or non-zero when it must) are {@link PickleException.Reason#BAD_HEADER}.
     *
     * @param r a reader at the start of a message
     * @return the header
     * @throws PickleException when the header is short or inconsistent
     */
    public static MessageHeader read(PickleReader r) {
        if (r.remaining() < SIZE) {
            throw r.fail(PickleException.Reason.BAD_HEADER, "message of " + r.remaining() + " bytes, header needs " + SIZE);
        }
        int routing = r.readInt();
        int type = r.readInt();
        int flags = r.readInt();
        long request = r.readLong();
        if ((flags & ~KNOWN) != 0) {
            throw r.fail(PickleException.Reason.BAD_HEADER, "unknown flag bits 0x" + Integer.toHexString(flags & ~KNOWN));
        }
        boolean reply = (flags & REPLY) != 0;
        boolean expects = (flags & EXPECTS_REPLY) != 0;
        if (reply && (flags & (SYNC | EXPECTS_REPLY)) != 0) {
            throw r.fail(PickleException.Reason.BAD_HEADER, "a reply that is also a request");
        }
        if ((flags & REPLY_ERROR) != 0 && !reply) {
            throw r.fail(PickleException.Reason.BAD_HEADER, "error flag without the reply flag");
        }
        if ((flags & SYNC) != 0 && !expects) {
            throw r.fail(PickleException.Reason.BAD_HEADER, "sync without expects-reply");
        }
        if ((reply || expects) != (request != 0)) {
            throw r.fail(PickleException.Reason.BAD_HEADER, "request id " + request + " with flags 0x" + Integer.toHexString(flags));
        }
        return new MessageHeader(routing, type, flags, request);
    }
}
