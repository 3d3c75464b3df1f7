package dev.switchboard.ipc.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.switchboard.ipc.datapipe.DataPipeResult;
import dev.switchboard.ipc.datapipe.DataPipeStatus;
import dev.switchboard.ipc.datapipe.TransferMode;
import dev.switchboard.ipc.datapipe.TwoPhaseRegion;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The consumer's validation of the control words, against a producer that writes anything into
 * them. The input is a scenario in a format of this test's own:
 *
 * <pre>
 *   byte 0       element size: 3 if the high bit is set, else 1 &lt;&lt; (b &amp; 3)
 *   byte 1       capacity in elements: 1 + (b &amp; 31)
 *   bytes 2..193 the control block as the consumer finds it when it attaches (missing bytes are 0)
 *   then         operations of one byte each, some followed by an argument:
 *                0 read PARTIAL (n), 1 read ALL_OR_NONE (n): n elements, or n bytes if n &gt;= 128
 *                2 beginRead, then endRead (n) with n as for reads
 *                3 the producer sets its written count (8 bytes, little-endian)
 *                4 something overwrites the consumer's read count (8 bytes)
 *                5 the producer commits (n) more bytes, n a signed byte
 *                6 the producer sets its closed flag
 *                7 available(), armWait(), and after it peerGone()
 * </pre>
 *
 * The data area holds a known pattern, so every byte the consumer returns can be checked against
 * where it must have come from. The region is exactly the ring's size, so an index outside it
 * throws. Accepted: the statuses a consumer may return; a violation, once seen, stays.
 */
class RingFuzzTest {

    private static final int HEADER_IN_INPUT = 2;

    @FuzzTest
    void consumer(byte[] input) {
        if (input.length < HEADER_IN_INPUT) {
            return;
        }
        int elementSize = (input[0] & 0x80) != 0 ? 3 : 1 << (input[0] & 3);
        int capacity = elementSize * (1 + (input[1] & 31));
        ByteBuffer memory = ByteBuffer.allocateDirect(RingLayout.regionBytes(capacity)).order(ByteOrder.LITTLE_ENDIAN);
        int headerBytes = Math.min(RingLayout.HEADER_BYTES, input.length - HEADER_IN_INPUT);
        memory.put(0, input, HEADER_IN_INPUT, headerBytes);
        for (int i = 0; i < capacity; i++) {
            memory.put(RingLayout.HEADER_BYTES + i, pattern(i));
        }
        RingConsumer consumer = RingConsumer.attach(() -> memory, elementSize, capacity, () -> {});

        boolean poisoned = consumer.violation().isPresent();
        long readCount = consumer.readCount();
        int at = HEADER_IN_INPUT + RingLayout.HEADER_BYTES;
        while (at < input.length) {
            int op = input[at++] & 7;
            DataPipeStatus status;
            switch (op) {
                case 0, 1 -> {
                    int n = at < input.length ? count(input[at++], elementSize) : 0;
                    ByteBuffer dst = ByteBuffer.allocate(n);
                    DataPipeResult res = consumer.read(dst, op == 0 ? TransferMode.PARTIAL : TransferMode.ALL_OR_NONE);
                    status = res.status();
                    assertEquals(res.bytes(), dst.position());
                    assertTrue(res.bytes() <= capacity && res.bytes() % elementSize == 0);
                    if (op == 1 && res.isOk()) {
                        assertEquals(n, res.bytes());
                    }
                    checkPattern(dst, 0, res.bytes(), readCount, capacity);
                    readCount = checkAdvance(consumer, readCount, res.bytes());
                }
                case 2 -> {
                    TwoPhaseRegion region = consumer.beginRead();
                    int n = at < input.length ? count(input[at++], elementSize) : 0;
                    status = region.status();
                    if (region.isOk()) {
                        ByteBuffer b = region.buffer();
                        int size = b.remaining();
                        assertTrue(size > 0 && size <= capacity && size % elementSize == 0);
                        assertTrue(readCount % capacity + size <= capacity, "a two-phase region stops at the ring's end");
                        checkPattern(b, 0, size, readCount, capacity);
                        status = consumer.endRead(n);
                        boolean valid = n <= size && n % elementSize == 0;
                        if (status == DataPipeStatus.OK) {
                            assertTrue(valid);
                            readCount = checkAdvance(consumer, readCount, n);
                        } else {
                            assertTrue(status == DataPipeStatus.BAD_MESSAGE || (status == DataPipeStatus.INVALID_ARGUMENT && !valid),
                                    status::toString);
                            readCount = checkAdvance(consumer, readCount, 0);
                        }
                    }
                }
                case 3, 4 -> {
                    long value = 0;
                    for (int i = 0; i < 8 && at < input.length; i++) {
                        value |= (input[at++] & 0xffL) << (8 * i);
                    }
                    memory.putLong(op == 3 ? RingLayout.WRITTEN_AT : RingLayout.READ_AT, value);
                    continue;
                }
                case 5 -> {
                    int delta = at < input.length ? input[at++] : 0;
                    memory.putLong(RingLayout.WRITTEN_AT, memory.getLong(RingLayout.WRITTEN_AT) + delta);
                    continue;
                }
                case 6 -> {
                    memory.putInt(RingLayout.PRODUCER_CLOSED_AT, 1);
                    continue;
                }
                default -> {
                    int available = consumer.available();
                    assertTrue(available >= 0 && available <= capacity && available % elementSize == 0);
                    boolean sleep = consumer.armWait();
                    assertTrue(!sleep || (available == 0 && consumer.available() == 0 && !consumer.isProducerGone()));
                    consumer.peerGone();
                    assertTrue(consumer.isProducerGone());
                    continue;
                }
            }
            if (poisoned) {
                assertEquals(DataPipeStatus.BAD_MESSAGE, status, "a violation never goes away");
            }
            poisoned |= status == DataPipeStatus.BAD_MESSAGE;
            assertEquals(poisoned, consumer.violation().isPresent());
        }
    }

    private static int count(byte arg, int elementSize) {
        int n = arg & 0xff;
        return n >= 128 ? n - 128 : n * elementSize;
    }

    private static byte pattern(long streamIndex) {
        return (byte) (streamIndex * 31 + 7);
    }

    /** Bytes at [from, from + n) of {@code b} must be the data area's bytes at the stream positions starting at {@code readCount}. */
    private static void checkPattern(ByteBuffer b, int from, int n, long readCount, int capacity) {
        for (int i = 0; i < n; i++) {
            long position = (readCount + i) % capacity;
            if (b.get(from + i) != pattern(position)) {
                throw new AssertionError("byte " + i + " came from the wrong place in the ring");
            }
        }
    }

    private static long checkAdvance(RingConsumer consumer, long before, int moved) {
        long now = consumer.readCount();
        assertEquals(before + moved, now, "the read count moves by exactly what was read");
        return now;
    }
}
