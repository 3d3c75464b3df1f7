package dev.switchboard.ipc.ring;

import static dev.switchboard.ipc.datapipe.DataPipeStatus.BUSY;
import static dev.switchboard.ipc.datapipe.DataPipeStatus.FAILED_PRECONDITION;
import static dev.switchboard.ipc.datapipe.DataPipeStatus.INVALID_ARGUMENT;
import static dev.switchboard.ipc.datapipe.DataPipeStatus.OK;
import static dev.switchboard.ipc.datapipe.DataPipeStatus.OUT_OF_RANGE;
import static dev.switchboard.ipc.datapipe.DataPipeStatus.SHOULD_WAIT;
import static dev.switchboard.ipc.datapipe.TransferMode.ALL_OR_NONE;
import static dev.switchboard.ipc.datapipe.TransferMode.PARTIAL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.datapipe.DataPipeResult;
import dev.switchboard.ipc.datapipe.TransferMode;
import dev.switchboard.ipc.datapipe.TwoPhaseRegion;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.ArrayDeque;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The ring's rules between honest ends: results, modes, two-phase operations, wrap-around, closing. */
class RingTest {

    @Test
    void geometryIsCheckedWhereTheRingIsMade() {
        assertThrows(IllegalArgumentException.class, () -> new Rings(0, 16));
        assertThrows(IllegalArgumentException.class, () -> new Rings(3, 16));
        assertThrows(IllegalArgumentException.class, () -> new Rings(4, 0));
        assertThrows(IllegalArgumentException.class, () -> new Rings(1, RingLayout.MAX_CAPACITY + 1));
        assertThrows(IllegalArgumentException.class, () -> new Rings(RingLayout.MAX_ELEMENT_SIZE + 1, RingLayout.MAX_ELEMENT_SIZE + 1));
        ByteBuffer small = ByteBuffer.allocateDirect(RingLayout.regionBytes(16) - 1);
        assertThrows(IllegalArgumentException.class, () -> RingLayout.initialize(() -> small, 1, 16));
        ByteBuffer heap = ByteBuffer.allocate(RingLayout.regionBytes(16));
        assertThrows(IllegalArgumentException.class, () -> RingLayout.initialize(() -> heap, 1, 16));
    }

    @Test
    void emptyRingSaysWaitAndFullRingSaysWait() {
        Rings r = new Rings(1, 8);
        assertEquals(SHOULD_WAIT, r.consumer.read(ByteBuffer.allocate(4), PARTIAL).status());
        assertEquals(SHOULD_WAIT, r.consumer.beginRead().status());
        assertEquals(DataPipeResult.ok(8), r.producer.write(ByteBuffer.wrap(Rings.bytes(0, 8)), PARTIAL));
        assertEquals(SHOULD_WAIT, r.producer.write(ByteBuffer.wrap(new byte[1]), PARTIAL).status());
        assertEquals(SHOULD_WAIT, r.producer.beginWrite().status());
        assertEquals(0, r.producer.writable());
        assertEquals(8, r.consumer.available());
    }

    @Test
    void partialMovesWhatFitsAllOrNoneMovesNothingIfItCannotMoveEverything() {
        Rings r = new Rings(2, 8);
        ByteBuffer src = ByteBuffer.wrap(Rings.bytes(0, 12));
        assertEquals(DataPipeResult.of(OUT_OF_RANGE), r.producer.write(src, ALL_OR_NONE));
        assertEquals(0, src.position(), "a refused all-or-none write consumes nothing");
        assertEquals(DataPipeResult.ok(8), r.producer.write(src, PARTIAL));
        assertEquals(8, src.position());

        ByteBuffer dst = ByteBuffer.allocate(10);
        assertEquals(DataPipeResult.of(OUT_OF_RANGE), r.consumer.read(dst, ALL_OR_NONE));
        assertEquals(0, dst.position());
        dst.limit(6);
        assertEquals(DataPipeResult.ok(6), r.consumer.read(dst, ALL_OR_NONE));
        dst.limit(10);
        assertEquals(DataPipeResult.ok(2), r.consumer.read(dst, PARTIAL));
        assertArrayEquals(Rings.bytes(0, 8), java.util.Arrays.copyOf(dst.array(), 8));
    }

    @Test
    void countsThatAreNotWholeElementsAreInvalid() {
        Rings r = new Rings(4, 16);
        assertEquals(INVALID_ARGUMENT, r.producer.write(ByteBuffer.allocate(6), PARTIAL).status());
        assertEquals(OK, r.producer.write(ByteBuffer.allocate(8), PARTIAL).status());
        assertEquals(INVALID_ARGUMENT, r.consumer.read(ByteBuffer.allocate(3), PARTIAL).status());
        assertEquals(DataPipeResult.ok(8), r.consumer.read(ByteBuffer.allocate(12), PARTIAL), "partial reads whole elements");
    }

