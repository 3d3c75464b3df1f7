package dev.switchboard.ipc.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Internal: the 16-byte header in front of every frame. Layout (little-endian), see docs/protocol.md:
 *
 * <pre>
 *  0  u32 magic         0x44425753 ("SWBD" in stream order)
 *  4  u8  version       1
 *  5  u8  type          {@link FrameType}
 *  6  u16 handle count  OS handles that rode with this frame's first byte
 *  8  u32 frame length  header + body, without padding
 * 12  u32 reserved      0
 * 16  body; the next frame starts at the frame length rounded up to a multiple of 8
 * </pre>
 *
 * @param type the frame type
 * @param handleCount OS handles attached to the frame
 * @param frameLength header plus body bytes, excluding padding
 */
public record FrameHeader(FrameType type, int handleCount, int frameLength) {

    public static final int SIZE = 16;
    public static final int MAGIC = 0x44425753;
    public static final int VERSION = 1;
    public static final int ALIGNMENT = 8;

    public int bodyLength() {
        return frameLength - SIZE;
    }

    /** Bytes this frame occupies on the stream, padding included. */
    public int paddedLength() {
        return padded(frameLength);
    }

    public static int padded(int length) {
        return (length + ALIGNMENT - 1) & -ALIGNMENT;
    }

    /**
     * Reads and validates a header at the buffer's position without consuming it.
     *
     * @throws ProtocolException naming the first field that is wrong
     */
    public static FrameHeader peek(ByteBuffer in, Limits limits) throws ProtocolException {
        ByteBuffer b = in.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < SIZE) {
            throw new IllegalArgumentException("need " + SIZE + " bytes, have " + b.remaining());
        }
        int p = b.position();
        int magic = b.getInt(p);
        if (magic != MAGIC) {
            throw new ProtocolException(String.format("bad magic 0x%08x (expected 0x%08x)", magic, MAGIC));
        }
        int version = b.get(p + 4) & 0xff;
        if (version != VERSION) {
            throw new ProtocolException("unsupported protocol version " + version + " (this side speaks " + VERSION + ")");
        }
        int typeCode = b.get(p + 5) & 0xff;
        FrameType type = FrameType.of(typeCode);
        if (type == null) {
            throw new ProtocolException(String.format("unknown frame type 0x%02x", typeCode));
        }
        int handles = b.getShort(p + 6) & 0xffff;
        if (handles > limits.maxHandlesPerFrame()) {
            throw new ProtocolException("frame declares " + handles + " handles, limit is " + limits.maxHandlesPerFrame());
        }
        long length = b.getInt(p + 8) & 0xffffffffL;
        if (length < SIZE) {
            throw new ProtocolException("frame length " + length + " is shorter than the " + SIZE + "-byte header");
        }
        if (length > limits.maxFrameBytes()) {
            throw new ProtocolException("frame length " + length + " exceeds the limit of " + limits.maxFrameBytes() + " bytes");
        }
        int reserved = b.getInt(p + 12);
        if (reserved != 0) {
            throw new ProtocolException(String.format("reserved header field is 0x%08x, must be 0", reserved));
        }
        return new FrameHeader(type, handles, (int) length);
    }

    /** Writes this header at the buffer's position and advances it. */
    public void writeTo(ByteBuffer out) {
        ByteBuffer b = out.order() == ByteOrder.LITTLE_ENDIAN ? out : out.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int p = out.position();
        b.putInt(p, MAGIC);
        b.put(p + 4, (byte) VERSION);
        b.put(p + 5, (byte) type.code);
        b.putShort(p + 6, (short) handleCount);
        b.putInt(p + 8, frameLength);
        b.putInt(p + 12, 0);
        out.position(p + SIZE);
    }
}
