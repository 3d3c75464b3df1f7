package dev.switchboard.ipc.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.datapipe.DataPipeResult;
import dev.switchboard.ipc.datapipe.DataPipeStatus;
import dev.switchboard.ipc.datapipe.TransferMode;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;

/**
 * Many small writes against a slow reader in a tiny ring, on two threads, each sleeping on its
 * doorbell whenever the ring is empty or full. Both ends sleep only after setting their waiting
 * flag and looking again, so every sleep must end with a signal: an await that times out is a
 * lost wake-up and fails the run. Repeated a thousand times to cover many interleavings.
 */
class RingWakeUpTest {

    private static final int WRITES = 100;
    private static final long LOST = 10; // seconds: far longer than any wake-up, even under load

    private static ExecutorService threads;

    @BeforeAll
    static void start() {
        threads = Executors.newFixedThreadPool(2);
    }

    @AfterAll
    static void stop() {
        threads.shutdownNow();
    }

    @RepeatedTest(1000)
    void smallWritesSlowReaderNoLostWakeUp() throws Exception {
        Rings r = new Rings(1, 8);
        Future<Integer> producer = threads.submit(() -> produce(r));
        Future<byte[]> consumer = threads.submit(() -> consume(r));
        int sent = producer.get(2 * LOST, TimeUnit.SECONDS);
        byte[] got = consumer.get(2 * LOST, TimeUnit.SECONDS);
        assertEquals(sent, got.length);
        for (int i = 0; i < got.length; i++) {
            assertEquals((byte) i, got[i], "byte " + i);
        }
    }

    private static int produce(Rings r) throws InterruptedException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int next = 0;
        for (int i = 0; i < WRITES; i++) {
            ByteBuffer src = ByteBuffer.wrap(Rings.bytes(next, 1 + random.nextInt(3)));
            next += src.remaining();
            while (src.hasRemaining()) {
                DataPipeResult res = r.producer.write(src, TransferMode.PARTIAL);
                if (res.status() == DataPipeStatus.SHOULD_WAIT) {
                    if (r.producer.armWait()) {
                        assertTrue(r.producerBell.await(LOST, TimeUnit.SECONDS), "lost wake-up: producer waited for space");
                    }
                } else {
                    assertEquals(DataPipeStatus.OK, res.status());
                }
            }
        }
        r.producer.close();
        return next;
    }

    private static byte[] consume(Rings r) throws InterruptedException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        ByteBuffer all = ByteBuffer.allocate(4 * WRITES);
        while (true) {
            slowDown(random);
            ByteBuffer dst = all.slice(all.position(), Math.min(all.remaining(), 1 + random.nextInt(2)));
            DataPipeResult res = r.consumer.read(dst, TransferMode.PARTIAL);
            switch (res.status()) {
                case OK -> all.position(all.position() + res.bytes());
                case SHOULD_WAIT -> {
                    if (r.consumer.armWait()) {
                        assertTrue(r.consumerBell.await(LOST, TimeUnit.SECONDS), "lost wake-up: consumer waited for data");
                    }
                }
                case FAILED_PRECONDITION -> {
                    byte[] got = new byte[all.position()];
                    all.get(0, got);
                    return got;
                }
                default -> throw new AssertionError("unexpected " + res);
            }
        }
    }

    private static void slowDown(ThreadLocalRandom random) {
        int spins = random.nextInt(200);
        for (int i = 0; i < spins; i++) {
            Thread.onSpinWait();
        }
        if (random.nextInt(16) == 0) {
            Thread.yield();
        }
    }
}
