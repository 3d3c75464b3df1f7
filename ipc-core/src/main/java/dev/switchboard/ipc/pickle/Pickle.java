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

    /** An empty pickle with room for 64 bytes before it grows. */
    public Pickle() {
        this(64);
    }

    /**
     * An empty pickle.
     *
     * @param initialCapacity bytes to allocate up front (rounded up to a multiple of 4, at least 16)
     */
    public Pickle(int initialCapacity) {
        buf = new byte[Math.max(16, (initialCapacity + 3) & ~3)];
    }

    /**
     * Empties the pickle (bytes and handle lists) and keeps its array. The handles written before
     * are forgotten, not closed: they stay with whoever owns them.
     *
     * @return this pickle
     */
    public Pickle reset() {
        size = 0;
        handles = null;
        pipes = null;
        return this;
    }

    /**
     * Bytes written so far.
     *
     * @return the byte count, always a multiple of 4
     */
    public int size() {
        return size;
    }

    /**
     * The bytes written, copied.
     *
     * @return a new array of {@link #size()} bytes (a shared empty array when nothing was written)
     */
    public byte[] toByteArray() {
        return size == 0 ? NO_BYTES : Arrays.copyOf(buf, size);
    }

    /**
     * The OS handles written, in index order. They still belong to the caller until the message
     * carrying them is sent; the pickle never closes them.
     *
     * @return the live list (changed by later writes), empty when none was written
     */
    public List<PlatformHandle> handles() {
        return handles == null ? List.of() : handles;
    }

    /**
     * The pipe ends written, in index order; like {@link #handles()}, still the caller's until sent.
     *
     * @return the live list (changed by later writes), empty when none was written
     */
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

    /**
     * Writes a signed 32-bit value in one slot.
     *
     * @param v the value
     * @return this pickle
     */
    public Pickle writeInt(int v) {
        ensure(4);
        putInt(buf, size, v);
        size += 4;
        return this;
    }

    /**
     * Writes a signed 64-bit value in two slots.
     *
     * @param v the value
     * @return this pickle
     */
    public Pickle writeLong(long v) {
        ensure(8);
        LONG_LE.set(buf, size, v);
        size += 8;
        return this;
    }

    /**
     * Writes a boolean as int32 1 or 0.
     *
     * @param v the value
     * @return this pickle
     */
    public Pickle writeBool(boolean v) {
        return writeInt(v ? 1 : 0);
    }

    /**
     * Writes a byte, sign-extended to one int32 slot.
     *
     * @param v the value
     * @return this pickle
     */
    public Pickle writeByte(byte v) {
        return writeInt(v);
    }

    /**
     * Writes a short, sign-extended to one int32 slot.
     *
     * @param v the value
     * @return this pickle
     */
    public Pickle writeShort(short v) {
        return writeInt(v);
    }

    /**
     * Writes a UTF-16 code unit, zero-extended to one int32 slot.
     *
     * @param v the value
     * @return this pickle
     */
    public Pickle writeChar(char v) {
        return writeInt(v);
    }

    /**
     * Writes a float as its raw IEEE 754 bits (NaN payloads kept) in one slot.
     *
     * @param v the value
     * @return this pickle
     */
    public Pickle writeFloat(float v) {
        return writeInt(Float.floatToRawIntBits(v));
    }

    /**
     * Writes a double as its raw IEEE 754 bits (NaN payloads kept) in two slots.
     *
     * @param v the value
     * @return this pickle
     */
    public Pickle writeDouble(double v) {
        return writeLong(Double.doubleToRawLongBits(v));
    }

    /**
     * Writes a count of the elements that follow (lists, sets, maps).
     *
     * @param count the element count
     * @return this pickle
     * @throws IllegalArgumentException when {@code count} is negative
     */
    public Pickle writeCount(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("negative count " + count);
        }
        return writeInt(count);
    }

    /**
     * Writes a length, then the bytes, then zero padding to a 4-byte boundary.
     *
     * @param v the bytes, copied
     * @return this pickle
     */
    public Pickle writeBytes(byte[] v) {
        return writeBytes(v, 0, v.length);
    }

    /**
     * Writes {@code v[offset, offset + length)} laid out as {@link #writeBytes(byte[])}.
     *
     * @param v the array, copied from
     * @param offset where the bytes start in {@code v}
     * @param length how many bytes to write
     * @return this pickle
     * @throws IndexOutOfBoundsException when the range is outside {@code v}
     */
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
     * Writes a string as UTF-8 bytes, laid out as {@link #writeBytes(byte[])}.
     *
     * @param v the string
     * @return this pickle
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

    /**
     * Appends {@code h} to the handles of this pickle and writes its index. The handle is not
     * duplicated: it moves with the message once sent.
     *
     * @param h the handle
     * @return this pickle
     * @throws IllegalArgumentException when {@code h} is already in this pickle
     */
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

    /**
     * Appends {@code p} to the pipe ends of this pickle and writes its index; the pipe end moves
     * with the message once sent.
     *
     * @param p the pipe end
     * @return this pickle
     * @throws IllegalArgumentException when {@code p} is already in this pickle
     */
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

    /**
     * Overwrites the 4 bytes at {@code offset} (already written), e.g. a header field.
     *
     * @param offset the byte offset of the slot, counted from the start of the pickle
     * @param v the new value
     * @throws IndexOutOfBoundsException when those 4 bytes were not written yet
     */
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