    @Test
    void twoPhaseWriteAndReadAcrossTheWrap() {
        Rings r = new Rings(2, 10);
        assertEquals(6, r.producer.write(ByteBuffer.wrap(Rings.bytes(0, 6)), ALL_OR_NONE).bytes());
        assertEquals(6, r.consumer.read(ByteBuffer.allocate(6), ALL_OR_NONE).bytes());

        // Write position 6: the contiguous free region stops at the ring's end (4 bytes), not at the free space (10).
        TwoPhaseRegion w1 = r.producer.beginWrite();
        assertEquals(4, w1.buffer().remaining());
        assertEquals(BUSY, r.producer.write(ByteBuffer.allocate(2), PARTIAL).status());
        assertEquals(BUSY, r.producer.beginWrite().status());
        w1.buffer().put(Rings.bytes(10, 4));
        assertEquals(OK, r.producer.endWrite(4));
        TwoPhaseRegion w2 = r.producer.beginWrite();
        assertEquals(6, w2.buffer().remaining(), "after the wrap, everything up to the read position");
        w2.buffer().put(Rings.bytes(14, 4));
        assertEquals(OK, r.producer.endWrite(4), "committing part of the region is allowed");

        TwoPhaseRegion r1 = r.consumer.beginRead();
        assertEquals(4, r1.buffer().remaining(), "readable up to the ring's end");
        assertThrows(ReadOnlyBufferException.class, () -> r1.buffer().put(0, (byte) 0));
        byte[] got = new byte[8];
        r1.buffer().get(got, 0, 4);
        assertEquals(BUSY, r.consumer.read(ByteBuffer.allocate(2), PARTIAL).status());
        assertEquals(OK, r.consumer.endRead(4));
        TwoPhaseRegion r2 = r.consumer.beginRead();
        assertEquals(4, r2.buffer().remaining());
        r2.buffer().get(got, 4, 4);
        assertEquals(OK, r.consumer.endRead(4));
        assertArrayEquals(Rings.bytes(10, 8), got);
        assertEquals(SHOULD_WAIT, r.consumer.beginRead().status());
    }

    @Test
    void aBadEndOfATwoPhaseOperationIsInvalidAndEndsIt() {
        Rings r = new Rings(2, 8);
        assertEquals(INVALID_ARGUMENT, r.producer.endWrite(0), "none in progress");
        assertTrue(r.producer.beginWrite().isOk());
        assertEquals(INVALID_ARGUMENT, r.producer.endWrite(3));
        assertEquals(0, r.producer.writtenCount());
        assertTrue(r.producer.beginWrite().isOk(), "the bad end ended the two-phase write");
        assertEquals(INVALID_ARGUMENT, r.producer.endWrite(10), "larger than the region");
        assertEquals(OK, r.producer.write(ByteBuffer.allocate(4), ALL_OR_NONE).status());

        assertEquals(INVALID_ARGUMENT, r.consumer.endRead(0));
        assertTrue(r.consumer.beginRead().isOk());
        assertEquals(INVALID_ARGUMENT, r.consumer.endRead(6));
        assertEquals(4, r.consumer.available(), "nothing consumed");
        assertEquals(DataPipeResult.ok(4), r.consumer.read(ByteBuffer.allocate(4), ALL_OR_NONE));
    }

    @Test
    void theConsumerReadsEverythingCommittedBeforeTheCloseThenFailsPrecondition() {
        Rings r = new Rings(1, 16);
        r.producer.write(ByteBuffer.wrap(Rings.bytes(0, 5)), ALL_OR_NONE);
        r.producer.close();
        assertTrue(r.consumer.isProducerGone());
        assertEquals(FAILED_PRECONDITION, r.consumer.read(ByteBuffer.allocate(8), ALL_OR_NONE).status(),
                "all-or-none of more than will ever come");
        ByteBuffer dst = ByteBuffer.allocate(8);
        assertEquals(DataPipeResult.ok(5), r.consumer.read(dst, PARTIAL));
        assertEquals(FAILED_PRECONDITION, r.consumer.read(dst, PARTIAL).status());
        assertEquals(FAILED_PRECONDITION, r.consumer.beginRead().status());
        assertFalse(r.consumer.armWait(), "nothing to wait for");
    }

    @Test
    void aProducerThatVanishesLeavesItsCommittedBytesReadable() {
        Rings r = new Rings(1, 16);
        r.producer.write(ByteBuffer.wrap(Rings.bytes(0, 3)), ALL_OR_NONE);
        assertTrue(r.producer.beginWrite().isOk()); // uncommitted bytes in flight when it dies
        r.consumer.peerGone();
        assertEquals(DataPipeResult.ok(3), r.consumer.read(ByteBuffer.allocate(8), PARTIAL));
        assertEquals(FAILED_PRECONDITION, r.consumer.read(ByteBuffer.allocate(8), PARTIAL).status());
    }

