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

    /**
     * Reads one byte.
     *
     * @return the byte, sign-extended
     * @throws MalformedPacketException at the end of the packet
     */
    public int getByte() {
        need(1);
        return buf.get();
    }

    /**
     * Reads a boolean byte: exactly 0 or 1; anything else is malformed.
     *
     * @return the value
     * @throws MalformedPacketException at the end of the packet, or for another byte
     */
    public boolean getBoolean() {
        int b = getByte();
        if (b != 0 && b != 1) {
            throw new MalformedPacketException("boolean byte " + b + " at offset " + (buf.position() - 1));
        }
        return b == 1;
    }

    /**
     * Reads a big-endian int16.
     *
     * @return the value
     * @throws MalformedPacketException when fewer than 2 bytes are left
     */
    public short getShort() {
        need(2);
        return buf.getShort();
    }

    /**
     * Reads a big-endian int32.
     *
     * @return the value
     * @throws MalformedPacketException when fewer than 4 bytes are left
     */
    public int getInt() {
        need(4);
        return buf.getInt();
    }

    /**
     * Reads a big-endian int64.
     *
     * @return the value
     * @throws MalformedPacketException when fewer than 8 bytes are left
     */
    public long getLong() {
        need(8);
        return buf.getLong();
    }

    /**
     * Reads a string written by {@link PacketWriter#putString}.
     *
     * @return the string; null when written as null
     * @throws MalformedPacketException when it is cut short or not valid UTF-8
     */
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

    /**
     * Reads a byte array written by {@link PacketWriter#putBytes}.
     *
     * @return a new array; null when written as null
     * @throws MalformedPacketException when the length is negative (other than -1) or exceeds
     *     what is left
     */
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

    /** {@return how many bytes are not read yet} */
    public int remaining() {
        return buf.remaining();
    }

    /** {@return how many handles came with the packet, taken or not} */
    public int handleCount() {
        return handles.length;
    }

    /**
     * Hands handle {@code i} to the caller.
     *
     * @param i the handle's index in the packet
     * @return the handle; the caller closes it
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
