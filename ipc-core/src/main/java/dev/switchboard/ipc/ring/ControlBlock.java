package dev.switchboard.ipc.ring;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Atomic access to the words of a ring's control block ({@link RingLayout}). Volatile reads and
 * writes through byte-buffer view handles compile to ordinary loads and stores with the fences the
 * Java memory model needs, on the memory itself, so they order accesses between processes that
 * map the same pages as they do between threads.
 */
final class ControlBlock {

    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INTS = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private final ByteBuffer region;

    ControlBlock(ByteBuffer region) {
        if (!region.isDirect()) {
            throw new IllegalArgumentException("a ring needs a direct buffer (shared or native memory)");
        }
        if (region.isReadOnly()) {
            throw new IllegalArgumentException("a ring needs a writable buffer");
        }
        if (region.capacity() < RingLayout.HEADER_BYTES) {
            throw new IllegalArgumentException("region of " + region.capacity() + " bytes is smaller than the control block");
        }
        if (region.alignmentOffset(0, 8) != 0) {
            throw new IllegalArgumentException("region must start 8-byte aligned");
        }
        this.region = region;
    }

    /** Writes a fresh header: geometry set, counts zero, nobody closed or waiting. */
    void initialize(int elementSize, int capacity) {
        for (int i = 0; i < RingLayout.HEADER_BYTES; i += 8) {
            LONGS.setVolatile(region, i, 0L);
        }
        INTS.setVolatile(region, RingLayout.VERSION_AT, RingLayout.VERSION);
        INTS.setVolatile(region, RingLayout.ELEMENT_SIZE_AT, elementSize);
        INTS.setVolatile(region, RingLayout.CAPACITY_AT, capacity);
        INTS.setVolatile(region, RingLayout.MAGIC_AT, RingLayout.MAGIC);
    }

    int magic() {
        return (int) INTS.getVolatile(region, RingLayout.MAGIC_AT);
    }

    int version() {
        return (int) INTS.getVolatile(region, RingLayout.VERSION_AT);
    }

    int elementSize() {
        return (int) INTS.getVolatile(region, RingLayout.ELEMENT_SIZE_AT);
    }

    int capacity() {
        return (int) INTS.getVolatile(region, RingLayout.CAPACITY_AT);
    }

    long written() {
        return (long) LONGS.getVolatile(region, RingLayout.WRITTEN_AT);
    }

    void setWritten(long value) {
        LONGS.setVolatile(region, RingLayout.WRITTEN_AT, value);
    }

    long read() {
        return (long) LONGS.getVolatile(region, RingLayout.READ_AT);
    }

    void setRead(long value) {
        LONGS.setVolatile(region, RingLayout.READ_AT, value);
    }

    boolean producerClosed() {
        return (int) INTS.getVolatile(region, RingLayout.PRODUCER_CLOSED_AT) != 0;
    }

    void setProducerClosed() {
        INTS.setVolatile(region, RingLayout.PRODUCER_CLOSED_AT, 1);
    }

    boolean consumerClosed() {
        return (int) INTS.getVolatile(region, RingLayout.CONSUMER_CLOSED_AT) != 0;
    }

    void setConsumerClosed() {
        INTS.setVolatile(region, RingLayout.CONSUMER_CLOSED_AT, 1);
    }

    void setProducerWaiting(boolean waiting) {
        INTS.setVolatile(region, RingLayout.PRODUCER_WAITING_AT, waiting ? 1 : 0);
    }

    void setConsumerWaiting(boolean waiting) {
        INTS.setVolatile(region, RingLayout.CONSUMER_WAITING_AT, waiting ? 1 : 0);
    }

    /**
     * Clears the producer's waiting flag and says whether it was set: only the caller that clears
     * it signals, so one wait costs at most one signal.
     */
    boolean takeProducerWaiting() {
        return (int) INTS.getVolatile(region, RingLayout.PRODUCER_WAITING_AT) != 0
                && (int) INTS.getAndSet(region, RingLayout.PRODUCER_WAITING_AT, 0) != 0;
    }

    /** As {@link #takeProducerWaiting}, for the consumer's flag. */
    boolean takeConsumerWaiting() {
        return (int) INTS.getVolatile(region, RingLayout.CONSUMER_WAITING_AT) != 0
                && (int) INTS.getAndSet(region, RingLayout.CONSUMER_WAITING_AT, 0) != 0;
    }
}
