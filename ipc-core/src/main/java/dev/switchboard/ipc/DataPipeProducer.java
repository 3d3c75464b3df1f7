package dev.switchboard.ipc;

import dev.switchboard.ipc.datapipe.DataPipeResult;
import dev.switchboard.ipc.datapipe.DataPipeStatus;
import dev.switchboard.ipc.datapipe.TransferMode;
import dev.switchboard.ipc.datapipe.TwoPhaseRegion;
import dev.switchboard.ipc.ring.RingProducer;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The writing end of a data pipe ({@link DataPipe}): bytes go into shared memory, and the
 * consumer is woken through the pipe's signal path only when it waits for data, so a stream that
 * keeps both ends busy costs almost no system calls.
 *
 * <p>Writes come in three kinds: non-blocking ({@link #write(ByteBuffer, TransferMode)}, two-phase
 * {@link #beginWrite()}/{@link #endWrite(int)}), blocking ({@link #writeFully}), and the adapters
 * {@link #asOutputStream()} and {@link #asChannel()}. Bytes are committed when a write returns:
 * the consumer reads them even if this process dies the next instant. Once the consumer has closed
 * or gone away, writes report {@link DataPipeStatus#FAILED_PRECONDITION}.
 *
 * <p>Thread-safe. The caller owns this end and closes it (the consumer then reads what is left
 * and sees the end of the stream), or moves it with {@link #transfer()}.
 */
public final class DataPipeProducer implements AutoCloseable {

    private final RingMemory memory;
    private final DataPipeSignals signals;
    private final RingProducer ring;
    private final Readiness readiness = new Readiness();
    private boolean released;

    DataPipeProducer(RingMemory memory, MessagePipe signalPipe, int elementSize, int capacity) {
        this.memory = memory;
        this.signals = new DataPipeSignals(signalPipe, this::onWake, this::onPeerGone);
        this.ring = RingProducer.attach(memory, elementSize, capacity, signals);
        signals.start();
    }

    /** {@return the element size: every transfer is a multiple of it} */
    public int elementSize() {
        return ring.elementSize();
    }

    /** {@return the ring's capacity in bytes} */
    public int capacity() {
        return ring.capacity();
    }

    /**
     * Writes {@code src.remaining()} bytes, a multiple of the element size, without waiting.
     *
     * @param src the bytes; its position advances by what was written
     * @param mode whether writing fewer bytes than offered will do
     * @return the status and how many bytes were written
     */
    public DataPipeResult write(ByteBuffer src, TransferMode mode) {
        DataPipeResult result = ring.write(src, mode);
        armIfWaiting(result.status());
        return result;
    }

    /**
     * Starts a two-phase write: the free space from the write position up to the ring's end, a
     * view of the shared memory to fill in place. No other write may start until {@link #endWrite}.
     *
     * @return the region, or why there is none
     */
    public TwoPhaseRegion beginWrite() {
        TwoPhaseRegion region = ring.beginWrite();
        armIfWaiting(region.status());
        return region;
    }

    /**
     * Ends a two-phase write, committing the first {@code bytes} of its region.
     *
     * @param bytes a multiple of the element size, at most the region's size
     * @return {@link DataPipeStatus#OK}, or {@link DataPipeStatus#INVALID_ARGUMENT} (nothing
     *     committed; the two-phase write ends anyway)
     */
    public DataPipeStatus endWrite(int bytes) {
        return ring.endWrite(bytes);
    }

    /** {@return bytes that can be written now without waiting} */
    public int writable() {
        return ring.writable();
    }

    /**
     * Writes all of {@code src} (a multiple of the element size), waiting for space as needed.
     *
     * @param src the bytes; its position advances to its limit
     * @throws DataPipeException when the consumer is gone (what was written before stays
     *     written) or broke the ring's rules
     * @throws InterruptedException when the thread is interrupted while it waits
     */
    public void writeFully(ByteBuffer src) throws DataPipeException, InterruptedException {
        while (src.hasRemaining()) {
            DataPipeResult result = ring.write(src, TransferMode.PARTIAL);
            switch (result.status()) {
                case OK:
                    break;
                case SHOULD_WAIT:
                    if (ring.armWait()) {
                        signals.doorbell().await(Long.MAX_VALUE, TimeUnit.NANOSECONDS);
                    }
                    break;
                default:
                    throw new DataPipeException(result.status(), "writing to a data pipe");
            }
        }
    }

    /**
     * Waits until there is space, or the consumer is gone, or the timeout passes.
     *
     * @param timeout how long to wait at most
     * @return false if the timeout passed first
     * @throws InterruptedException when the thread is interrupted while it waits
     */
    public boolean awaitWritable(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (ring.writable() == 0 && !ring.isConsumerGone() && ring.violation().isEmpty()) {
            if (ring.armWait()) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !signals.doorbell().await(left, TimeUnit.NANOSECONDS)) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Calls {@code listener} on {@code executor} when this end may have become writable: space
     * was freed, or the consumer went away. Edge-triggered, as
     * {@link DataPipeConsumer#setReadinessListener}. Set once.
     *
     * @param executor runs the listener; never the thread that delivers signals
     * @param listener what to call
     * @throws IllegalStateException when a listener is already set
     */
    public void setReadinessListener(Executor executor, Runnable listener) {
        readiness.set(executor, listener);
        armIfWaiting(DataPipeStatus.SHOULD_WAIT);
    }

    /**
     * An output stream over this end; closing it closes the end. Needs an element size of 1.
     *
     * @return the stream
     * @throws IllegalStateException when the element size is not 1
     */
    public OutputStream asOutputStream() {
        requireBytes();
        return new DataPipeOutputStream(this);
    }

    /**
     * A blocking channel over this end; closing it closes the end. Needs an element size of 1.
     *
     * @return the channel
     * @throws IllegalStateException when the element size is not 1
     */
    public WritableByteChannel asChannel() {
        requireBytes();
        return new DataPipeWritableChannel(this);
    }

    /**
     * Moves this end out of this process: unmaps the ring and returns its handles, the shared
     * memory first and the signal pipe second, for one message to carry; the receiver rebuilds
     * the end with {@link DataPipe#producerFrom}. Writing resumes there after the last byte
     * committed here. This object is unusable afterwards.
     *
     * @return the handles, owned by the caller
     * @throws IllegalStateException when this end was closed or moved, or a two-phase write is on
     */
    public synchronized List<Handle> transfer() {
        if (released) {
            throw new IllegalStateException("this data-pipe end was closed or moved");
        }
        if (ring.inTwoPhase()) {
            throw new IllegalStateException("a two-phase write is in progress");
        }
        released = true;
        ring.detach();
        signals.doorbell().signal();
        return List.of(memory.detach(), signals.pipe());
    }

    /**
     * Closes this end. Everything committed stays readable; the consumer sees the end of the
     * stream after it. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (released) {
            return;
        }
        released = true;
        ring.close();
        signals.doorbell().signal();
        signals.close();
        memory.close();
    }

    boolean isOpen() {
        synchronized (this) {
            return !released;
        }
    }

    private void requireBytes() {
        if (elementSize() != 1) {
            throw new IllegalStateException("streams and channels need an element size of 1, not " + elementSize());
        }
    }

    private void armIfWaiting(DataPipeStatus status) {
        if (readiness.isSet() && (status == DataPipeStatus.SHOULD_WAIT || status == DataPipeStatus.OUT_OF_RANGE)
                && !ring.armWait()) {
            readiness.fire();
        }
    }

    private void onWake() {
        readiness.fire();
    }

    private void onPeerGone() {
        ring.peerGone();
    }
}
