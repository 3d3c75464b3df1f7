package dev.switchboard.ipc.ring;

import dev.switchboard.ipc.datapipe.DataPipeResult;
import dev.switchboard.ipc.datapipe.DataPipeStatus;
import dev.switchboard.ipc.datapipe.TransferMode;
import dev.switchboard.ipc.datapipe.TwoPhaseRegion;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;

/**
 * The reading end of a ring. It trusts nothing in shared memory: the producer's count is checked
 * on every read (it only grows, never claims more than the capacity, stays a multiple of the
 * element size), and the first violation poisons this end for good ({@link #violation()}); the
 * data area is indexed only by this end's own read count, so no value the producer writes can
 * make it read outside the ring. The geometry is the one the creator declared, never re-read.
 *
 * <p>Methods are thread-safe; a two-phase read belongs to the end, not to a thread.
 */
public final class RingConsumer implements AutoCloseable {

    private final ControlBlock control;
    private final ByteBuffer data;
    private final int elementSize;
    private final int capacity;
    private final PeerSignal producer;

    private long read;
    private long lastWritten;
    /**
     * Set without the lock: the thread that delivers the signal pipe's peer-closed must never wait
     * for a reader that is itself waiting to send a signal.
     */
    private volatile boolean producerGone;
    private boolean closed;
    private RingViolation violation;
    /** Size of the region handed out by {@link #beginRead}, or -1 when no two-phase read is on. */
    private int twoPhase = -1;

    private RingConsumer(RingRegion region, int elementSize, int capacity, PeerSignal producer) {
        RingLayout.checkGeometry(elementSize, capacity);
        ByteBuffer buffer = region.buffer();
        this.control = new ControlBlock(buffer);
        this.elementSize = elementSize;
        this.capacity = capacity;
        this.producer = Objects.requireNonNull(producer, "producer");
        this.violation = RingHeader.check(control, buffer.capacity(), elementSize, capacity);
        this.data = violation == null ? buffer.slice(RingLayout.HEADER_BYTES, capacity) : ByteBuffer.allocate(0);
        if (violation == null) {
            resume();
        }
    }

    /**
     * Attaches to a ring that {@link RingLayout#initialize} set up, perhaps in another process,
     * perhaps after data moved through it: reading resumes where the previous consumer stopped.
     * A header or counts that break the rules give a consumer whose every operation is
     * {@link DataPipeStatus#BAD_MESSAGE}.
     *
     * @param elementSize the element size the handle declared, not the one in shared memory
     * @param capacity the capacity the handle declared
     * @param producer how to wake the producer when it waits for space
     */
    public static RingConsumer attach(RingRegion region, int elementSize, int capacity, PeerSignal producer) {
        return new RingConsumer(region, elementSize, capacity, producer);
    }

    private synchronized void resume() {
        long r = control.read();
        if (r < 0) {
            violation = RingViolation.NEGATIVE_COUNT;
        } else if (r % elementSize != 0) {
            violation = RingViolation.MISALIGNED_COUNT;
        } else {
            read = r;
            lastWritten = r;
            validatedWritten();
        }
    }

    public int elementSize() {
        return elementSize;
    }

    public int capacity() {
        return capacity;
    }

    /** What the producer did wrong, if it did; then nothing moves any more. */
    public synchronized Optional<RingViolation> violation() {
        return Optional.ofNullable(violation);
    }

    /** Bytes consumed since the ring was created: where the next read starts in the stream. */
    public synchronized long readCount() {
        return read;
    }

    /**
     * Reads {@code dst.remaining()} bytes (a multiple of the element size) into {@code dst},
     * advancing its position by what was read.
     */
    public synchronized DataPipeResult read(ByteBuffer dst, TransferMode mode) {
        DataPipeStatus refused = refusal();
        if (refused != null) {
            return DataPipeResult.of(refused);
        }
        int wanted = dst.remaining();
        if (wanted % elementSize != 0) {
            return DataPipeResult.of(DataPipeStatus.INVALID_ARGUMENT);
        }
        boolean gone = producerGone();
        long written = validatedWritten();
        if (written < 0) {
            return DataPipeResult.of(DataPipeStatus.BAD_MESSAGE);
        }
        int available = (int) (written - read);
        if (available == 0 && gone) {
            return DataPipeResult.of(DataPipeStatus.FAILED_PRECONDITION);
        }
        if (wanted == 0) {
            return DataPipeResult.ok(0);
        }
        if (mode == TransferMode.ALL_OR_NONE && wanted > available) {
            return DataPipeResult.of(gone ? DataPipeStatus.FAILED_PRECONDITION : DataPipeStatus.OUT_OF_RANGE);
        }
        if (available == 0) {
            return DataPipeResult.of(DataPipeStatus.SHOULD_WAIT);
        }
        int count = Math.min(wanted, available);
        int offset = (int) (read % capacity);
        int first = Math.min(count, capacity - offset);
        int at = dst.position();
        dst.put(at, data, offset, first);
        if (first < count) {
            dst.put(at + first, data, 0, count - first);
        }
        dst.position(at + count);
        advance(count);
        return DataPipeResult.ok(count);
    }

