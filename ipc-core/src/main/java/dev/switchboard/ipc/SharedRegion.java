package dev.switchboard.ipc;

import dev.switchboard.ipc.wire.SharedMemoryLimits;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory behind one {@link SharedBuffer} and its duplicates and mappings in this process: its
 * size, whether it is sealed against writing, and what it costs this process. A region created
 * here counts against {@link SharedMemoryLimits#maxTotalBytes()} until the last handle and mapping
 * of it in this process is closed.
 */
final class SharedRegion {

    /** Bytes of regions created in this process and still held here. */
    private static final AtomicLong HELD = new AtomicLong();

    private final long size;
    private final boolean counted;
    private volatile boolean writeSealed;
    private int references = 1; // guarded by this

    private SharedRegion(long size, boolean counted, boolean writeSealed) {
        this.size = size;
        this.counted = counted;
        this.writeSealed = writeSealed;
    }

    /** A region about to be created here, reserved against the process's total. */
    static SharedRegion reserve(long size, SharedMemoryLimits limits) {
        if (size < 1 || size > limits.maxBufferBytes()) {
            throw new SharedMemoryLimitException(SharedMemoryLimitException.Kind.BUFFER_SIZE,
                    "a shared buffer holds 1 to " + limits.maxBufferBytes() + " bytes; asked for " + size);
        }
        while (true) {
            long held = HELD.get();
            if (held > limits.maxTotalBytes() - size) {
                throw new SharedMemoryLimitException(SharedMemoryLimitException.Kind.PROCESS_TOTAL,
                        "this process holds " + held + " bytes of shared memory it created; " + size
                                + " more would pass its limit of " + limits.maxTotalBytes());
            }
            if (HELD.compareAndSet(held, held + size)) {
                return new SharedRegion(size, true, false);
            }
        }
    }

    /** A region another process created (or one whose origin does not count here). */
    static SharedRegion foreign(long size, boolean writeSealed) {
        return new SharedRegion(size, false, writeSealed);
    }

    /** {@return bytes of regions created in this process and still held here} */
    static long heldBytes() {
        return HELD.get();
    }

    long size() {
        return size;
    }

    boolean isWriteSealed() {
        return writeSealed;
    }

    void markWriteSealed() {
        writeSealed = true;
    }

    /** One more handle or mapping in this process refers to it. */
    synchronized void retain() {
        if (references == 0) {
            throw new IllegalStateException("region already released");
        }
        references++;
    }

    /** One handle or mapping in this process is gone; the last gives the bytes back. */
    void release() {
        synchronized (this) {
            if (references == 0) {
                throw new IllegalStateException("region released too often");
            }
            if (--references > 0) {
                return;
            }
        }
        if (counted) {
            HELD.addAndGet(-size);
        }
    }
}
