package dev.switchboard.ipc.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Internal: encodes and decodes whole frames. Pure functions over {@link ByteBuffer}s: no I/O, no handles.
 * Every length and count read from a peer is checked before it is used.
 */
public final class FrameCodec {

    private static final Id128 ZERO = new Id128(0, 0);

    private FrameCodec() {}

    /** Bytes the frame occupies on the stream, header and padding included. */
    public static int encodedLength(FrameBody body) {
        return FrameHeader.padded(FrameHeader.SIZE + bodyLength(body));
    }

    private static int bodyLength(FrameBody body) {
        return body.bodyLength();
    }

    /**
     * Writes header, body and zero padding at {@code out}'s position, which advances by
     * {@link #encodedLength(FrameBody)}. A message payload is read without moving its position.
     *
     * @param handleCount OS handles the transport will attach to this frame's first byte
     */
    public static void encode(FrameBody body, int handleCount, ByteBuffer out) {
        if (handleCount < 0 || handleCount > Limits.HANDLE_CAP) {
            throw new IllegalArgumentException("handle count " + handleCount + " outside 0.." + Limits.HANDLE_CAP);
        }
        int start = out.position();
        int frameLength = FrameHeader.SIZE + bodyLength(body);
        ByteOrder saved = out.order();
        out.order(ByteOrder.LITTLE_ENDIAN);
        try {
            new FrameHeader(body.type(), handleCount, frameLength).writeTo(out);
            body.writeBody(out);
            int end = start + FrameHeader.padded(frameLength);
            while (out.position() < end) {
                out.put((byte) 0);
            }
        } finally {
            out.order(saved);
        }
    }

    /** Convenience for control frames: a fresh heap buffer holding the encoded frame, flipped. */
    public static ByteBuffer encode(FrameBody body) {
        ByteBuffer b = ByteBuffer.allocate(encodedLength(body));
        encode(body, 0, b);
        return b.flip();
    }

