package dev.switchboard.ipc.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.datapipe.DataPipeResult;
import dev.switchboard.ipc.datapipe.DataPipeStatus;
import dev.switchboard.ipc.datapipe.TransferMode;
import dev.switchboard.ipc.datapipe.TwoPhaseRegion;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A producer (or consumer) that writes what it likes into the shared control block. The other end
 * must name the violation, refuse to move data from then on, and never touch memory outside the
 * ring: the region buffer is exactly the ring's size, so any stray index throws and fails the test.
 */
class RingHostileProducerTest {

    private static void putLong(Rings r, int at, long value) {
        r.memory.order(ByteOrder.LITTLE_ENDIAN).putLong(at, value);
    }

    private static void putInt(Rings r, int at, int value) {
        r.memory.order(ByteOrder.LITTLE_ENDIAN).putInt(at, value);
    }

    private static void assertPoisoned(RingConsumer consumer, RingViolation expected) {
        assertEquals(DataPipeStatus.BAD_MESSAGE, consumer.read(ByteBuffer.allocate(4), TransferMode.PARTIAL).status());
        assertEquals(Optional.of(expected), consumer.violation());
        assertEquals(DataPipeStatus.BAD_MESSAGE, consumer.beginRead().status());
        assertEquals(DataPipeStatus.BAD_MESSAGE, consumer.read(ByteBuffer.allocate(0), TransferMode.ALL_OR_NONE).status());
        assertEquals(0, consumer.available());
        assertFalse(consumer.armWait(), "a poisoned end has no reason to sleep");
    }

    @Test
    void aWrittenCountBeyondTheCapacity() {
        Rings r = new Rings(1, 16);
        putLong(r, RingLayout.WRITTEN_AT, 17);
        assertPoisoned(r.consumer, RingViolation.COUNT_BEYOND_CAPACITY);
    }

    @Test
    void aWrittenCountFarBeyondTheCapacityAfterTheStreamWrapped() {
        Rings r = new Rings(1, 16);
        for (int i = 0; i < 5; i++) {
            r.producer.write(ByteBuffer.allocate(16), TransferMode.ALL_OR_NONE);
            r.consumer.read(ByteBuffer.allocate(16), TransferMode.ALL_OR_NONE);
        }
        putLong(r, RingLayout.WRITTEN_AT, Long.MAX_VALUE);
        assertPoisoned(r.consumer, RingViolation.COUNT_BEYOND_CAPACITY);
    }

    @Test
    void aNegativeWrittenCount() {
        Rings r = new Rings(1, 16);
        putLong(r, RingLayout.WRITTEN_AT, -8);
        assertPoisoned(r.consumer, RingViolation.NEGATIVE_COUNT);
    }

    @Test
    void aWrittenCountThatSplitsAnElement() {
        Rings r = new Rings(4, 16);
        putLong(r, RingLayout.WRITTEN_AT, 6);
        assertPoisoned(r.consumer, RingViolation.MISALIGNED_COUNT);
    }

    @Test
    void aWrittenCountThatGoesBackwards() {
        Rings r = new Rings(1, 16);
        r.producer.write(ByteBuffer.allocate(10), TransferMode.ALL_OR_NONE);
        assertEquals(10, r.consumer.available());
        putLong(r, RingLayout.WRITTEN_AT, 4);
        assertPoisoned(r.consumer, RingViolation.COUNT_WENT_BACKWARDS);
    }

    @Test
    void aCountBrokenDuringATwoPhaseReadFailsItsEnd() {
        Rings r = new Rings(1, 16);
        r.producer.write(ByteBuffer.allocate(10), TransferMode.ALL_OR_NONE);
        TwoPhaseRegion region = r.consumer.beginRead();
        assertTrue(region.isOk());
        putLong(r, RingLayout.WRITTEN_AT, 99);
        assertEquals(0, r.consumer.available());
        assertEquals(DataPipeStatus.BAD_MESSAGE, r.consumer.endRead(10));
        assertEquals(Optional.of(RingViolation.COUNT_BEYOND_CAPACITY), r.consumer.violation());
        assertEquals(0, r.consumer.readCount(), "nothing consumed after the violation");
    }

    @Test
    void aHeaderThatIsNotOurs() {
        Rings magic = new Rings(1, 16);
        putInt(magic, RingLayout.MAGIC_AT, 0x12345678);
        assertPoisoned(magic.newConsumer(), RingViolation.BAD_MAGIC);

        Rings version = new Rings(1, 16);
        putInt(version, RingLayout.VERSION_AT, 2);
        assertPoisoned(version.newConsumer(), RingViolation.BAD_VERSION);

        Rings capacity = new Rings(1, 16);
        putInt(capacity, RingLayout.CAPACITY_AT, 1 << 20);
        assertPoisoned(capacity.newConsumer(), RingViolation.GEOMETRY_MISMATCH);

        Rings element = new Rings(4, 16);
        putInt(element, RingLayout.ELEMENT_SIZE_AT, 8);
        assertPoisoned(element.newConsumer(), RingViolation.GEOMETRY_MISMATCH);
    }

