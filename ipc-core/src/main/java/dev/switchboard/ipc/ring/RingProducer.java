package dev.switchboard.ipc.ring;

import dev.switchboard.ipc.datapipe.DataPipeResult;
import dev.switchboard.ipc.datapipe.DataPipeStatus;
import dev.switchboard.ipc.datapipe.TransferMode;
import dev.switchboard.ipc.datapipe.TwoPhaseRegion;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;

/**
 * The writing end of a ring. Data is copied into the data area first and committed by raising
 * the written count, so a consumer never sees bytes that are not all there, and everything
 * committed stays readable even if this process dies the next instant. The consumer's count is
 * validated like the consumer validates ours: a consumer can be hostile too.
 *
 * <p>Methods are thread-safe; a two-phase write belongs to the end, not to a thread.
 */
public final class RingProducer implements AutoCloseable {

    private final ControlBlock control;
    private final ByteBuffer data;
    private final int elementSize;
    private final int capacity;
    private final PeerSignal consumer;

    private long written;
    private long lastRead;
    /**
     * Set without the lock: the thread that delivers the signal pipe's peer-closed must never wait
     * for a writer that is itself waiting to send a signal.
     */
    private volatile boolean consumerGone;
    private boolean closed;
    private RingViolation violation;
    /** Size of the region handed out by {@link #beginWrite}, or -1 when no two-phase write is on. */
    private int twoPhase = -1;

    private RingProducer(RingRegion region, int elementSize, int capacity, PeerSignal consumer) {
        RingLayout.checkGeometry(elementSize, capacity);
        ByteBuffer buffer = region.buffer();
        this.control = new ControlBlock(buffer);
        this.elementSize = elementSize;
        this.capacity = capacity;
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.violation = RingHeader.check(control, buffer.capacity(), elementSize, capacity);
        this.data = violation == null ? buffer.slice(RingLayout.HEADER_BYTES, capacity) : ByteBuffer.allocate(0);
        if (violation == null) {
            resume();
        }
    }

    /**
     * Attaches to a ring that {@link RingLayout#initialize} set up, perhaps after data moved
     * through it: writing resumes at the written count. A header or counts that break the rules
     * give a producer whose every operation is {@link DataPipeStatus#BAD_MESSAGE}.
     *
     * @param consumer how to wake the consumer when it waits for data
     */
    public static RingProducer attach(RingRegion region, int elementSize, int capacity, PeerSignal consumer) {
        return new RingProducer(region, elementSize, capacity, consumer);
    }

    private synchronized void resume() {
        long w = control.written();
        if (w < 0) {
            violation = RingViolation.NEGATIVE_COUNT;
        } else if (w % elementSize != 0) {
            violation = RingViolation.MISALIGNED_COUNT;
        } else {
            written = w;
            long r = control.read();
            lastRead = r < 0 ? 0 : Math.min(r, w);
            validatedRead();
        }
    }

    public int elementSize() {
        return elementSize;
    }

    public int capacity() {
        return capacity;
    }

    /** What the consumer did wrong, if it did; then nothing moves any more. */
    public synchronized Optional<RingViolation> violation() {
        return Optional.ofNullable(violation);
    }

    /** Bytes committed since the ring was created. */
    public synchronized long writtenCount() {
        return written;
    }

    /**
     * Writes {@code src.remaining()} bytes (a multiple of the element size) from {@code src},
     * advancing its position by what was written. Once the consumer has closed, every write fails
     * with {@link DataPipeStatus#FAILED_PRECONDITION}, even if there is space.
     */
    public synchronized DataPipeResult write(ByteBuffer src, TransferMode mode) {
        DataPipeStatus refused = refusal();
        if (refused != null) {
            return DataPipeResult.of(refused);
        }
        int offered = src.remaining();
        if (offered % elementSize != 0) {
            return DataPipeResult.of(DataPipeStatus.INVALID_ARGUMENT);
        }
        int free = freeSpace();
        if (free < 0) {
            return DataPipeResult.of(free == -1 ? DataPipeStatus.BAD_MESSAGE : DataPipeStatus.FAILED_PRECONDITION);
        }
        if (offered == 0) {
            return DataPipeResult.ok(0);
        }
        if (mode == TransferMode.ALL_OR_NONE && offered > free) {
            return DataPipeResult.of(DataPipeStatus.OUT_OF_RANGE);
        }
        if (free == 0) {
            return DataPipeResult.of(DataPipeStatus.SHOULD_WAIT);
        }
        int count = Math.min(offered, free);
        int offset = (int) (written % capacity);
        int first = Math.min(count, capacity - offset);
        int at = src.position();
        data.put(offset, src, at, first);
        if (first < count) {
            data.put(0, src, at + first, count - first);
        }
        src.position(at + count);
        commit(count);
        return DataPipeResult.ok(count);
    }

