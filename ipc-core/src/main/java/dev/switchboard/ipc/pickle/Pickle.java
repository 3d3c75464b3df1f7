package dev.switchboard.ipc.pickle;

import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PlatformHandle;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Writes values little-endian into a growing byte array, every value starting on a 4-byte
 * boundary: 32-bit and smaller values take one 4-byte slot, 64-bit values two, byte strings a
 * 4-byte length then the bytes then zero padding to the next boundary. Handles are not written
 * into the bytes: {@link #writeHandle} and {@link #writePipe} append the object to the pickle's
 * handle lists and write its index there. The layout is in {@code docs/protocol.md}.
 *
 * <p>Not thread-safe. A pickle can be {@link #reset()} and reused, which avoids growing a new
 * array for every message.
 */
public final class Pickle {

    private static final byte[] NO_BYTES = new byte[0];

    private byte[] buf;
    private int size;
    private List<PlatformHandle> handles;
    private List<MessagePipe> pipes;

    public Pickle() {
        this(64);
    }

    public Pickle(int initialCapacity) {
        buf = new byte[Math.max(16, (initialCapacity + 3) & ~3)];
    }

    /** Empties the pickle (bytes and handle lists) and keeps its array. */
    public Pickle reset() {
        size = 0;
        handles = null;
        pipes = null;
        return this;
    }

    /** Bytes written so far. Always a multiple of 4. */
    public int size() {
        return size;
    }

    /** A copy of the bytes written. */
    public byte[] toByteArray() {
        return size == 0 ? NO_BYTES : Arrays.copyOf(buf, size);
    }

    /** The OS handles written, in index order; still owned by the caller until the message is sent. */
    public List<PlatformHandle> handles() {
        return handles == null ? List.of() : handles;
    }

    /** The pipe ends written, in index order. */
    public List<MessagePipe> pipes() {
        return pipes == null ? List.of() : pipes;
    }

    private void ensure(int more) {
        int need = size + more;
        if (need < 0) {
            throw new IllegalArgumentException("pickle larger than 2 GiB");
        }
        if (need > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(need, buf.length < (1 << 29) ? buf.length * 2 : Integer.MAX_VALUE - 8));
        }
    }

    public Pickle writeInt(int v) {
        ensure(4);
        putInt(buf, size, v);
        size += 4;
        return this;
    }

    public Pickle writeLong(long v) {
        ensure(8);
        LONG_LE.set(buf, size, v);
        size += 8;
        return this;
    }

    public Pickle writeBool(boolean v) {
        return writeInt(v ? 1 : 0);
    }

    public Pickle writeByte(byte v) {
        return writeInt(v);
    }

    public Pickle writeShort(short v) {
        return writeInt(v);
    }

    public Pickle writeChar(char v) {
        return writeInt(v);
    }

    public Pickle writeFloat(float v) {
        return writeInt(Float.floatToRawIntBits(v));
    }

    public Pickle writeDouble(double v) {
        return writeLong(Double.doubleToRawLongBits(v));
    }

    /** A count of the elements that follow (lists, sets, maps). */
    public Pickle writeCount(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("negative count " + count);
        }
        return writeInt(count);
    }

    /** A length, then the bytes, then zero padding to a 4-byte boundary. */
    public Pickle writeBytes(byte[] v) {
        return writeBytes(v, 0, v.length);
    }

    public Pickle writeBytes(byte[] v, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, v.length);
        int padded = (length + 3) & ~3;
        ensure(4 + padded);
        putInt(buf, size, length);
        System.arraycopy(v, offset, buf, size + 4, length);
        for (int i = size + 4 + length; i < size + 4 + padded; i++) {
            buf[i] = 0;
        }
        size += 4 + padded;
        return this;
    }

    /**
     * UTF-8 bytes, laid out as {@link #writeBytes}.
     *
     * @throws IllegalArgumentException when {@code v} holds an unpaired surrogate (not encodable)
     */
    public Pickle writeString(String v) {
        int n = v.length();
        int padded = (n + 3) & ~3;
        ensure(4 + padded);
        int p = size + 4;
        for (int i = 0; i < n; i++) {
            char c = v.charAt(i);
            if (c >= 0x80) {
                return writeNonAscii(v);
            }
            buf[p + i] = (byte) c;
        }
        putInt(buf, size, n);
        for (int i = p + n; i < p + padded; i++) {
            buf[i] = 0;
        }
        size += 4 + padded;
        return this;
    }

    private Pickle writeNonAscii(String v) {
        byte[] utf8;
        try {
            var bb = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(java.nio.CharBuffer.wrap(v));
            utf8 = new byte[bb.remaining()];
            bb.get(utf8);
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("string is not encodable as UTF-8 (unpaired surrogate)", e);
        }
        return writeBytes(utf8);
    }

    /** Appends {@code h} to the handles of this pickle and writes its index. */
    public Pickle writeHandle(PlatformHandle h) {
        Objects.requireNonNull(h, "handle");
        if (handles == null) {
            handles = new ArrayList<>(2);
        }
        if (handles.contains(h)) {
            throw new IllegalArgumentException("the same handle twice in one message: " + h);
        }
        handles.add(h);
        return writeInt(handles.size() - 1);
    }

    /** Appends {@code p} to the pipe ends of this pickle and writes its index. */
    public Pickle writePipe(MessagePipe p) {
        Objects.requireNonNull(p, "pipe");
        if (pipes == null) {
            pipes = new ArrayList<>(2);
        }
        if (pipes.contains(p)) {
            throw new IllegalArgumentException("the same pipe end twice in one message: " + p);
        }
        pipes.add(p);
        return writeInt(pipes.size() - 1);
    }

    /** Overwrites the 4 bytes at {@code offset} (already written), e.g. a header field. */
    public void patchInt(int offset, int v) {
        Objects.checkFromIndexSize(offset, 4, size);
        putInt(buf, offset, v);
    }

    static void putInt(byte[] b, int at, int v) {
        INT_LE.set(b, at, v);
    }

    /** Little-endian int access to a byte array in one bounds-checked operation. */
    static final java.lang.invoke.VarHandle INT_LE =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
    static final java.lang.invoke.VarHandle LONG_LE =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
}
