package dev.switchboard.ipc.broker.sandbox;

import dev.switchboard.ipc.PlatformHandle;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads the body of one sandbox packet for a {@link SandboxCodec}: the counterpart of
 * {@link PacketWriter}. Every getter throws {@link MalformedPacketException} instead of reading
 * past the end, so a codec never needs its own bounds checks.
 *
 * <p>Owns the handles that came with the packet until {@link #takeHandle} hands one out;
 * {@link #close()} closes the rest. Not thread-safe.
 */
public final class PacketReader implements AutoCloseable {

    private final ByteBuffer buf;
    private final PlatformHandle[] handles;

    /** Takes ownership of {@code handles}. */
    PacketReader(byte[] data, int offset, PlatformHandle[] handles) {
        this.buf = ByteBuffer.wrap(data, offset, data.length - offset).slice();
        this.handles = handles;
    }

    public int getByte() {
        need(1);
        return buf.get();
    }

    /** Exactly 0 or 1; anything else is malformed. */
    public boolean getBoolean() {
        int b = getByte();
        if (b != 0 && b != 1) {
            throw new MalformedPacketException("boolean byte " + b + " at offset " + (buf.position() - 1));
        }
        return b == 1;
    }

    public short getShort() {
        need(2);
        return buf.getShort();
    }

    public int getInt() {
        need(4);
        return buf.getInt();
    }

    public long getLong() {
        need(8);
        return buf.getLong();
    }

    /** Null when written as null; malformed when not valid UTF-8. */
    public String getString() {
        byte[] b = getBytes();
        if (b == null) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new MalformedPacketException("string is not UTF-8");
        }
    }

    public byte[] getBytes() {
        int len = getInt();
        if (len == -1) {
            return null;
        }
        if (len < 0) {
            throw new MalformedPacketException("negative length " + len);
        }
        need(len);
        byte[] b = new byte[len];
        buf.get(b);
        return b;
    }

    /** Bytes not read yet. */
    public int remaining() {
        return buf.remaining();
    }

    public int handleCount() {
        return handles.length;
    }

    /**
     * Hands handle {@code i} to the caller.
     *
     * @throws MalformedPacketException when there is no such handle or it was taken already
     */
    public PlatformHandle takeHandle(int i) {
        if (i < 0 || i >= handles.length || handles[i] == null) {
            throw new MalformedPacketException("no handle " + i + " (packet has " + handles.length + ")");
        }
        PlatformHandle h = handles[i];
        handles[i] = null;
        return h;
    }

    /** Closes the handles nobody took. */
    @Override
    public void close() {
        for (int i = 0; i < handles.length; i++) {
            if (handles[i] != null) {
                handles[i].close();
                handles[i] = null;
            }
        }
    }

    private void need(int n) {
        if (buf.remaining() < n) {
            throw new MalformedPacketException("needs " + n + " more bytes at offset " + buf.position()
                    + ", has " + buf.remaining());
        }
    }
}
