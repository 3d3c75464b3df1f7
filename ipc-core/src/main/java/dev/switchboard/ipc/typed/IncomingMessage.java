package dev.switchboard.ipc.typed;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PlatformHandle;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A decoded message as a filter or listener sees it. The decoded value owns the handles and pipe
 * ends its fields carry; if nobody handles the message, the channel closes them.
 */
public final class IncomingMessage {

    private final IpcChannel channel;
    private final Message raw;
    private final MessageHeader header;
    private final Object body;
    private final List<PlatformHandle> handles;
    private final List<MessagePipe> pipes;
    private final AtomicBoolean replied = new AtomicBoolean();

    IncomingMessage(IpcChannel channel, Message raw, DecodedMessage decoded, List<PlatformHandle> handles, List<MessagePipe> pipes) {
        this.channel = channel;
        this.raw = raw;
        this.header = decoded.header();
        this.body = decoded.body();
        this.handles = handles;
        this.pipes = pipes;
    }

    /**
     * The channel the message arrived on, e.g. to send further messages to the same peer.
     *
     * @return the channel (shared, not a copy)
     */
    public IpcChannel channel() {
        return channel;
    }

    /**
     * The message's header as it arrived.
     *
     * @return the header
     */
    public MessageHeader header() {
        return header;
    }

    /**
     * The routing id the sender addressed the message to.
     *
     * @return the routing id; {@link MessageRouter#CONTROL} for the endpoint itself
     */
    public int routingId() {
        return header.routingId();
    }

    /**
     * The message's type id: its {@link MessageClass} id in the high 16 bits, {@link MessageId} in the low.
     *
     * @return the type id
     */
    public int typeId() {
        return header.typeId();
    }

    /**
     * The message's registered name.
     *
     * @return the name, e.g. "ChildProcess.GetCookies"
     */
    public String name() {
        return channel.types().nameOf(header.typeId());
    }

    /**
     * The decoded message.
     *
     * @return the record, or a {@link MethodCall} for a method message
     */
    public Object message() {
        return body;
    }

    /**
     * The decoded record as {@code type}.
     *
     * @param <T> the record type
     * @param type the record class expected
     * @return the record
     * @throws ClassCastException when it is another message
     */
    public <T> T message(Class<T> type) {
        return type.cast(body);
    }

    /**
     * Whether the sender blocks until the reply.
     *
     * @return true for a sync request
     */
    public boolean isSync() {
        return header.isSync();
    }

    /**
     * Whether the sender waits for a reply (sync or asynchronous).
     *
     * @return true when the message must be answered with {@link #reply} or {@link #replyError}
     */
    public boolean expectsReply() {
        return header.expectsReply();
    }

    /**
     * Whether a reply (or error reply) was sent.
     *
     * @return true once answered
     */
    public boolean isReplied() {
        return replied.get();
    }

    /**
     * Answers the request; any thread, at most once. The reply's handles move to the peer. When
     * the peer is gone the reply is dropped quietly.
     *
     * @param value the reply, of the declared reply type (null for a {@code Void} reply)
     * @throws IllegalStateException when the message expects no reply or was already answered
     * @throws IllegalArgumentException when {@code value} is not of the declared reply type
     */
    public void reply(Object value) {
        claimReply();
        channel.sendReply(this, value);
    }

    /**
     * Answers the request with an error: the caller gets an {@link ErrorReplyException} naming
     * the message. Any thread, at most once.
     *
     * @param reason what went wrong, sent to the peer as text (do not put secrets in it)
     * @throws IllegalStateException when the message expects no reply or was already answered
     */
    public void replyError(String reason) {
        claimReply();
        channel.sendErrorReply(this, reason);
    }

    /** Replies with an error unless already answered; for the channel's own fallbacks. */
    void replyErrorIfUnanswered(String reason) {
        if (header.expectsReply() && replied.compareAndSet(false, true)) {
            channel.sendErrorReply(this, reason);
        }
    }

    private void claimReply() {
        if (!header.expectsReply()) {
            throw new IllegalStateException(name() + " expects no reply");
        }
        if (!replied.compareAndSet(false, true)) {
            throw new IllegalStateException(name() + " was already answered");
        }
    }

    /**
     * Reports this message as bad: the process error handler of the sender's invitation sees
     * BAD_MESSAGE with {@code reason} (prefixed with the message's name), and the channel's
     * listener gets {@link IpcListener#onBadMessage}. Call it while handling the message.
     *
     * @param reason what was wrong with the message
     */
    public void reportBadMessage(String reason) {
        channel.reportBad(raw, BadMessage.Kind.REPORTED, header.typeId(), null, name() + ": " + reason);
    }

    void reportUnhandled() {
        channel.reportBad(raw, BadMessage.Kind.UNHANDLED, header.typeId(), null,
                "no handler for " + name() + " (routing id " + header.routingId() + ")");
    }

    /** Closes the handles and pipes the decoded value carries; for messages nobody took. */
    void closeHandles() {
        handles.forEach(PlatformHandle::close);
        pipes.forEach(MessagePipe::close);
    }

    @Override
    public String toString() {
        return "IncomingMessage(" + name() + ", route " + header.routingId() + ")";
    }
}
