package dev.switchboard.ipc.bench.peer;

import java.io.EOFException;

/**
 * A {@link Link} over a byte stream. Messages need no framing because both sides know every
 * size in advance (it is in the {@link Workload}), exactly as in the C floor.
 */
abstract class StreamLink implements Link {

    /** Same bulk chunk as the C floor's drain loop. */
    private static final int DRAIN_CHUNK = 256 * 1024;

    private byte[] scratch;

    /** Reads at most {@code len} bytes; -1 at end of stream. */
    protected abstract int read(byte[] buf, int off, int len) throws Exception;

    /** Writes all {@code len} bytes. */
    protected abstract void write(byte[] buf, int off, int len) throws Exception;

    @Override
    public void send(byte[] buf, int len) throws Exception {
        write(buf, 0, len);
    }

    @Override
    public void receive(byte[] buf, int len) throws Exception {
        int off = 0;
        while (off < len) {
            int n = read(buf, off, len - off);
            if (n < 0) {
                throw new EOFException("peer closed after " + off + " of " + len + " bytes");
            }
            off += n;
        }
    }

    @Override
    public void drain(byte[] buf, int len, int count) throws Exception {
        if (scratch == null) {
            scratch = new byte[DRAIN_CHUNK];
        }
        long left = (long) len * count;
        while (left > 0) {
            int n = read(scratch, 0, (int) Math.min(left, scratch.length));
            if (n < 0) {
                throw new EOFException("peer closed with " + left + " bytes of the batch outstanding");
            }
            left -= n;
        }
    }
}
