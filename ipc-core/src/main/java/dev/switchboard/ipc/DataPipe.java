package dev.switchboard.ipc;

import dev.switchboard.ipc.datapipe.DataPipeStatus;
import dev.switchboard.ipc.ring.RingLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A one-way stream of bytes through shared memory: a ring in a {@link SharedBuffer} that a
 * {@link DataPipeProducer} writes and a {@link DataPipeConsumer} reads, plus a {@link MessagePipe}
 * that carries wake-ups, and only when the other end said it waits (docs/shared-memory.md, "Data
 * pipes").
 *
 * <p>Either end can move to another process at any time, even after data was written: its
 * {@code transfer()} gives the two handles (shared memory, then signal pipe) to put into one
 * message, and the receiver rebuilds the end with {@link #consumerFrom} or {@link #producerFrom}.
 *
 * <pre>{@code
 * DataPipe dp = DataPipe.create(1, 64 << 10);
 * pipe.write(Message.of(request, dp.consumer().transfer()));
 * try (OutputStream out = dp.producer().asOutputStream()) {
 *     Files.copy(bigFile, out);
 * }
 * }</pre>
 */
public final class DataPipe {

    private final DataPipeProducer producer;
    private final DataPipeConsumer consumer;

    private DataPipe(DataPipeProducer producer, DataPipeConsumer consumer) {
        this.producer = producer;
        this.consumer = consumer;
    }

    /**
     * Creates a data pipe with both ends in this process.
     *
     * @param elementSize bytes per element, 1 to {@value RingLayout#MAX_ELEMENT_SIZE}; every read
     *     and write is a multiple of it
     * @param capacityBytes the ring's size: a positive multiple of {@code elementSize}, at most
     *     {@value RingLayout#MAX_CAPACITY}
     * @return the pipe; the caller owns both ends
     * @throws IllegalArgumentException when the geometry is not one of the above
     * @throws SharedMemoryLimitException when the shared memory would pass this process's limits
     */
    public static DataPipe create(int elementSize, int capacityBytes) {
        RingLayout.checkGeometry(elementSize, capacityBytes);
        SharedBuffer producerMemory = SharedBuffer.create(RingLayout.regionBytes(capacityBytes));
        SharedRingMemory producerRing = null;
        SharedRingMemory consumerRing = null;
        MessagePipe.Pair signals = null;
        try {
            SharedBuffer consumerMemory = producerMemory.duplicate();
            producerRing = new SharedRingMemory(producerMemory);
            consumerRing = new SharedRingMemory(consumerMemory);
            RingLayout.initialize(producerRing, elementSize, capacityBytes);
            signals = MessagePipe.create();
            return new DataPipe(new DataPipeProducer(producerRing, signals.end0(), elementSize, capacityBytes),
                    new DataPipeConsumer(consumerRing, signals.end1(), elementSize, capacityBytes));
        } catch (RuntimeException e) {
            if (producerRing != null) {
                producerRing.close();
            } else {
                producerMemory.close();
            }
            if (consumerRing != null) {
                consumerRing.close();
            }
            if (signals != null) {
                signals.end0().close();
                signals.end1().close();
            }
            throw e;
        }
    }

    /**
     * Creates a data pipe of bytes (element size 1) with the default capacity of 64 KiB.
     *
     * @return the pipe; the caller owns both ends
     */
    public static DataPipe create() {
        return create(1, RingLayout.DEFAULT_CAPACITY);
    }

    /** {@return the writing end, owned by the caller} */
    public DataPipeProducer producer() {
        return producer;
    }

    /** {@return the reading end, owned by the caller} */
    public DataPipeConsumer consumer() {
        return consumer;
    }

    /**
     * Rebuilds a consumer that another process moved here with {@link DataPipeConsumer#transfer()}.
     * The ring's header must be intact and its geometry fit the buffer; reading resumes where the
     * previous owner stopped.
     *
     * @param memory the first handle of the transfer; moved into the result
     * @param signals the second handle; moved into the result
     * @return the end, owned by the caller
     * @throws DataPipeException with {@link DataPipeStatus#BAD_MESSAGE} when the buffer does not
     *     hold a data pipe (both handles are closed)
     */
    public static DataPipeConsumer consumerFrom(SharedBuffer memory, MessagePipe signals) throws DataPipeException {
        int[] geometry = geometry(memory, signals);
        return new DataPipeConsumer(new SharedRingMemory(memory), signals, geometry[0], geometry[1]);
    }

    /**
     * Rebuilds a producer that another process moved here with {@link DataPipeProducer#transfer()}.
     * Writing resumes after the last byte the previous owner committed.
     *
     * @param memory the first handle of the transfer; moved into the result
     * @param signals the second handle; moved into the result
     * @return the end, owned by the caller
     * @throws DataPipeException with {@link DataPipeStatus#BAD_MESSAGE} when the buffer does not
     *     hold a data pipe (both handles are closed)
     */
    public static DataPipeProducer producerFrom(SharedBuffer memory, MessagePipe signals) throws DataPipeException {
        int[] geometry = geometry(memory, signals);
        return new DataPipeProducer(new SharedRingMemory(memory), signals, geometry[0], geometry[1]);
    }

    /**
     * The element size and capacity the header declares, once checked against the buffer: each end
     * keeps these and never reads them from shared memory again.
     */
    private static int[] geometry(SharedBuffer memory, MessagePipe signals) throws DataPipeException {
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(signals, "signals");
        String problem = null;
        int elementSize = 0;
        int capacity = 0;
        if (memory.isReadOnly()) {
            problem = "the ring's memory is read-only";
        } else if (memory.size() < RingLayout.HEADER_BYTES) {
            problem = "the ring's memory (" + memory.size() + " bytes) is smaller than its control block";
        } else {
            try (SharedMapping header = memory.map(0, RingLayout.HEADER_BYTES)) {
                ByteBuffer b = header.buffer().order(ByteOrder.LITTLE_ENDIAN);
                elementSize = b.getInt(RingLayout.ELEMENT_SIZE_AT);
                capacity = b.getInt(RingLayout.CAPACITY_AT);
            }
            if (!RingLayout.isValidGeometry(elementSize, capacity)) {
                problem = "the ring declares element size " + elementSize + " and capacity " + capacity;
            } else if (memory.size() < RingLayout.regionBytes(capacity)) {
                problem = "the ring's memory (" + memory.size() + " bytes) cannot hold its capacity " + capacity;
            }
        }
        if (problem != null) {
            memory.close();
            signals.close();
            throw new DataPipeException(DataPipeStatus.BAD_MESSAGE, "receiving a data-pipe end: " + problem);
        }
        return new int[] {elementSize, capacity};
    }
}
