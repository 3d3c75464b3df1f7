package dev.switchboard.ipc.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/** Internal: the body of a frame, one record per {@link FrameType}. Layouts are in docs/protocol.md. */
public sealed interface FrameBody {

    FrameType type();

    /** Body bytes, without header and padding. */
    int bodyLength();

    /** Writes the body in wire order; the buffer is little-endian. */
    void writeBody(ByteBuffer out);

    /** Named-channel preface from the connecting side. */
    record Connect(Id128 token) implements FrameBody {
        public FrameType type() {
            return FrameType.CONNECT;
        }

        public int bodyLength() {
            return Id128.SIZE;
        }

        public void writeBody(ByteBuffer out) {
            token.write(out);
        }
    }

    /** One named pipe of an invitation: its name and the inviter's port for it. */
    record PipeName(String name, Id128 port) {
        public static final int MAX_NAME_BYTES = 255;
    }

    /**
     * The invitation. {@code broker} is the broker of the inviter's graph (the inviter itself when
     * it is the broker); zero for an isolated invitation, which joins no graph.
     */
    record Invite(Id128 token, Id128 inviterNode, Id128 broker, boolean isolated, List<PipeName> pipes) implements FrameBody {
        public static final int MAX_PIPES = 1024;

        public Invite {
            pipes = List.copyOf(pipes);
        }

        public FrameType type() {
            return FrameType.INVITE;
        }

        public int bodyLength() {
            int n = 3 * Id128.SIZE + 4 + 4;
            for (PipeName p : pipes) {
                n += Id128.SIZE + 2 + p.name().getBytes(StandardCharsets.UTF_8).length;
            }
            return n;
        }

        public void writeBody(ByteBuffer out) {
            token.write(out);
            inviterNode.write(out);
            broker.write(out);
            out.putInt(isolated ? 1 : 0);
            out.putInt(pipes.size());
            for (PipeName p : pipes) {
                p.port().write(out);
                byte[] name = p.name().getBytes(StandardCharsets.UTF_8);
                out.putShort((short) name.length);
                out.put(name);
            }
        }
    }

    /** The invitee's answer: the token, its node name, and its port for each pipe, in INVITE order. */
    record Accept(Id128 token, Id128 inviteeNode, List<Id128> ports) implements FrameBody {
        public Accept {
            ports = List.copyOf(ports);
        }

        public FrameType type() {
            return FrameType.ACCEPT;
        }

        public int bodyLength() {
            return 2 * Id128.SIZE + 4 + ports.size() * Id128.SIZE;
        }

        public void writeBody(ByteBuffer out) {
            token.write(out);
            inviteeNode.write(out);
            out.putInt(ports.size());
            for (Id128 p : ports) {
                p.write(out);
            }
        }
    }

    /**
     * A ports event, encoded by {@code dev.switchboard.ipc.ports.EventCodec}. On send the event's
     * header and a user message's payload are separate buffers ({@code tail}), so the payload is
     * copied once, into the outbound frame; on decode {@code bytes} views the whole body and
     * {@code tail} is empty, except that a transport may read a large user payload straight into an
     * array of its own and deliver it as {@code tail}, with the event header alone in {@code bytes}.
     */
    record Event(ByteBuffer bytes, ByteBuffer tail) implements FrameBody {
        private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

        public Event(ByteBuffer bytes) {
            this(bytes, EMPTY);
        }

        public FrameType type() {
            return FrameType.EVENT;
        }

        public int bodyLength() {
            return bytes.remaining() + tail.remaining();
        }

        public void writeBody(ByteBuffer out) {
            out.put(bytes.duplicate());
            out.put(tail.duplicate());
        }
    }

    /** Frames whose body is one node name. */
    record NodeFrame(FrameType type, Id128 node) implements FrameBody {
        public NodeFrame {
            if (type != FrameType.REQUEST_INTRODUCTION && type != FrameType.INTRODUCE && type != FrameType.NODE_LOST
                    && type != FrameType.ADD_CLIENT && type != FrameType.CLIENT_ADDED && type != FrameType.BROKER_CHANNEL
                    && type != FrameType.CLIENT_HELLO) {
                throw new IllegalArgumentException(type + " is not a node frame");
            }
        }

