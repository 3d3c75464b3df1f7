package dev.switchboard.ipc.ring;

import java.nio.ByteBuffer;

/** A ring in native memory with both ends attached, each waking the other through a doorbell. */
final class Rings {

    final ByteBuffer memory;
    final Doorbell producerBell = new Doorbell();
    final Doorbell consumerBell = new Doorbell();
    final RingProducer producer;
    final RingConsumer consumer;

    Rings(int elementSize, int capacity) {
        memory = ByteBuffer.allocateDirect(RingLayout.regionBytes(capacity));
        RingLayout.initialize(() -> memory, elementSize, capacity);
        producer = RingProducer.attach(() -> memory, elementSize, capacity, consumerBell);
        consumer = RingConsumer.attach(() -> memory, elementSize, capacity, producerBell);
    }

    /** A second consumer on the same memory, as when the consumer end moved to another process. */
    RingConsumer newConsumer() {
        return RingConsumer.attach(() -> memory, producer.elementSize(), producer.capacity(), producerBell);
    }

    static byte[] bytes(int from, int count) {
        byte[] b = new byte[count];
        for (int i = 0; i < count; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
    }
}
