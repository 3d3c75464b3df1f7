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

    /** A reader over {@code data} without handles. */
    public PickleReader(byte[] data) {
        this(data, 0, data.length, List.of(), List.of());
    }

    /**
     * A reader over {@code data[offset, offset + length)} that owns {@code handles} and
     * {@code pipes} (the handles that arrived with the message, in order).
     */
    public PickleReader(byte[] data, int offset, int length, List<PlatformHandle> handles, List<MessagePipe> pipes) {
        Objects.checkFromIndexSize(offset, length, data.length);
        this.data = data;
        this.pos = offset;
        this.end = offset + length;
        this.handles = handles;
        this.pipes = pipes;
    }

    /** Bytes not read yet. */
    public int remaining() {
        return end - pos;
    }

    /** The current read offset in the underlying array. */
    public int position() {
        return pos;
    }

    public boolean isPoisoned() {
        return poisoned;
    }

    /** Poisons the reader and returns the exception to throw. */
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

    public int readInt() {
        need(4, "int32");
        int v = getInt(data, pos);
        pos += 4;
        return v;
    }

    public long readLong() {
        need(8, "int64");
        long v = (long) Pickle.LONG_LE.get(data, pos);
        pos += 8;
        return v;
    }

    public boolean readBool() {
        int v = readInt();
        if (v != 0 && v != 1) {
            throw fail(Reason.INVALID_VALUE, "bool of value " + v);
        }
        return v == 1;
    }

    public byte readByte() {
        int v = readInt();
        if (v != (byte) v) {
            throw fail(Reason.INVALID_VALUE, "byte of value " + v);
        }
        return (byte) v;
    }

    public short readShort() {
        int v = readInt();
        if (v != (short) v) {
            throw fail(Reason.INVALID_VALUE, "short of value " + v);
        }
        return (short) v;
    }

    public char readChar() {
        int v = readInt();
        if (v != (char) v) {
            throw fail(Reason.INVALID_VALUE, "char of value " + v);
        }
        return (char) v;
    }

    public float readFloat() {
        return Float.intBitsToFloat(readInt());
    }

    public double readDouble() {
        return Double.longBitsToDouble(readLong());
    }

    /**
     * A count of elements that each occupy at least {@code minElementSize} bytes (at least 4):
     * fails unless {@code count * minElementSize} fits in what remains, so a count can never ask
     * for more memory than the input itself justifies.
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

    public byte[] readBytes() {
        int n = readByteLength();
        byte[] v = new byte[n];
        System.arraycopy(data, pos, v, 0, n);
        pos += n;
        skipPadding(n);
        return v;
    }

    /** UTF-8, validated strictly (no overlong forms, no surrogates, nothing truncated). */
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

    /** Claims the next OS handle: the index read must be the next unclaimed one. */
    public PlatformHandle readHandle() {
        int i = readInt();
        if (i != handlesClaimed || i >= handles.size()) {
            throw fail(Reason.BAD_HANDLE, "handle index " + i + " where " + handlesClaimed + " of " + handles.size()
                    + " was expected (handles are claimed in order, each once)");
        }
        handlesClaimed++;
        return handles.get(i);
    }

    /** Claims the next pipe end: the index read must be the next unclaimed one. */
    public MessagePipe readPipe() {
        int i = readInt();
        if (i != pipesClaimed || i >= pipes.size()) {
            throw fail(Reason.BAD_HANDLE, "pipe index " + i + " where " + pipesClaimed + " of " + pipes.size()
                    + " was expected (pipes are claimed in order, each once)");
        }
        pipesClaimed++;
        return pipes.get(i);
    }

    /** Call before reading a nested value; pair with {@link #exit()}. */
    public void enter() {
        if (++depth > MAX_DEPTH) {
            throw fail(Reason.TOO_DEEP, "values nested deeper than " + MAX_DEPTH);
        }
    }

    public void exit() {
        depth--;
    }

    /** Fails unless every byte was read and every handle claimed. */
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
