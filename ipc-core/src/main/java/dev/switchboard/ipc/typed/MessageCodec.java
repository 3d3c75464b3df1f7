package dev.switchboard.ipc.typed;

import dev.switchboard.ipc.Handle;
import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PlatformHandle;
import dev.switchboard.ipc.pickle.Pickle;
import dev.switchboard.ipc.pickle.PickleException;
import dev.switchboard.ipc.pickle.PickleException.Reason;
import dev.switchboard.ipc.pickle.PickleReader;
import dev.switchboard.ipc.spi.HandleOps;
import java.io.FileDescriptor;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed message bytes, both ways: header then body (docs/protocol.md, "Typed messages"). The
 * channel uses it; it is public for peers, tools and fuzzers. {@link #decode} is the single entry
 * point for untrusted bytes and throws nothing but {@link PickleException}.
 */
public final class MessageCodec {

    /** Longest error-reply reason sent, in chars; longer ones are cut. */
    public static final int MAX_ERROR_REASON = 512;

    private static final ThreadLocal<Pickle> PICKLES = ThreadLocal.withInitial(() -> new Pickle(256));

    private MessageCodec() {}

    /**
     * Encodes a request or one-way message: {@code body} is a record of {@code types}, or a
     * {@link MethodCall}. The returned message owns the handles and pipes the body carried.
     *
     * @param types the declared types {@code body} belongs to
     * @param routingId the route at the receiver
     * @param body the record or method call to send
     * @param flags {@link MessageHeader} flags: 0 for one-way, else {@link MessageHeader#EXPECTS_REPLY}
     *     with or without {@link MessageHeader#SYNC}
     * @param requestId 0 for one-way, else the caller's unique id for matching the reply
     * @return the message, ready to write to a pipe
     * @throws IllegalArgumentException when {@code body} is not declared in {@code types}, or holds a null
     */
    public static Message encodeRequest(MessageTypes types, int routingId, Object body, int flags, long requestId) {
        MessageType t = body instanceof MethodCall call ? types.forMethod(call.method()) : types.forRecord(body.getClass());
        return encode(new MessageHeader(routingId, t.typeId, flags, requestId), t.body, body);
    }

    /**
     * Encodes the reply to a request of type {@code typeId}.
     *
     * @param types the declared types of the request
     * @param routingId the request's routing id
     * @param typeId the request's type id
     * @param requestId the request's id
     * @param value the reply, of the request's reply type (null for {@code Void})
     * @return the reply message, owning the handles and pipes {@code value} carried
     * @throws IllegalArgumentException when the type is not answered or {@code value} does not encode
     */
    public static Message encodeReply(MessageTypes types, int routingId, int typeId, long requestId, Object value) {
        MessageType t = types.byId(typeId);
        if (t == null || t.reply == null) {
            throw new IllegalArgumentException(MessageTypes.describe(typeId) + " is not answered");
        }
        return encode(new MessageHeader(routingId, typeId, MessageHeader.REPLY, requestId), t.reply, value);
    }

    /**
     * Encodes an error reply.
     *
     * @param routingId the request's routing id
     * @param typeId the request's type id
     * @param requestId the request's id
     * @param reason the text to send, cut to {@link #MAX_ERROR_REASON} chars
     * @return the error reply message
     */
    public static Message encodeErrorReply(int routingId, int typeId, long requestId, String reason) {
        String r = reason.length() > MAX_ERROR_REASON ? reason.substring(0, MAX_ERROR_REASON) : reason;
        Pickle p = PICKLES.get().reset();
        new MessageHeader(routingId, typeId, MessageHeader.REPLY | MessageHeader.REPLY_ERROR, requestId).writeTo(p);
        // through UTF-8 and back: an unpaired surrogate becomes '?' instead of failing the reply
        p.writeString(new String(r.getBytes(java.nio.charset.StandardCharsets.UTF_8), java.nio.charset.StandardCharsets.UTF_8));
        return Message.of(p.toByteArray());
    }

    private static Message encode(MessageHeader h, dev.switchboard.ipc.pickle.ParamCodec<Object> codec, Object body) {
        Pickle p = PICKLES.get().reset();
        h.writeTo(p);
        if (body == null && codec != MessageType.EMPTY) {
            throw new IllegalArgumentException(MessageTypes.describe(h.typeId()) + ": null is not encodable");
        }
        codec.write(p, body);
        byte[] bytes = p.toByteArray();
        List<PlatformHandle> hs = p.handles();
        List<MessagePipe> ps = p.pipes();
        p.reset(); // drop references to the caller's handles
        if (hs.isEmpty() && ps.isEmpty()) {
            return Message.of(bytes);
        }
        List<Handle> all = new ArrayList<>(hs.size() + ps.size());
        all.addAll(hs);
        all.addAll(ps);
        return Message.of(bytes, all);
    }

    /**
     * Decodes untrusted bytes against {@code types}. Takes ownership of {@code handles} and
     * {@code pipes}: on success they belong to the decoded value (every one was claimed by a
     * field, in order); on failure all of them are closed.
     *
     * @param types the types this side declared; nothing else decodes
     * @param bytes the message bytes, header included (read in place, not copied)
     * @param handles the OS handles that arrived with the message, in order
     * @param pipes the pipe ends that arrived with the message, in order
     * @return the header and the decoded body (an error reply's body is its reason string)
     * @throws PickleException for anything wrong with the input (never another exception)
     */
    public static DecodedMessage decode(MessageTypes types, byte[] bytes, List<PlatformHandle> handles, List<MessagePipe> pipes) {
        PickleReader r = new PickleReader(bytes, 0, bytes.length, handles, pipes);
        try {
            MessageHeader h = MessageHeader.read(r);
            MessageType t = types.byId(h.typeId());
            if (t == null) {
                throw r.fail(Reason.UNKNOWN_TYPE, MessageTypes.describe(h.typeId()) + " is not declared here");
            }
            Object body;
            if (h.isReply()) {
                if (t.reply == null) {
                    throw r.fail(Reason.BAD_HEADER, "a reply to " + t.name + ", which is never answered");
                }
                body = h.isErrorReply() ? r.readString() : t.reply.read(r);
            } else {
                if (h.expectsReply() != t.expectsReply()) {
                    throw r.fail(Reason.BAD_HEADER, t.name + (t.expectsReply() ? " must" : " must not") + " expect a reply");
                }
                if (h.isSync() && !t.sync) {
                    throw r.fail(Reason.BAD_HEADER, t.name + " is not declared @Sync");
                }
                body = t.body.read(r);
            }
            r.finish();
            return new DecodedMessage(h, body);
        } catch (PickleException e) {
            r.closeHandles();
            throw e;
        } catch (RuntimeException e) {
            // a user codec that threw something else: still the input's fault, still typed
            r.closeHandles();
            throw new PickleException(Reason.INVALID_VALUE, "codec failed: " + e, e);
        }
    }

    /**
     * The fuzz target: decodes arbitrary {@code bytes} against {@code types} as if they arrived
     * with {@code handleCount} OS handles (inert stand-ins; closing them does nothing).
     *
     * @param types the types to decode against
     * @param bytes any bytes
     * @param handleCount how many stand-in handles to pretend arrived
     * @return the decoded message, when the bytes are valid
     * @throws PickleException for anything wrong with the input (never another exception)
     */
    public static DecodedMessage decodeForFuzzing(MessageTypes types, byte[] bytes, int handleCount) {
        List<PlatformHandle> hs = new ArrayList<>(handleCount);
        for (int i = 0; i < handleCount; i++) {
            hs.add(PlatformHandle.adopt(1000 + i, INERT));
        }
        return decode(types, bytes, hs, List.of());
    }

    private static final HandleOps INERT = new HandleOps() {
        @Override
        public void close(long handle) {}

        @Override
        public long duplicate(long handle) {
            return handle;
        }

        @Override
        public long duplicate(FileDescriptor fd) {
            throw new UnsupportedOperationException("inert handle");
        }

        @Override
        public FileDescriptor toFileDescriptor(long handle) {
            throw new UnsupportedOperationException("inert handle");
        }

        @Override
        public void setNotInheritable(long handle) {}

        @Override
        public String describe(long handle) {
            return "inert handle " + handle;
        }
    };
}