    @Test
    void aRegionSmallerThanTheHandleClaims() {
        ByteBuffer memory = ByteBuffer.allocateDirect(RingLayout.regionBytes(64));
        RingLayout.initialize(() -> memory, 1, 64);
        ByteBuffer shorter = memory.slice(0, RingLayout.regionBytes(32)); // the header claims 64, the region holds 32
        RingConsumer consumer = RingConsumer.attach(() -> shorter, 1, 64, () -> {});
        assertPoisoned(consumer, RingViolation.GEOMETRY_MISMATCH);
    }

    @Test
    void aReadCountLeftBrokenForTheNextConsumer() {
        Rings r = new Rings(2, 16);
        r.producer.write(ByteBuffer.allocate(8), TransferMode.ALL_OR_NONE);
        putLong(r, RingLayout.READ_AT, 3);
        assertPoisoned(r.newConsumer(), RingViolation.MISALIGNED_COUNT);
        putLong(r, RingLayout.READ_AT, -2);
        assertPoisoned(r.newConsumer(), RingViolation.NEGATIVE_COUNT);
        putLong(r, RingLayout.READ_AT, 10);
        assertPoisoned(r.newConsumer(), RingViolation.COUNT_WENT_BACKWARDS);
    }

    @Test
    void aHostileConsumerIsCaughtByTheProducer() {
        Rings r = new Rings(1, 16);
        r.producer.write(ByteBuffer.allocate(8), TransferMode.ALL_OR_NONE);
        putLong(r, RingLayout.READ_AT, 12);
        assertEquals(DataPipeStatus.BAD_MESSAGE, r.producer.write(ByteBuffer.allocate(1), TransferMode.PARTIAL).status());
        assertEquals(Optional.of(RingViolation.READ_BEYOND_WRITTEN), r.producer.violation());
        assertEquals(DataPipeStatus.BAD_MESSAGE, r.producer.beginWrite().status());
        assertEquals(0, r.producer.writable());
        assertFalse(r.producer.armWait());
    }

    /**
     * A thread writes random words over the whole region (control block and data) while the
     * consumer keeps reading in every way it can. Every result must be one the rules allow, a
     * violation once seen never goes away, and no access strays outside the ring.
     */
    @Test
    void randomScribblesOverTheControlWords() throws Exception {
        EnumSet<DataPipeStatus> allowed = EnumSet.of(DataPipeStatus.OK, DataPipeStatus.SHOULD_WAIT,
                DataPipeStatus.OUT_OF_RANGE, DataPipeStatus.FAILED_PRECONDITION, DataPipeStatus.BAD_MESSAGE);
        for (int round = 0; round < 50; round++) {
            Rings r = new Rings(1 << (round % 4), 64);
            int elementSize = r.consumer.elementSize();
            AtomicBoolean stop = new AtomicBoolean();
            long seed = round;
            Thread scribbler = new Thread(() -> {
                Random random = new Random(seed);
                ByteBuffer le = r.memory.duplicate().order(ByteOrder.LITTLE_ENDIAN);
                while (!stop.get()) {
                    int at = 8 * random.nextInt(le.capacity() / 8);
                    long value = switch (random.nextInt(4)) {
                        case 0 -> random.nextLong();
                        case 1 -> random.nextInt(200) - 50;
                        case 2 -> le.getLong(at) + random.nextInt(9) - 4;
                        default -> 0;
                    };
                    le.putLong(at, value);
                    Thread.onSpinWait();
                }
            }, "scribbler");
            scribbler.start();
            Random random = new Random(~seed);
            boolean poisoned = false;
            long highestRead = 0;
            try {
                // At least 20,000 operations, and on until the scribbles were noticed (the
                // scribbler may start late on a loaded machine); a minute at most.
                long deadline = System.nanoTime() + 60_000_000_000L;
                for (int op = 0; op < 20_000 || (!poisoned && System.nanoTime() < deadline); op++) {
                    DataPipeStatus status;
                    if (random.nextBoolean()) {
                        ByteBuffer dst = ByteBuffer.allocate(elementSize * random.nextInt(100));
                        DataPipeResult res = r.consumer.read(dst,
                                random.nextBoolean() ? TransferMode.PARTIAL : TransferMode.ALL_OR_NONE);
                        status = res.status();
                        assertTrue(res.bytes() <= 64);
                    } else {
                        TwoPhaseRegion region = r.consumer.beginRead();
                        status = region.status();
                        if (region.isOk()) {
                            ByteBuffer b = region.buffer();
                            assertTrue(b.remaining() <= 64 && b.remaining() % elementSize == 0);
                            while (b.hasRemaining()) {
                                b.get();
                            }
                            DataPipeStatus end = r.consumer.endRead(b.capacity());
                            assertTrue(end == DataPipeStatus.OK || end == DataPipeStatus.BAD_MESSAGE, end::toString);
                            status = end;
                        }
                    }
                    assertTrue(allowed.contains(status), status::toString);
                    if (poisoned) {
                        assertEquals(DataPipeStatus.BAD_MESSAGE, status, "a violation never goes away");
                    }
                    poisoned |= status == DataPipeStatus.BAD_MESSAGE;
                    long readCount = r.consumer.readCount();
                    assertTrue(readCount >= highestRead && readCount % elementSize == 0, "the read count only grows, in elements");
                    highestRead = readCount;
                }
            } finally {
                stop.set(true);
                scribbler.join();
            }
            assertTrue(poisoned && r.consumer.violation().isPresent(), "garbage in the control words was noticed");
        }
    }
}
