package dev.switchboard.ipc;

/**
 * A request for shared memory that a limit forbids: a buffer larger than this process allows, more
 * than this process may hold in total, or more than the broker grants a sandboxed child. Nothing
 * was allocated.
 */
public final class SharedMemoryLimitException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Which limit refused. */
    public enum Kind {
        /** {@link dev.switchboard.ipc.wire.SharedMemoryLimits#maxBufferBytes()} of this process. */
        BUFFER_SIZE,
        /** {@link dev.switchboard.ipc.wire.SharedMemoryLimits#maxTotalBytes()} of this process. */
        PROCESS_TOTAL,
        /** The bytes the broker grants this child. */
        QUOTA_BYTES,
        /** The number of buffers the broker grants this child. */
        QUOTA_COUNT
    }

    /** Which limit refused. */
    private final Kind kind;

    /**
     * @param kind which limit refused
     * @param message what was asked and what the limit is
     */
    public SharedMemoryLimitException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    /** {@return which limit refused} */
    public Kind kind() {
        return kind;
    }
}
