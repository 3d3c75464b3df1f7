package dev.switchboard.ipc.ring;

/**
 * What the other end did wrong in the shared control block. Any of these makes the ring
 * untrustworthy: the end that sees it reports a bad message and moves no more data.
 */
public enum RingViolation {
    /** The header does not start with the ring's magic number. */
    BAD_MAGIC,
    /** The header names a layout version this end does not know. */
    BAD_VERSION,
    /** The header's element size or capacity differs from what the handle said, or the region is too small. */
    GEOMETRY_MISMATCH,
    /** A count is negative. */
    NEGATIVE_COUNT,
    /** A count that only grows went backwards. */
    COUNT_WENT_BACKWARDS,
    /** The producer claims more unread bytes than the ring holds. */
    COUNT_BEYOND_CAPACITY,
    /** The consumer claims to have read bytes that were never written. */
    READ_BEYOND_WRITTEN,
    /** A count is not a multiple of the element size. */
    MISALIGNED_COUNT
}
