package dev.switchboard.ipc.datapipe;

/** The outcome of a data-pipe operation, as in Mojo's data pipes. */
public enum DataPipeStatus {
    /** Done; a count says how many bytes moved. */
    OK,
    /** Nothing can move now (empty for the consumer, full for the producer); wait and retry. */
    SHOULD_WAIT,
    /** An all-or-none request that the ring cannot meet now, or ever (more than the capacity). */
    OUT_OF_RANGE,
    /**
     * The other end is gone: the producer closed and everything it wrote was read, or the
     * consumer closed (for the producer, at once). Nothing will ever move again.
     */
    FAILED_PRECONDITION,
    /** A two-phase read or write is in progress on this end; finish it first. */
    BUSY,
    /**
     * A count that is not a multiple of the element size, or an end of a two-phase operation
     * larger than its region, or with none in progress. A two-phase operation ends anyway.
     */
    INVALID_ARGUMENT,
    /**
     * The other end broke the ring's rules in shared memory (a count out of range, say); this end
     * stopped trusting the ring and nothing moves any more.
     */
    BAD_MESSAGE
}
