package dev.switchboard.ipc.broker.sandbox;

import dev.switchboard.ipc.PlatformHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Builds the body of one sandbox packet for a {@link SandboxCodec}. Numbers are big-endian;
 * strings and byte arrays are an int32 length (-1 for null) followed by the bytes (UTF-8 for
 * strings). The layout is docs/sandbox-ipc.md's.
 *
 * <p>Replies may carry handles ({@link #attach}); requests cannot, because the one descriptor a
 * request carries is its reply channel. Not thread-safe: one writer per packet.
 */
public final class PacketWriter implements AutoCloseable {

    private final int maxHandles;
    private final List<PlatformHandle> handles = new ArrayList<>();
    private byte[] buf = new byte[64];
    private int size;

    PacketWriter(int maxHandles) {
        this.maxHandles = maxHandles;
    }

    /**
     * Writes one byte.
     *
     * @param v the value; only its low 8 bits are written
     * @return this writer
     */
    public PacketWriter putByte(int v) {
        ensure(1);
        buf[size++] = (byte) v;
        return this;
    }

    /**
     * Writes a boolean as one byte, 1 or 0.
     *
     * @param v the value
     * @return this writer
     */
    public PacketWriter putBoolean(boolean v) {
        return putByte(v ? 1 : 0);
    }

    /**
     * Writes a big-endian int16.
     *
     * @param v the value; only its low 16 bits are written
     * @return this writer
     */
    public PacketWriter putShort(int v) {
        ensure(2);
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
        return this;
    }

    /**
     * Writes a big-endian int32.
     *
     * @param v the value
     * @return this writer
     */
    public PacketWriter putInt(int v) {
        ensure(4);
        for (int shift = 24; shift >= 0; shift -= 8) {
            buf[size++] = (byte) (v >>> shift);
        }
        return this;
    }

    /**
     * Writes a big-endian int64.
     *
     * @param v the value
     * @return this writer
     */
    public PacketWriter putLong(long v) {
        ensure(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            buf[size++] = (byte) (v >>> shift);
        }
        return this;
    }

    /**
     * Writes a string: int32 byte length (-1 for null), then UTF-8.
     *
     * @param s the string, or null
     * @return this writer
     */
    public PacketWriter putString(String s) {
        return putBytes(s == null ? null : s.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Writes a byte array: int32 length (-1 for null), then the bytes.
     *
     * @param b the bytes, copied; or null
     * @return this writer
     */
    public PacketWriter putBytes(byte[] b) {
        if (b == null) {
            return putInt(-1);
        }
        putInt(b.length);
        ensure(b.length);
        System.arraycopy(b, 0, buf, size, b.length);
        size += b.length;
        return this;
    }

    /**
     * Sends {@code handle} with the packet (SCM_RIGHTS). The writer owns it from now on and
     * closes this process's copy once the packet is sent, or when the writer is closed unsent.
     *
     * @param handle the handle; the writer owns it from now on, even when this throws
     * @return this writer
     * @throws IllegalStateException in a request, or beyond {@link SandboxIpc#MAX_REPLY_HANDLES}
     */
    public PacketWriter attach(PlatformHandle handle) {
        Objects.requireNonNull(handle);
        if (handles.size() >= maxHandles) {
            handle.close(); // ours now, and it cannot go anywhere
            throw new IllegalStateException(maxHandles == 0
                    ? "requests carry no handles: the only descriptor in a request is its reply channel"
                    : "at most " + maxHandles + " handles per reply");
        }
        handles.add(handle);
        return this;
    }

    /** {@return how many bytes were written so far} */
    public int size() {
        return size;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    /** The raw values of the attached handles, still owned by this writer. */
    long[] handleValues() {
        long[] v = new long[handles.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = handles.get(i).value();
        }
        return v;
    }

    /** Closes this process's copies of the attached handles. */
    @Override
    public void close() {
        handles.forEach(PlatformHandle::close);
        handles.clear();
    }

    private void ensure(int more) {
        if (size + more > buf.length) {
            if (size + more < 0) {
                throw new IllegalStateException("packet too large");
            }
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
        }
    }
}