    /**
     * Decodes the body that follows {@code header}. {@code body} holds exactly
     * {@code header.bodyLength()} bytes; a decoded message payload is a slice of it.
     */
    public static FrameBody decode(FrameHeader header, ByteBuffer body) throws ProtocolException {
        ByteBuffer b = body.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() != header.bodyLength()) {
            throw new IllegalArgumentException("body has " + b.remaining() + " bytes, header says " + header.bodyLength());
        }
        FrameType type = header.type();
        if (type.handles >= 0 && header.handleCount() != type.handles) {
            throw new ProtocolException(type + " frame carries " + header.handleCount() + " handles; it must carry " + type.handles);
        }
        FrameBody result = switch (type) {
            case CONNECT -> new FrameBody.Connect(readId(b, "CONNECT token"));
            case INVITE -> decodeInvite(b);
            case ACCEPT -> decodeAccept(b);
            case EVENT -> {
                ByteBuffer bytes = b.slice();
                b.position(b.limit());
                yield new FrameBody.Event(bytes);
            }
            case INTRODUCE -> {
                if (header.handleCount() > 1) {
                    throw new ProtocolException("INTRODUCE carries " + header.handleCount() + " handles; it must carry 0 or 1");
                }
                yield new FrameBody.NodeFrame(type, readId(b, type + " node"));
            }
            case REQUEST_INTRODUCTION, NODE_LOST, ADD_CLIENT, CLIENT_ADDED, BROKER_CHANNEL, CLIENT_HELLO ->
                    new FrameBody.NodeFrame(type, readId(b, type + " node"));
            case BAD_MESSAGE -> {
                Id128 node = readId(b, "BAD_MESSAGE node");
                need(b, 2, "BAD_MESSAGE reason length");
                int len = b.getShort() & 0xffff;
                if (len > FrameBody.BadMessage.MAX_REASON_BYTES) {
                    throw new ProtocolException("BAD_MESSAGE reason of " + len + " bytes, limit is " + FrameBody.BadMessage.MAX_REASON_BYTES);
                }
                need(b, len, "BAD_MESSAGE reason");
                ByteBuffer text = b.slice().limit(len);
                b.position(b.position() + len);
                yield new FrameBody.BadMessage(node, utf8(text, "BAD_MESSAGE reason"));
            }
            case ALLOCATE_SHARED_BUFFER -> {
                need(b, 16, "ALLOCATE_SHARED_BUFFER body");
                long id = b.getLong();
                long size = b.getLong();
                if (size < 1) {
                    throw new ProtocolException("ALLOCATE_SHARED_BUFFER size " + Long.toUnsignedString(size) + "; it must be 1 to 2^63-1");
                }
                yield new FrameBody.AllocateSharedBuffer(id, size);
            }
            case SHARED_BUFFER_ALLOCATED -> decodeAllocated(b, header.handleCount());
        };
        if (b.hasRemaining()) {
            throw new ProtocolException(type + " body has " + b.remaining() + " trailing bytes");
        }
        return result;
    }

    private static FrameBody.SharedBufferAllocated decodeAllocated(ByteBuffer b, int handles) throws ProtocolException {
        need(b, 19, "SHARED_BUFFER_ALLOCATED body");
        long id = b.getLong();
        long size = b.getLong();
        int status = b.get() & 0xff;
        if (size < 1) {
            throw new ProtocolException("SHARED_BUFFER_ALLOCATED size " + Long.toUnsignedString(size) + "; it must be 1 to 2^63-1");
        }
        if (status > FrameBody.SharedBufferAllocated.MAX_STATUS) {
            throw new ProtocolException("SHARED_BUFFER_ALLOCATED has unknown status " + status);
        }
        int want = status == FrameBody.SharedBufferAllocated.OK ? 1 : 0;
        if (handles != want) {
            throw new ProtocolException("SHARED_BUFFER_ALLOCATED with status " + status + " carries " + handles
                    + " handles; it must carry " + want);
        }
        int len = b.getShort() & 0xffff;
        if (len > FrameBody.BadMessage.MAX_REASON_BYTES) {
            throw new ProtocolException("SHARED_BUFFER_ALLOCATED reason of " + len + " bytes, limit is " + FrameBody.BadMessage.MAX_REASON_BYTES);
        }
        if (status == FrameBody.SharedBufferAllocated.OK && len != 0) {
            throw new ProtocolException("SHARED_BUFFER_ALLOCATED with status 0 has a reason of " + len + " bytes; it must have none");
        }
        need(b, len, "SHARED_BUFFER_ALLOCATED reason");
        ByteBuffer text = b.slice().limit(len);
        b.position(b.position() + len);
        return new FrameBody.SharedBufferAllocated(id, size, status, utf8(text, "SHARED_BUFFER_ALLOCATED reason"));
    }

    private static FrameBody.Invite decodeInvite(ByteBuffer b) throws ProtocolException {
        Id128 token = readId(b, "INVITE token");
        Id128 inviter = readId(b, "INVITE inviter node");
        need(b, Id128.SIZE, "INVITE broker");
        Id128 broker = Id128.read(b); // zero exactly when isolated, checked below
        need(b, 4, "INVITE flags");
        int flags = b.getInt();
        if ((flags & ~1) != 0) {
            throw new ProtocolException(String.format("INVITE has unknown flags 0x%08x", flags));
        }
        need(b, 4, "INVITE pipe count");
        long count = b.getInt() & 0xffffffffL;
        if (count > FrameBody.Invite.MAX_PIPES) {
            throw new ProtocolException("INVITE names " + count + " pipes, limit is " + FrameBody.Invite.MAX_PIPES);
        }
        boolean isolated = flags == 1;
        if (isolated && count != 1) {
            throw new ProtocolException("an isolated INVITE names " + count + " pipes; it must name exactly 1");
        }
        if (isolated != broker.equals(ZERO)) {
            throw new ProtocolException(isolated ? "isolated INVITE names broker " + broker + "; it must be zero"
                    : "INVITE broker is zero; only an isolated invitation has no broker");
        }
        List<FrameBody.PipeName> pipes = new ArrayList<>((int) count);
        Set<String> names = new HashSet<>();
        Set<Id128> ids = new HashSet<>();
        for (int i = 0; i < count; i++) {
            Id128 id = readId(b, "INVITE pipe port " + i);
            need(b, 2, "INVITE pipe name length");
            int len = b.getShort() & 0xffff;
            if (len == 0 || len > FrameBody.PipeName.MAX_NAME_BYTES) {
                throw new ProtocolException("INVITE pipe name length " + len + " outside 1.." + FrameBody.PipeName.MAX_NAME_BYTES);
            }
            need(b, len, "INVITE pipe name");
            ByteBuffer nameBytes = b.slice().limit(len);
            b.position(b.position() + len);
            String name = utf8(nameBytes, "INVITE pipe name");
            if (!names.add(name)) {
                throw new ProtocolException("INVITE names pipe '" + name + "' twice");
            }
            if (!ids.add(id)) {
                throw new ProtocolException("INVITE uses port " + id + " twice");
            }
            pipes.add(new FrameBody.PipeName(name, id));
        }
        return new FrameBody.Invite(token, inviter, broker, isolated, pipes);
    }

    private static FrameBody.Accept decodeAccept(ByteBuffer b) throws ProtocolException {
        Id128 token = readId(b, "ACCEPT token");
        Id128 invitee = readId(b, "ACCEPT invitee node");
        need(b, 4, "ACCEPT port count");
        long count = b.getInt() & 0xffffffffL;
        if (count > FrameBody.Invite.MAX_PIPES) {
            throw new ProtocolException("ACCEPT names " + count + " ports, limit is " + FrameBody.Invite.MAX_PIPES);
        }
        List<Id128> ports = new ArrayList<>((int) count);
        Set<Id128> distinct = new HashSet<>();
        for (int i = 0; i < count; i++) {
            Id128 port = readId(b, "ACCEPT port " + i);
            if (!distinct.add(port)) {
                throw new ProtocolException("ACCEPT uses port " + port + " twice");
            }
            ports.add(port);
        }
        return new FrameBody.Accept(token, invitee, ports);
    }

    private static String utf8(ByteBuffer bytes, String what) throws ProtocolException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new ProtocolException(what + " is not valid UTF-8");
        }
    }

    /** Reads an id that must not be zero: node names, port names and tokens never are (docs/protocol.md §4). */
    private static Id128 readId(ByteBuffer b, String what) throws ProtocolException {
        need(b, Id128.SIZE, what);
        Id128 id = Id128.read(b);
        if (id.equals(ZERO)) {
            throw new ProtocolException(what + " is zero; ids are never zero");
        }
        return id;
    }

    private static void need(ByteBuffer b, int n, String what) throws ProtocolException {
        if (b.remaining() < n) {
            throw new ProtocolException(what + " truncated: need " + n + " bytes, " + b.remaining() + " left in body");
        }
    }

    /** Validates that a pipe name can be encoded; returns its UTF-8 length. */
    public static int checkPipeName(String name) {
        int len = utf8Length(name);
        if (len == 0 || len > FrameBody.PipeName.MAX_NAME_BYTES) {
            throw new IllegalArgumentException("pipe name must be 1.." + FrameBody.PipeName.MAX_NAME_BYTES + " UTF-8 bytes: '" + name + "'");
        }
        return len;
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
