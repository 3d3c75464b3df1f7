package dev.switchboard.ipc.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The body of a frame, one record per {@link FrameType}. Layouts are in docs/protocol.md. */
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

    /** One named pipe of an invitation. */
    record PipeName(String name, Id128 pipeId) {
        public static final int MAX_NAME_BYTES = 255;
    }

    /** The invitation: inviter's node name, a one-time token, and its named pipes. */
    record Invite(Id128 token, Id128 inviterNode, List<PipeName> pipes) implements FrameBody {
        public static final int MAX_PIPES = 1024;

        public Invite {
            pipes = List.copyOf(pipes);
        }

        public FrameType type() {
            return FrameType.INVITE;
        }

        public int bodyLength() {
            int n = 2 * Id128.SIZE + 4;
            for (PipeName p : pipes) {
                n += Id128.SIZE + 2 + p.name().getBytes(StandardCharsets.UTF_8).length;
            }
            return n;
        }

        public void writeBody(ByteBuffer out) {
            token.write(out);
            inviterNode.write(out);
            out.putInt(pipes.size());
            for (PipeName p : pipes) {
                p.pipeId().write(out);
                byte[] name = p.name().getBytes(StandardCharsets.UTF_8);
                out.putShort((short) name.length);
                out.put(name);
            }
        }
    }

    /** The invitee's answer: the token it was given and its own node name. */
    record Accept(Id128 token, Id128 inviteeNode) implements FrameBody {
        public FrameType type() {
            return FrameType.ACCEPT;
        }

        public int bodyLength() {
            return 2 * Id128.SIZE;
        }

        public void writeBody(ByteBuffer out) {
            token.write(out);
            inviteeNode.write(out);
        }
    }

    /**
     * A user message. {@code payload} is a view of the frame's bytes on decode (valid only until
     * the receive buffer is released) and whatever the caller passes on encode.
     */
    record Message(Id128 pipeId, ByteBuffer payload) implements FrameBody {
        public static final int FIXED_BYTES = Id128.SIZE;

        public FrameType type() {
            return FrameType.MESSAGE;
        }

        public int bodyLength() {
            return FIXED_BYTES + payload.remaining();
        }

        public void writeBody(ByteBuffer out) {
            pipeId.write(out);
            out.put(payload.duplicate());
        }
    }

    /** The sender closed its end of the pipe. */
    record PipeClosed(Id128 pipeId) implements FrameBody {
        public FrameType type() {
            return FrameType.PIPE_CLOSED;
        }

        public int bodyLength() {
            return Id128.SIZE;
        }

        public void writeBody(ByteBuffer out) {
            pipeId.write(out);
        }
    }
}
