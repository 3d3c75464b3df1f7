package dev.switchboard.ipc;

import dev.switchboard.ipc.spi.SharedMemoryOps;
import java.nio.ByteBuffer;

/**
 * A range of a {@link SharedBuffer} mapped into this process. Unmapped when closed — at once, not
 * when the garbage collector gets round to it. A mapping stays valid after the buffer it came from
 * is closed.
 *
 * <p>After {@link #close()}, {@link #buffer()} throws. A view obtained before and kept past
 * {@code close()} can no longer reach the shared memory, and cannot crash the JVM either: the
 * address range is filled with private zero pages that stay reserved until every such view is
 * unreachable, so reads through a stale view see zeros and its writes are lost. A thread that
 * uses a view while another closes the mapping sees the shared bytes up to some point, then zeros.
 *
 * <p>Thread-safe. The memory itself is shared with other processes without any locking: use the
 * buffer's contents as a protocol between them (for example with
 * {@link java.lang.invoke.MethodHandles#byteBufferViewVarHandle} for atomic access).
 */
public final class SharedMapping implements AutoCloseable {

    private final SharedRegion region;
    private final SharedMemoryOps.Mapping mapping;
    private final long offset;
    private final int length;
    private final boolean readOnly;
    private final ByteBuffer view;
    private boolean closed; // guarded by this

    SharedMapping(SharedRegion region, SharedMemoryOps.Mapping mapping, long offset, int lead, int length, boolean readOnly) {
        this.region = region;
        this.mapping = mapping;
        this.offset = offset;
        this.length = length;
        this.readOnly = readOnly;
        this.view = mapping.buffer().slice(lead, length);
    }

    /**
     * A new view of the mapped bytes: position 0, limit and capacity {@link #length()}, big-endian,
     * read-only when the mapping is. Each call returns a view of its own (its own position).
     *
     * @return the view
     * @throws IllegalStateException when the mapping is closed
     */
    public synchronized ByteBuffer buffer() {
        if (closed) {
            throw new IllegalStateException("shared mapping is closed");
        }
        return view.duplicate();
    }

    /** {@return where the mapping starts in the buffer} */
    public long offset() {
        return offset;
    }

    /** {@return how many bytes it maps} */
    public int length() {
        return length;
    }

    /** {@return true when it can only be read} */
    public boolean isReadOnly() {
        return readOnly;
    }

    /** {@return false once closed} */
    public synchronized boolean isOpen() {
        return !closed;
    }

    /** Unmaps the shared memory from this process. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        mapping.unmap();
        region.release();
    }

    @Override
    public String toString() {
        return "SharedMapping(" + length + " bytes at " + offset + (readOnly ? ", read-only" : ", writable")
                + (isOpen() ? "" : ", closed") + ")";
    }
}
