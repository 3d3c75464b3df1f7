package dev.switchboard.ipc.typed;

import dev.switchboard.ipc.pickle.PickleException;

/**
 * A message from the peer that was rejected and reported with {@code reportBadMessage}: the
 * process error handler of the invitation that brought the sender in sees it (as BAD_MESSAGE) and
 * usually kills the sender. The channel also tells its {@link IpcListener#onBadMessage}.
 *
 * @param kind what was wrong
 * @param typeId the type id from the header (0 when the header itself was unreadable)
 * @param pickleReason the decoder's reason when {@code kind} is {@link Kind#MALFORMED}, else null
 * @param reason the text reported, which names the type with {@link MessageTypes#describe}
 */
public record BadMessage(Kind kind, int typeId, PickleException.Reason pickleReason, String reason) {

    /** What was wrong with a bad message. */
    public enum Kind {
        /** The header or body did not decode (see {@link BadMessage#pickleReason()}). */
        MALFORMED,
        /** A type id this process did not declare. */
        UNKNOWN_TYPE,
        /** No handler took it and the message map said {@code unhandledError()}. */
        UNHANDLED,
        /** A reply for a request id that nobody is waiting for. */
        UNEXPECTED_REPLY,
        /** A handler or filter called {@link IncomingMessage#reportBadMessage}. */
        REPORTED
    }
}