    /**
     * Starts a two-phase read: the readable bytes from the read position up to the ring's end,
     * as a read-only view. Nothing else may be read until {@link #endRead}.
     */
    public synchronized TwoPhaseRegion beginRead() {
        DataPipeStatus refused = refusal();
        if (refused != null) {
            return TwoPhaseRegion.refused(refused);
        }
        boolean gone = producerGone();
        long written = validatedWritten();
        if (written < 0) {
            return TwoPhaseRegion.refused(DataPipeStatus.BAD_MESSAGE);
        }
        int available = (int) (written - read);
        if (available == 0) {
            return TwoPhaseRegion.refused(gone ? DataPipeStatus.FAILED_PRECONDITION : DataPipeStatus.SHOULD_WAIT);
        }
        int offset = (int) (read % capacity);
        int contiguous = Math.min(available, capacity - offset);
        twoPhase = contiguous;
        return new TwoPhaseRegion(DataPipeStatus.OK, data.slice(offset, contiguous).asReadOnlyBuffer());
    }

    /**
     * Ends a two-phase read, consuming the first {@code bytes} of its region (a multiple of the
     * element size, at most the region's size; otherwise {@link DataPipeStatus#INVALID_ARGUMENT}
     * and nothing is consumed). The region must not be used afterwards.
     */
    public synchronized DataPipeStatus endRead(int bytes) {
        if (closed) {
            throw new IllegalStateException("consumer is closed");
        }
        int region = twoPhase;
        twoPhase = -1;
        if (violation != null) {
            return DataPipeStatus.BAD_MESSAGE;
        }
        if (region < 0 || bytes < 0 || bytes > region || bytes % elementSize != 0) {
            return DataPipeStatus.INVALID_ARGUMENT;
        }
        advance(bytes);
        return DataPipeStatus.OK;
    }

    /**
     * Bytes that can be read now without waiting (0 after a violation). Does not count data the
     * producer may still commit.
     */
    public synchronized int available() {
        if (violation != null || closed) {
            return 0;
        }
        long written = validatedWritten();
        return written < 0 ? 0 : (int) (written - read);
    }

    /**
     * Says, in shared memory, that this end is about to sleep until the producer signals, then
     * looks once more. Returns true if the caller should sleep now: the ring was still empty
     * after the flag was set, so any later commit or close by the producer will signal. Returns
     * false if there is something to do at once (data, the producer gone, a violation).
     */
    public synchronized boolean armWait() {
        if (violation != null || closed || producerGone) {
            return false;
        }
        control.setConsumerWaiting(true);
        boolean gone = control.producerClosed();
        long written = validatedWritten();
        if (gone || written != read) {
            control.setConsumerWaiting(false);
            return false;
        }
        return true;
    }

    /**
     * The producer's process or its signal path is gone (the pipe that carries its signals
     * closed): it will never write again. What it committed can still be read; then reads fail
     * with {@link DataPipeStatus#FAILED_PRECONDITION}.
     */
    public void peerGone() {
        producerGone = true;
    }

    /** Whether the producer closed or went away; reads fail once the remaining data is read. */
    public synchronized boolean isProducerGone() {
        return closed || producerGone();
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
     * Closes this end: the producer's writes fail from now on. A producer waiting for space is
     * woken. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        twoPhase = -1;
        control.setConsumerClosed();
        if (control.takeProducerWaiting()) {
            producer.signal();
        }
    }

    private DataPipeStatus refusal() {
        if (closed) {
            throw new IllegalStateException("consumer is closed");
        }
        if (violation != null) {
            return DataPipeStatus.BAD_MESSAGE;
        }
        if (twoPhase >= 0) {
            return DataPipeStatus.BUSY;
        }
        return null;
    }

    /** Reads the closed flag before the count, so a close seen here means the count read next is final. */
    private boolean producerGone() {
        if (!producerGone && control.producerClosed()) {
            producerGone = true;
        }
        return producerGone;
    }

    /** The producer's count after checking it, or -1 after recording a violation. */
    private long validatedWritten() {
        if (violation != null) {
            return -1;
        }
        long written = control.written();
        RingViolation found = null;
        if (written < 0) {
            found = RingViolation.NEGATIVE_COUNT;
        } else if (written < lastWritten) {
            found = RingViolation.COUNT_WENT_BACKWARDS;
        } else if (written - read > capacity) {
            found = RingViolation.COUNT_BEYOND_CAPACITY;
        } else if ((written - read) % elementSize != 0) {
            found = RingViolation.MISALIGNED_COUNT;
        }
        if (found != null) {
            violation = found;
            return -1;
        }
        lastWritten = written;
        return written;
    }

    private void advance(int count) {
        read += count;
        control.setRead(read);
        if (control.takeProducerWaiting()) {
            producer.signal();
        }
    }
}
