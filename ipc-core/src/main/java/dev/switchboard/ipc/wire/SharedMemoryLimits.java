package dev.switchboard.ipc.wire;

import java.util.Objects;

/**
 * Bounds on shared memory (docs/shared-memory.md), one per process, each defined here once.
 *
 * @param maxBufferBytes the largest {@link dev.switchboard.ipc.SharedBuffer} this process creates
 *     or accepts from another process (default 1 GiB); a buffer that arrives claiming more is a
 *     bad message from its sender
 * @param maxTotalBytes how much shared memory this process may have created and still hold at a
 *     time, over all its buffers (default 4 GiB); a region counts from its creation until the last
 *     handle and mapping of it in this process is closed
 */
public record SharedMemoryLimits(long maxBufferBytes, long maxTotalBytes) {

    public static final long DEFAULT_MAX_BUFFER_BYTES = 1L << 30;

    public static final long DEFAULT_MAX_TOTAL_BYTES = 4L << 30;

    public static final SharedMemoryLimits DEFAULT = new SharedMemoryLimits(DEFAULT_MAX_BUFFER_BYTES, DEFAULT_MAX_TOTAL_BYTES);

    private static volatile SharedMemoryLimits current = DEFAULT;

    public SharedMemoryLimits {
        if (maxBufferBytes < 1) {
            throw new IllegalArgumentException("maxBufferBytes must be at least 1: " + maxBufferBytes);
        }
        if (maxTotalBytes < maxBufferBytes) {
            throw new IllegalArgumentException("maxTotalBytes (" + maxTotalBytes + ") is below maxBufferBytes (" + maxBufferBytes + ")");
        }
    }

    /** {@return the limits this process applies now} */
    public static SharedMemoryLimits current() {
        return current;
    }

    /**
     * Sets the limits this process applies from now on. Buffers that exist already stay; a lower
     * total only stops new ones until enough are closed.
     *
     * @param limits the new limits
     */
    public static void install(SharedMemoryLimits limits) {
        current = Objects.requireNonNull(limits, "limits");
    }
}