        public int bodyLength() {
            return Id128.SIZE;
        }

        public void writeBody(ByteBuffer out) {
            node.write(out);
        }
    }

    /** A bad message from {@code node}, with the reason the receiving code gave. */
    record BadMessage(Id128 node, String reason) implements FrameBody {
        public static final int MAX_REASON_BYTES = 1024;

        public FrameType type() {
            return FrameType.BAD_MESSAGE;
        }

        public int bodyLength() {
            return Id128.SIZE + 2 + reasonBytes().length;
        }

        public void writeBody(ByteBuffer out) {
            node.write(out);
            byte[] r = reasonBytes();
            out.putShort((short) r.length);
            out.put(r);
        }

        private byte[] reasonBytes() {
            return cutUtf8(reason);
        }
    }

    /** A reason's UTF-8, cut to {@link BadMessage#MAX_REASON_BYTES} at a character boundary: whatever the decoder accepts goes out unchanged. */
    private static byte[] cutUtf8(String reason) {
        byte[] all = reason.getBytes(StandardCharsets.UTF_8);
        if (all.length <= BadMessage.MAX_REASON_BYTES) {
            return all;
        }
        int end = BadMessage.MAX_REASON_BYTES;
        while ((all[end] & 0xC0) == 0x80) { // a continuation byte: the cut would split a character
            end--;
        }
        return Arrays.copyOf(all, end);
    }

    /**
     * A client asks its broker for a shared buffer (docs/protocol.md §4).
     *
     * @param requestId chosen by the client, echoed in the answer
     * @param size bytes, 1 to 2^63-1
     */
    record AllocateSharedBuffer(long requestId, long size) implements FrameBody {
        public AllocateSharedBuffer {
            if (size < 1) {
                throw new IllegalArgumentException("size must be positive: " + size);
            }
        }

        public FrameType type() {
            return FrameType.ALLOCATE_SHARED_BUFFER;
        }

        public int bodyLength() {
            return 16;
        }

        public void writeBody(ByteBuffer out) {
            out.putLong(requestId);
            out.putLong(size);
        }
    }

    /**
     * The broker's answer to {@link AllocateSharedBuffer}: with {@link #OK} the frame carries the
     * buffer's handle (a writable memfd of {@code size} bytes, sealed as protocol.md §6 says),
     * otherwise no handle and a reason.
     *
     * @param requestId the request's id
     * @param size the size asked for
     * @param status {@link #OK} or why not
     * @param reason empty with {@link #OK}; otherwise at most {@link BadMessage#MAX_REASON_BYTES} UTF-8 bytes
     */
    record SharedBufferAllocated(long requestId, long size, int status, String reason) implements FrameBody {
        /** The handle is attached. */
        public static final int OK = 0;
        /** The child's quota of bytes would be passed. */
        public static final int QUOTA_BYTES = 1;
        /** The child's quota of buffers would be passed. */
        public static final int QUOTA_COUNT = 2;
        /** Larger than the broker creates at all. */
        public static final int TOO_LARGE = 3;
        /** The broker could not create it. */
        public static final int FAILED = 4;
        /** Highest status value. */
        public static final int MAX_STATUS = FAILED;

        public SharedBufferAllocated {
            if (status < OK || status > MAX_STATUS) {
                throw new IllegalArgumentException("unknown status " + status);
            }
            if (size < 1) {
                throw new IllegalArgumentException("size must be positive: " + size);
            }
            java.util.Objects.requireNonNull(reason, "reason");
        }

        public FrameType type() {
            return FrameType.SHARED_BUFFER_ALLOCATED;
        }

        public int bodyLength() {
            return 8 + 8 + 1 + 2 + reasonBytes().length;
        }

        public void writeBody(ByteBuffer out) {
            out.putLong(requestId);
            out.putLong(size);
            out.put((byte) status);
            byte[] r = reasonBytes();
            out.putShort((short) r.length);
            out.put(r);
        }

        /** Cut as BAD_MESSAGE cuts its reason. */
        private byte[] reasonBytes() {
            return cutUtf8(reason);
        }
    }
}
