package dev.switchboard.ipc.pickle;

import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PlatformHandle;
import dev.switchboard.ipc.pickle.PickleException.Reason;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * Reads what a {@link Pickle} wrote, trusting nothing. Every read checks that the bytes are
 * there; the first failure throws a {@link PickleException} and poisons the reader, so every
 * later read fails too ({@link PickleException.Reason#POISONED}). Counts are checked for sign
 * and against the bytes that remain before anything is allocated; nesting is capped at
 * {@link #MAX_DEPTH}; handles are claimed in index order, each at most once.
 *
 * <p>The reader owns the handles and pipe ends it was given. A claimed one belongs to the caller;
 * after a failure, {@link #closeHandles()} closes all of them, claimed or not, because the value
 * being built is thrown away. Not thread-safe.
 */
public final class PickleReader {

    /** How deep values may nest (records, collections, optionals). Chromium's legacy IPC allows 200, Mojo 100. */
    public static final int MAX_DEPTH = 100;

    private final byte[] data;
    private final int end;
    private int pos;
    private int depth;
    private boolean poisoned;
    private final List<PlatformHandle> handles;
    private final List<MessagePipe> pipes;
    private int handlesClaimed;
    private int pipesClaimed;

    /**
     * A reader over all of {@code data}, without handles. The array is read in place, not
     * copied: do not change it while the reader is in use.
     *
     * @param data the pickled bytes
     */
    public PickleReader(byte[] data) {
        this(data, 0, data.length, List.of(), List.of());
    }

    /**
     * A reader over {@code data[offset, offset + length)} that owns {@code handles} and
     * {@code pipes} (the handles that arrived with the message, in order). Nothing is copied: do
     * not change the array or the lists while the reader is in use.
     *
     * @param data the array holding the pickled bytes
     * @param offset where the pickle starts in {@code data}
     * @param length how many bytes it has
     * @param handles the OS handles that arrived with it, now owned by the reader
     * @param pipes the pipe ends that arrived with it, now owned by the reader
     * @throws IndexOutOfBoundsException when the range is outside {@code data}
     */
    public PickleReader(byte[] data, int offset, int length, List<PlatformHandle> handles, List<MessagePipe> pipes) {
        Objects.checkFromIndexSize(offset, length, data.length);
        this.data = data;
        this.pos = offset;
        this.end = offset + length;
        this.handles = handles;
        this.pipes = pipes;
    }

    /**
     * Bytes not read yet.
     *
     * @return the count of unread bytes
     */
    public int remaining() {
        return end - pos;
    }

    /**
     * The current read offset in the underlying array (not relative to the pickle's start).
     *
     * @return the offset of the next byte to read
     */
    public int position() {
        return pos;
    }

    /**
     * Whether a read failed: every later read fails too.
     *
     * @return true after the first failure
     */
    public boolean isPoisoned() {
        return poisoned;
    }

    /**
     * Poisons the reader and returns the exception to throw; for codecs that find a value they
     * read invalid.
     *
     * @param reason what was wrong
     * @param message what was wrong, in words
     * @return the exception, for the caller to throw
     */
    public PickleException fail(Reason reason, String message) {
        poisoned = true;
        return new PickleException(reason, message);
    }

    private void need(int n, String what) {
        if (poisoned) {
            throw new PickleException(Reason.POISONED, "read of " + what + " after an earlier failure");
        }
        if (n > end - pos) {
            throw fail(Reason.TRUNCATED, what + " needs " + n + " bytes at offset " + pos + ", " + (end - pos) + " remain");
        }
    }

    /**
     * Reads a signed 32-bit value.
     *
     * @return the value
     * @throws PickleException when fewer than 4 bytes remain
     */
    public int readInt() {
        need(4, "int32");
        int v = getInt(data, pos);
        pos += 4;
        return v;
    }

    /**
     * Reads a signed 64-bit value.
     *
     * @return the value
     * @throws PickleException when fewer than 8 bytes remain
     */
    public long readLong() {
        need(8, "int64");
        long v = (long) Pickle.LONG_LE.get(data, pos);
        pos += 8;
        return v;
    }

    /**
     * Reads a boolean.
     *
     * @return the value
     * @throws PickleException when the slot is missing or holds neither 0 nor 1
     */
    public boolean readBool() {
        int v = readInt();
        if (v != 0 && v != 1) {
            throw fail(Reason.INVALID_VALUE, "bool of value " + v);
        }
        return v == 1;
    }

    /**
     * Reads a byte.
     *
     * @return the value
     * @throws PickleException when the slot is missing or its value is outside the byte range
     */
    public byte readByte() {
        int v = readInt();
        if (v != (byte) v) {
            throw fail(Reason.INVALID_VALUE, "byte of value " + v);
        }
        return (byte) v;
    }

    /**
     * Reads a short.
     *
     * @return the value
     * @throws PickleException when the slot is missing or its value is outside the short range
     */
    public short readShort() {
        int v = readInt();
        if (v != (short) v) {
            throw fail(Reason.INVALID_VALUE, "short of value " + v);
        }
        return (short) v;
    }

    /**
     * Reads a UTF-16 code unit.
     *
     * @return the value
     * @throws PickleException when the slot is missing or its value is outside 0..0xFFFF
     */
    public char readChar() {
        int v = readInt();
        if (v != (char) v) {
            throw fail(Reason.INVALID_VALUE, "char of value " + v);
        }
        return (char) v;
    }

    /**
     * Reads a float from its raw IEEE 754 bits.
     *
     * @return the value (any bit pattern, NaNs included, is accepted)
     * @throws PickleException when fewer than 4 bytes remain
     */
    public float readFloat() {
        return Float.intBitsToFloat(readInt());
    }

    /**
     * Reads a double from its raw IEEE 754 bits.
     *
     * @return the value (any bit pattern, NaNs included, is accepted)
     * @throws PickleException when fewer than 8 bytes remain
     */
    public double readDouble() {
        return Double.longBitsToDouble(readLong());
    }

    /**
     * A count of elements that each occupy at least {@code minElementSize} bytes (at least 4):
     * fails unless {@code count * minElementSize} fits in what remains, so a count can never ask
     * for more memory than the input itself justifies.
     *
     * @param minElementSize the fewest bytes one element occupies (values under 4 count as 4)
     * @return the count, never negative
     * @throws PickleException when the count is negative or the remaining bytes cannot hold it
     */
    public int readCount(int minElementSize) {
        int n = readInt();
        if (n < 0) {
            throw fail(Reason.BAD_LENGTH, "negative count " + n);
        }
        long bytes = (long) n * Math.max(4, minElementSize);
        if (bytes > end - pos) {
            throw fail(Reason.BAD_LENGTH, "count " + n + " of elements of at least " + Math.max(4, minElementSize)
                    + " bytes, but only " + (end - pos) + " bytes remain");
        }
        return n;
    }

    private int readByteLength() {
        int n = readInt();
        if (n < 0) {
            throw fail(Reason.BAD_LENGTH, "negative length " + n);
        }
        long padded = ((long) n + 3) & ~3L;
        if (padded > end - pos) {
            throw fail(Reason.BAD_LENGTH, "length " + n + " but only " + (end - pos) + " bytes remain");
        }
        return n;
    }

    private void skipPadding(int n) {
        int padEnd = pos + (((n + 3) & ~3) - n);
        for (int i = pos; i < padEnd; i++) {
            if (data[i] != 0) {
                throw fail(Reason.BAD_PADDING, "non-zero padding byte at offset " + i);
            }
        }
        pos = padEnd;
    }

    /**
     * Reads a length-prefixed byte string and its padding.
     *
     * @return a new array the caller owns
     * @throws PickleException when the length is bad or the padding is not zero
     */
    public byte[] readBytes() {
        int n = readByteLength();
        byte[] v = new byte[n];
        System.arraycopy(data, pos, v, 0, n);
        pos += n;
        skipPadding(n);
        return v;
    }

    /**
     * Reads a string: UTF-8, validated strictly (no overlong forms, no surrogates, nothing
     * truncated).
     *
     * @return the string
     * @throws PickleException when the length or padding is bad or the bytes are not valid UTF-8
     */
    public String readString() {
        int n = readByteLength();
        int start = pos;
        boolean ascii = true;
        for (int i = start; i < start + n; i++) {
            if (data[i] < 0) {
                ascii = false;
                break;
            }
        }
        String s;
        if (ascii) {
            s = new String(data, start, n, StandardCharsets.ISO_8859_1);
        } else {
            try {
                s = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(data, start, n))
                        .toString();
            } catch (CharacterCodingException e) {
                throw fail(Reason.BAD_UTF8, "string of " + n + " bytes at offset " + start + " is not valid UTF-8");
            }
        }
        pos += n;
        skipPadding(n);
        return s;
    }

    /**
     * Claims the next OS handle: the index read must be the next unclaimed one.
     *
     * @return the handle, which now belongs to the caller (unless a later read fails: see
     *     {@link #closeHandles()})
     * @throws PickleException when the index is not the next unclaimed handle
     */
    public PlatformHandle readHandle() {
        int i = readInt();
        if (i != handlesClaimed || i >= handles.size()) {
            throw fail(Reason.BAD_HANDLE, "handle index " + i + " where " + handlesClaimed + " of " + handles.size()
                    + " was expected (handles are claimed in order, each once)");
        }
        handlesClaimed++;
        return handles.get(i);
    }

    /**
     * Claims the next pipe end: the index read must be the next unclaimed one.
     *
     * @return the pipe end, which now belongs to the caller (unless a later read fails: see
     *     {@link #closeHandles()})
     * @throws PickleException when the index is not the next unclaimed pipe end
     */
    public MessagePipe readPipe() {
        int i = readInt();
        if (i != pipesClaimed || i >= pipes.size()) {
            throw fail(Reason.BAD_HANDLE, "pipe index " + i + " where " + pipesClaimed + " of " + pipes.size()
                    + " was expected (pipes are claimed in order, each once)");
        }
        pipesClaimed++;
        return pipes.get(i);
    }

    /**
     * Call before reading a nested value; pair with {@link #exit()}.
     *
     * @throws PickleException when values nest deeper than {@link #MAX_DEPTH}
     */
    public void enter() {
        if (++depth > MAX_DEPTH) {
            throw fail(Reason.TOO_DEEP, "values nested deeper than " + MAX_DEPTH);
        }
    }

    /** Call after reading a nested value that {@link #enter()} began. */
    public void exit() {
        depth--;
    }

    /**
     * Checks that the value read was the whole input: every byte read, every handle claimed.
     *
     * @throws PickleException when bytes or handles are left over, or a read failed before
     */
    public void finish() {
        if (poisoned) {
            throw new PickleException(Reason.POISONED, "finish after an earlier failure");
        }
        if (pos != end) {
            throw fail(Reason.TRAILING_BYTES, (end - pos) + " bytes after the last field");
        }
        if (handlesClaimed != handles.size() || pipesClaimed != pipes.size()) {
            throw fail(Reason.UNCLAIMED_HANDLES, "fields claimed " + handlesClaimed + " of " + handles.size()
                    + " handles and " + pipesClaimed + " of " + pipes.size() + " pipes");
        }
    }

    /** After a failure: closes every handle and pipe end this reader was given, claimed or not. */
    public void closeHandles() {
        for (PlatformHandle h : handles) {
            h.close();
        }
        for (MessagePipe p : pipes) {
            p.close();
        }
    }

    static int getInt(byte[] b, int at) {
        return (int) Pickle.INT_LE.get(b, at);
    }
}