    @Test
    void writesFailOnceTheConsumerClosedAndAWaitingProducerIsWoken() throws Exception {
        Rings r = new Rings(1, 4);
        r.producer.write(ByteBuffer.allocate(4), ALL_OR_NONE);
        assertTrue(r.producer.armWait());
        r.consumer.close();
        assertTrue(r.producerBell.await(5, TimeUnit.SECONDS), "the close woke the waiting producer");
        assertEquals(FAILED_PRECONDITION, r.producer.write(ByteBuffer.allocate(1), PARTIAL).status());
        assertEquals(FAILED_PRECONDITION, r.producer.beginWrite().status());
        assertTrue(r.producer.isConsumerGone());
        assertThrows(IllegalStateException.class, () -> r.consumer.read(ByteBuffer.allocate(1), PARTIAL));
    }

    @Test
    void signalsOnlyWhenThePeerSaidItWaits() {
        int[] signals = new int[1];
        Rings r = new Rings(1, 64);
        RingProducer counted = RingProducer.attach(() -> r.memory, 1, 64, () -> signals[0]++);
        for (int i = 0; i < 10; i++) {
            counted.write(ByteBuffer.allocate(1), PARTIAL);
        }
        assertEquals(0, signals[0], "nobody waited");
        r.consumer.read(ByteBuffer.allocate(10), PARTIAL);
        assertTrue(r.consumer.armWait());
        counted.write(ByteBuffer.allocate(1), PARTIAL);
        counted.write(ByteBuffer.allocate(1), PARTIAL);
        assertEquals(1, signals[0], "one signal per wait");
        assertFalse(r.consumer.armWait(), "data is there: no need to sleep");
    }

    @Test
    void aNewConsumerResumesWhereTheOldOneStopped() {
        Rings r = new Rings(1, 8);
        r.producer.write(ByteBuffer.wrap(Rings.bytes(0, 6)), ALL_OR_NONE);
        ByteBuffer got = ByteBuffer.allocate(12);
        got.limit(4);
        r.consumer.read(got, ALL_OR_NONE);
        RingConsumer moved = r.newConsumer(); // the old end is dropped without closing, as when it moves
        r.producer.write(ByteBuffer.wrap(Rings.bytes(6, 6)), ALL_OR_NONE);
        got.limit(12);
        assertEquals(DataPipeResult.ok(8), moved.read(got, PARTIAL));
        assertArrayEquals(Rings.bytes(0, 12), got.array());
    }

    /** Random operations of every kind against a queue that models the ring; element size 3 makes offsets odd. */
    @Test
    void randomOperationsMatchAQueue() {
        Random random = new Random(12);
        Rings r = new Rings(3, 21);
        ArrayDeque<Byte> model = new ArrayDeque<>();
        int next = 0;
        for (int op = 0; op < 20_000; op++) {
            int elements = random.nextInt(9);
            TransferMode mode = random.nextBoolean() ? PARTIAL : ALL_OR_NONE;
            switch (random.nextInt(4)) {
                case 0 -> {
                    byte[] b = Rings.bytes(next, 3 * elements);
                    DataPipeResult res = r.producer.write(ByteBuffer.wrap(b), mode);
                    int free = 21 - model.size();
                    int expected = mode == ALL_OR_NONE ? (b.length <= free ? b.length : 0) : Math.min(free, b.length);
                    assertEquals(expected, res.bytes());
                    for (int i = 0; i < expected; i++) {
                        model.add(b[i]);
                    }
                    next += expected;
                }
                case 1 -> {
                    TwoPhaseRegion w = r.producer.beginWrite();
                    if (model.size() == 21) {
                        assertEquals(SHOULD_WAIT, w.status());
                        continue;
                    }
                    int n = Math.min(w.buffer().remaining() / 3, elements) * 3;
                    byte[] b = Rings.bytes(next, n);
                    w.buffer().put(b);
                    assertEquals(OK, r.producer.endWrite(n));
                    for (byte x : b) {
                        model.add(x);
                    }
                    next += n;
                }
                case 2 -> {
                    ByteBuffer dst = ByteBuffer.allocate(3 * elements);
                    DataPipeResult res = r.consumer.read(dst, mode);
                    int expected = mode == ALL_OR_NONE ? (dst.capacity() <= model.size() ? dst.capacity() : 0)
                            : Math.min(model.size(), dst.capacity());
                    assertEquals(expected, res.bytes());
                    for (int i = 0; i < expected; i++) {
                        assertEquals(model.poll(), dst.get(i));
                    }
                }
                default -> {
                    TwoPhaseRegion rd = r.consumer.beginRead();
                    if (model.isEmpty()) {
                        assertEquals(SHOULD_WAIT, rd.status());
                        continue;
                    }
                    int n = Math.min(rd.buffer().remaining() / 3, elements) * 3;
                    for (int i = 0; i < n; i++) {
                        assertEquals(model.poll(), rd.buffer().get(i));
                    }
                    assertEquals(OK, r.consumer.endRead(n));
                }
            }
            assertEquals(model.size(), r.consumer.available());
            assertEquals(21 - model.size(), r.producer.writable());
        }
    }
}
