package dev.switchboard.ipc;

import dev.switchboard.ipc.datapipe.DataPipeResult;
import dev.switchboard.ipc.datapipe.DataPipeStatus;
import dev.switchboard.ipc.datapipe.TransferMode;
import dev.switchboard.ipc.datapipe.TwoPhaseRegion;
import dev.switchboard.ipc.ring.RingConsumer;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The reading end of a data pipe ({@link DataPipe}): bytes arrive through shared memory, and the
 * producer is woken through the pipe's signal path only when it waits for space.
 *
 * <p>Reads come in three kinds: non-blocking ({@link #read(ByteBuffer, TransferMode)}, two-phase
 * {@link #beginRead()}/{@link #endRead(int)}), blocking ({@link #read(ByteBuffer, Duration)}), and
 * the adapters {@link #asInputStream()} and {@link #asChannel()}. Once the producer has closed (or
 * its process is gone) and every byte it committed was read, reads report
 * {@link DataPipeStatus#FAILED_PRECONDITION} (the streams: end of stream).
 *
 * <p>Every count the producer writes into shared memory is checked; a producer that breaks the
 * rules makes every operation report {@link DataPipeStatus#BAD_MESSAGE}, and nothing outside the
 * ring is ever read. Thread-safe. The caller owns this end and closes it, or moves it with
 * {@link #transfer()}.
 */
public final class DataPipeConsumer implements AutoCloseable {

    private final RingMemory memory;
    private final DataPipeSignals signals;
    private final RingConsumer ring;
    private final Readiness readiness = new Readiness();
    private boolean released;

    DataPipeConsumer(RingMemory memory, MessagePipe signalPipe, int elementSize, int capacity) {
        this.memory = memory;
        this.signals = new DataPipeSignals(signalPipe, this::onWake, this::onPeerGone);
        this.ring = RingConsumer.attach(memory, elementSize, capacity, signals);
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
     * Reads {@code dst.remaining()} bytes, a multiple of the element size, without waiting.
     *
     * @param dst where the bytes go; its position advances by what was read
     * @param mode whether fewer bytes than asked for will do
     * @return the status and how many bytes were read
     */
    public DataPipeResult read(ByteBuffer dst, TransferMode mode) {
        DataPipeResult result = ring.read(dst, mode);
        armIfWaiting(result.status());
        return result;
    }

    /**
     * Starts a two-phase read: the readable bytes from the read position up to the ring's end, as
     * a read-only view of the shared memory. No other read may start until {@link #endRead}.
     *
     * @return the region, or why there is none
     */
    public TwoPhaseRegion beginRead() {
        TwoPhaseRegion region = ring.beginRead();
        armIfWaiting(region.status());
        return region;
    }

    /**
     * Ends a two-phase read, consuming the first {@code bytes} of its region.
     *
     * @param bytes a multiple of the element size, at most the region's size
     * @return {@link DataPipeStatus#OK}, or {@link DataPipeStatus#INVALID_ARGUMENT} (nothing
     *     consumed; the two-phase read ends anyway)
     */
    public DataPipeStatus endRead(int bytes) {
        return ring.endRead(bytes);
    }

    /** {@return bytes that can be read now without waiting} */
    public int available() {
        return ring.available();
    }

    /**
     * Reads at least one element, waiting up to {@code timeout} for data.
     *
     * @param dst where the bytes go (room for at least one element)
     * @param timeout how long to wait at most
     * @return bytes read; 0 if the timeout passed first; -1 at the end of the stream (the producer
     *     closed or went away, and everything it wrote was read)
     * @throws DataPipeException when the producer broke the ring's rules
     * @throws InterruptedException when the thread is interrupted while it waits
     */
    public int read(ByteBuffer dst, Duration timeout) throws DataPipeException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            DataPipeResult result = ring.read(dst, TransferMode.PARTIAL);
            switch (result.status()) {
                case OK:
                    return result.bytes();
                case FAILED_PRECONDITION:
                    return -1;
                case SHOULD_WAIT:
                    if (ring.armWait()) {
                        long left = deadline - System.nanoTime();
                        if (left <= 0 || !signals.doorbell().await(left, TimeUnit.NANOSECONDS)) {
                            return 0;
                        }
                    }
                    break;
                default:
                    throw new DataPipeException(result.status(), "reading from a data pipe");
            }
        }
    }

    /**
     * Waits until there is something to read, or the producer is gone, or the timeout passes.
     *
     * @param timeout how long to wait at most
     * @return false if the timeout passed first
     * @throws InterruptedException when the thread is interrupted while it waits
     */
    public boolean awaitReadable(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (ring.available() == 0 && !ring.isProducerGone() && ring.violation().isEmpty()) {
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
     * Calls {@code listener} on {@code executor} when this end may have become readable: data
     * arrived, or the producer went away. Edge-triggered: called once now if the end is readable,
     * then after each operation that said {@link DataPipeStatus#SHOULD_WAIT}, once something
     * changes. Set once.
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
     * An input stream over this end; closing it closes the end. Needs an element size of 1.
     *
     * @return the stream
     * @throws IllegalStateException when the element size is not 1
     */
    public InputStream asInputStream() {
        requireBytes();
        return new DataPipeInputStream(this);
    }

    /**
     * A blocking channel over this end; closing it closes the end. Needs an element size of 1.
     *
     * @return the channel
     * @throws IllegalStateException when the element size is not 1
     */
    public ReadableByteChannel asChannel() {
        requireBytes();
        return new DataPipeReadableChannel(this);
    }

    /**
     * Moves this end out of this process: unmaps the ring and returns its handles, the shared
     * memory first and the signal pipe second, for one message to carry; the receiver rebuilds
     * the end with {@link DataPipe#consumerFrom}. Reading resumes there exactly where it stopped
     * here. This object is unusable afterwards.
     *
     * @return the handles, owned by the caller
     * @throws IllegalStateException when this end was closed or moved, or a two-phase read is on
     */
    public synchronized List<Handle> transfer() {
        if (released) {
            throw new IllegalStateException("this data-pipe end was closed or moved");
        }
        if (ring.inTwoPhase()) {
            throw new IllegalStateException("a two-phase read is in progress");
        }
        released = true;
        ring.detach();
        signals.doorbell().signal();
        return List.of(memory.detach(), signals.pipe());
    }

    /** Closes this end; the producer's writes fail from now on. Idempotent. */
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
