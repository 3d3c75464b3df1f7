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
 * @param untrustedQuotaBytes a broker: the bytes of shared buffers it creates, over its life, for
 *     one untrusted child that asks for them (default 256 MiB)
 * @param untrustedQuotaBuffers a broker: how many shared buffers it creates, over its life, for one
 *     untrusted child (default 64)
 */
public record SharedMemoryLimits(long maxBufferBytes, long maxTotalBytes, long untrustedQuotaBytes, int untrustedQuotaBuffers) {

    public static final long DEFAULT_MAX_BUFFER_BYTES = 1L << 30;

    public static final long DEFAULT_MAX_TOTAL_BYTES = 4L << 30;

    public static final long DEFAULT_UNTRUSTED_QUOTA_BYTES = 256L << 20;

    public static final int DEFAULT_UNTRUSTED_QUOTA_BUFFERS = 64;

    public static final SharedMemoryLimits DEFAULT = new SharedMemoryLimits(DEFAULT_MAX_BUFFER_BYTES, DEFAULT_MAX_TOTAL_BYTES,
            DEFAULT_UNTRUSTED_QUOTA_BYTES, DEFAULT_UNTRUSTED_QUOTA_BUFFERS);

    private static volatile SharedMemoryLimits current = DEFAULT;

    public SharedMemoryLimits {
        if (maxBufferBytes < 1) {
            throw new IllegalArgumentException("maxBufferBytes must be at least 1: " + maxBufferBytes);
        }
        if (maxTotalBytes < maxBufferBytes) {
            throw new IllegalArgumentException("maxTotalBytes (" + maxTotalBytes + ") is below maxBufferBytes (" + maxBufferBytes + ")");
        }
        if (untrustedQuotaBytes < 0 || untrustedQuotaBuffers < 0) {
            throw new IllegalArgumentException("quotas cannot be negative");
        }
    }

    /**
     * These size limits with the default quotas for untrusted children.
     *
     * @param maxBufferBytes see the record
     * @param maxTotalBytes see the record
     */
    public SharedMemoryLimits(long maxBufferBytes, long maxTotalBytes) {
        this(maxBufferBytes, maxTotalBytes, DEFAULT_UNTRUSTED_QUOTA_BYTES, DEFAULT_UNTRUSTED_QUOTA_BUFFERS);
    }

    /**
     * {@return these limits with another quota for each untrusted child}
     *
     * @param bytes bytes of shared buffers the broker creates for one untrusted child over its life
     * @param buffers how many shared buffers it creates for one untrusted child over its life
     */
    public SharedMemoryLimits withUntrustedQuota(long bytes, int buffers) {
        return new SharedMemoryLimits(maxBufferBytes, maxTotalBytes, bytes, buffers);
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