    /**
     * Starts a two-phase write: the free space from the write position up to the ring's end.
     * Nothing else may be written until {@link #endWrite}.
     */
    public synchronized TwoPhaseRegion beginWrite() {
        DataPipeStatus refused = refusal();
        if (refused != null) {
            return TwoPhaseRegion.refused(refused);
        }
        int free = freeSpace();
        if (free < 0) {
            return TwoPhaseRegion.refused(free == -1 ? DataPipeStatus.BAD_MESSAGE : DataPipeStatus.FAILED_PRECONDITION);
        }
        if (free == 0) {
            return TwoPhaseRegion.refused(DataPipeStatus.SHOULD_WAIT);
        }
        int offset = (int) (written % capacity);
        int contiguous = Math.min(free, capacity - offset);
        twoPhase = contiguous;
        return new TwoPhaseRegion(DataPipeStatus.OK, data.slice(offset, contiguous));
    }

    /**
     * Ends a two-phase write, committing the first {@code bytes} of its region (a multiple of the
     * element size, at most the region's size; otherwise {@link DataPipeStatus#INVALID_ARGUMENT}
     * and nothing is committed). The region must not be used afterwards.
     */
    public synchronized DataPipeStatus endWrite(int bytes) {
        if (closed) {
            throw new IllegalStateException("producer is closed");
        }
        int region = twoPhase;
        twoPhase = -1;
        if (violation != null) {
            return DataPipeStatus.BAD_MESSAGE;
        }
        if (region < 0 || bytes < 0 || bytes > region || bytes % elementSize != 0) {
            return DataPipeStatus.INVALID_ARGUMENT;
        }
        commit(bytes);
        return DataPipeStatus.OK;
    }

    /** Bytes that can be written now without waiting (0 once the consumer is gone or broke the rules). */
    public synchronized int writable() {
        if (closed || violation != null) {
            return 0;
        }
        return Math.max(0, freeSpace());
    }

    /**
     * Says, in shared memory, that this end is about to sleep until the consumer frees space, then
     * looks once more. Returns true if the caller should sleep now; false if there is something to
     * do at once (space, the consumer gone, a violation).
     */
    public synchronized boolean armWait() {
        if (violation != null || closed || consumerGone) {
            return false;
        }
        control.setProducerWaiting(true);
        if (freeSpace() != 0) {
            control.setProducerWaiting(false);
            return false;
        }
        return true;
    }

    /** The consumer's process or signal path is gone: writes fail from now on. */
    public void peerGone() {
        consumerGone = true;
    }

    /** Whether the consumer closed or went away. */
    public synchronized boolean isConsumerGone() {
        return closed || consumerGone || control.consumerClosed();
    }

    /**
     * Stops using the ring without closing it, as when this end moves to another process: the
     * other end sees nothing, and the next owner resumes from the counts in shared memory. Waits
     * for an operation in progress; every later call throws {@link IllegalStateException}, so the
     * memory may be unmapped afterwards. A two-phase operation in progress is dropped.
     */
    public synchronized void detach() {
        closed = true;
        twoPhase = -1;
    }

    /** {@return whether a two-phase operation is in progress} */
    public synchronized boolean inTwoPhase() {
        return twoPhase >= 0;
    }

    /**
     * Closes this end; what was committed stays readable, and the consumer sees the close after
     * reading it. A two-phase write in progress is dropped. A consumer waiting for data is woken.
     * Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        twoPhase = -1;
        control.setProducerClosed();
        if (control.takeConsumerWaiting()) {
            consumer.signal();
        }
    }

    private DataPipeStatus refusal() {
        if (closed) {
            throw new IllegalStateException("producer is closed");
        }
        if (violation != null) {
            return DataPipeStatus.BAD_MESSAGE;
        }
        if (twoPhase >= 0) {
            return DataPipeStatus.BUSY;
        }
        return null;
    }

    /** Free bytes now; -1 after a violation, -2 once the consumer is gone. */
    private int freeSpace() {
        if (consumerGone || control.consumerClosed()) {
            consumerGone = true;
            return -2;
        }
        long read = validatedRead();
        return read < 0 ? -1 : capacity - (int) (written - read);
    }

    /** The consumer's count after checking it, or -1 after recording a violation. */
    private long validatedRead() {
        if (violation != null) {
            return -1;
        }
        long read = control.read();
        RingViolation found = null;
        if (read < 0) {
            found = RingViolation.NEGATIVE_COUNT;
        } else if (read < lastRead) {
            found = RingViolation.COUNT_WENT_BACKWARDS;
        } else if (read > written) {
            found = RingViolation.READ_BEYOND_WRITTEN;
        } else if (written - read > capacity) {
            found = RingViolation.COUNT_BEYOND_CAPACITY;
        } else if ((written - read) % elementSize != 0) {
            found = RingViolation.MISALIGNED_COUNT;
        }
        if (found != null) {
            violation = found;
            return -1;
        }
        lastRead = read;
        return read;
    }

    private void commit(int count) {
        written += count;
        control.setWritten(written);
        if (control.takeConsumerWaiting()) {
            consumer.signal();
        }
    }
}
