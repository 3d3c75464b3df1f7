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

    public PacketWriter putByte(int v) {
        ensure(1);
        buf[size++] = (byte) v;
        return this;
    }

    public PacketWriter putBoolean(boolean v) {
        return putByte(v ? 1 : 0);
    }

    public PacketWriter putShort(int v) {
        ensure(2);
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
        return this;
    }

    public PacketWriter putInt(int v) {
        ensure(4);
        for (int shift = 24; shift >= 0; shift -= 8) {
            buf[size++] = (byte) (v >>> shift);
        }
        return this;
    }

    public PacketWriter putLong(long v) {
        ensure(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            buf[size++] = (byte) (v >>> shift);
        }
        return this;
    }

    /** int32 byte length (-1 for null), then UTF-8. */
    public PacketWriter putString(String s) {
        return putBytes(s == null ? null : s.getBytes(StandardCharsets.UTF_8));
    }

    /** int32 length (-1 for null), then the bytes. */
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

    /** Bytes written so far. */
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
