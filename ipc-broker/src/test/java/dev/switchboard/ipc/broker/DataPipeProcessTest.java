package dev.switchboard.ipc.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.DataPipe;
import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.SharedBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Data pipes between real child JVMs: each end is sent to its child in a message, and the bytes
 * go from one child to the other through shared memory, woken through a signal pipe that runs
 * directly between them.
 */
class DataPipeProcessTest {

    private static final Duration LONG = Duration.ofMinutes(5);
    private static final int RING = 64 << 10;

    private static Message command(String text, List<? extends dev.switchboard.ipc.Handle> handles) {
        return Message.of(text.getBytes(StandardCharsets.UTF_8), handles);
    }

    /**
     * A gibibyte through a 64 KiB ring: the consumer's count and CRC equal the producer's, every
     * byte sits at its place in the pattern, and neither child's memory grew with the stream
     * (each runs with a 256 MiB heap; the peak resident size stays far below the gibibyte moved).
     */
    @Test
    void aGibibyteBetweenTwoChildrenArrivesByteExactInBoundedMemory() throws Exception {
        long total = 1L << 30;
        try (Launch p = Launch.java(DataPipeChildren.Producer.class, List.of("control"));
                Launch c = Launch.java(DataPipeChildren.Consumer.class, List.of("control"))) {
            DataPipe dp = DataPipe.create(1, RING);
            p.pipe("control").write(command("produce " + total, dp.producer().transfer()));
            c.pipe("control").write(command("consume 0 -1", dp.consumer().transfer()));
            assertEquals(0, SharedBuffer.bytesHeld(), "the parent kept no part of the ring");

            String[] done = TestSupport.readText(p.pipe("control"), LONG).split(" ");
            String[] eof = TestSupport.readText(c.pipe("control"), LONG).split(" ");
            System.out.printf("data pipe: 1 GiB; peak RSS producer %d KiB, consumer %d KiB%n",
                    Long.parseLong(done[3]), Long.parseLong(eof[4]));
            assertEquals("done", done[0]);
            assertEquals("eof", eof[0]);
            assertEquals(total, Long.parseLong(done[1]));
            assertEquals(total, Long.parseLong(eof[1]), "bytes received");
            assertEquals(done[2], eof[2], "CRC-32 of the stream");
            assertEquals("true", eof[3], "every byte at its place");
            long bound = 512L << 10; // KiB: half a gibibyte, whatever the JVM itself needs
            assertTrue(Long.parseLong(done[3]) < bound, "producer's peak RSS " + done[3] + " KiB");
            assertTrue(Long.parseLong(eof[4]) < bound, "consumer's peak RSS " + eof[4] + " KiB");
        }
    }

    /**
     * The producer commits a known number of bytes (more than the ring holds, so the consumer was
     * reading all along) and is then killed without closing anything: the consumer reads exactly
     * those bytes, then sees the end of the stream within a second of the kill.
     */
    @Test
    void aKilledProducersCommittedBytesAreAllReadThenTheStreamEndsWithinASecond() throws Exception {
        long committed = (5L << 20) + 12_345;
        try (Launch p = Launch.java(DataPipeChildren.Producer.class, List.of("control"));
                Launch c = Launch.java(DataPipeChildren.Consumer.class, List.of("control"))) {
            DataPipe dp = DataPipe.create(1, RING);
            p.pipe("control").write(command("hang " + committed, dp.producer().transfer()));
            c.pipe("control").write(command("consume 0 -1", dp.consumer().transfer()));
            assertEquals("committed " + committed, TestSupport.readText(p.pipe("control"), LONG));

            long killedAt = System.nanoTime();
            p.child.destroyForcibly();
            String[] eof = TestSupport.readText(c.pipe("control"), LONG).split(" ");
            long endSeenMillis = (System.nanoTime() - killedAt) / 1_000_000;
            System.out.printf("data pipe: end of stream reported %d ms after the producer was killed%n", endSeenMillis);
            assertEquals("eof", eof[0]);
            assertEquals(committed, Long.parseLong(eof[1]), "every committed byte, nothing more");
            assertEquals("true", eof[3], "every byte at its place");
            assertTrue(endSeenMillis < 1000, "end of stream seen " + endSeenMillis + " ms after the kill");
        }
    }

    /**
     * The consumer end moves mid-stream from one child, through this process, to another: the
     * two children's counts add up to the stream, and the second starts exactly where the first
     * stopped (each checks every byte against its place in the pattern).
     */
    @Test
    void aConsumerMovedToAnotherProcessMidStreamLosesAndRepeatsNothing() throws Exception {
        long total = 64L << 20;
        try (Launch p = Launch.java(DataPipeChildren.Producer.class, List.of("control"));
                Launch c1 = Launch.java(DataPipeChildren.Consumer.class, List.of("control"));
                Launch c2 = Launch.java(DataPipeChildren.Consumer.class, List.of("control"))) {
            DataPipe dp = DataPipe.create(1, RING);
            p.pipe("control").write(command("produce " + total, dp.producer().transfer()));
            c1.pipe("control").write(command("consume 0 " + (8 << 20), dp.consumer().transfer()));

            Message moved = c1.pipe("control").read(LONG);
            String[] first = TestSupport.text(moved).split(" ");
            assertEquals("moved", first[0]);
            assertEquals("true", first[2], "the first consumer's bytes were at their places");
            long firstCount = Long.parseLong(first[1]);
            c2.pipe("control").write(command("consume " + firstCount + " -1",
                    List.of(moved.takeSharedBuffer(0), moved.takePipe(0))));
            moved.close();

            String[] eof = TestSupport.readText(c2.pipe("control"), LONG).split(" ");
            String[] done = TestSupport.readText(p.pipe("control"), LONG).split(" ");
            assertEquals("eof", eof[0]);
            assertEquals("true", eof[3], "the second consumer started exactly where the first stopped");
            assertEquals(total, firstCount + Long.parseLong(eof[1]), "nothing lost, nothing read twice");
            assertEquals(total, Long.parseLong(done[1]));
        }
    }
}
