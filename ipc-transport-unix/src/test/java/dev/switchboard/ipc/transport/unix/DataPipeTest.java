package dev.switchboard.ipc.transport.unix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.DataPipe;
import dev.switchboard.ipc.DataPipeConsumer;
import dev.switchboard.ipc.DataPipeException;
import dev.switchboard.ipc.DataPipeProducer;
import dev.switchboard.ipc.Handle;
import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.SharedBuffer;
import dev.switchboard.ipc.datapipe.DataPipeResult;
import dev.switchboard.ipc.datapipe.DataPipeStatus;
import dev.switchboard.ipc.datapipe.TransferMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** DataPipe on real shared memory and a real signal pipe, both ends in this process. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DataPipeTest {

    private static ExecutorService threads;

    @BeforeAll
    static void start() {
        threads = Executors.newCachedThreadPool();
        DataPipe warm = DataPipe.create(); // loads what opens fds once per JVM before anything is counted
        warm.producer().close();
        warm.consumer().close();
    }

    @AfterAll
    static void stop() {
        threads.shutdownNow();
    }

    private static long fds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    /** Sends a signal pipe's end through a message pipe, as a transfer does, and returns it as received. */
    private static MessagePipe carry(MessagePipe end) throws InterruptedException {
        MessagePipe.Pair carrier = MessagePipe.create();
        try {
            carrier.end0().write(Message.of(new byte[0], end));
            try (Message m = carrier.end1().read(Duration.ofSeconds(30))) {
                return m.takePipe(0);
            }
        } finally {
            carrier.end0().close();
            carrier.end1().close();
        }
    }

    /** Fills {@code b} with bytes of a stream seeded by {@code seed}, starting at stream offset {@code at}. */
    private static void fill(byte[] b, long at) {
        for (int i = 0; i < b.length; i++) {
            long x = (at + i) * 0x9E3779B97F4A7C15L;
            b[i] = (byte) (x >>> 56);
        }
    }

    @Test
    void sixtyFourMebibytesThroughStreamsArriveByteExact() throws Exception {
        long total = 64L << 20;
        DataPipe dp = DataPipe.create(1, 64 << 10);
        Future<Long> writer = threads.submit(() -> {
            CRC32 crc = new CRC32();
            Random sizes = new Random(1);
            try (OutputStream out = dp.producer().asOutputStream()) {
                long sent = 0;
                while (sent < total) {
                    byte[] chunk = new byte[(int) Math.min(total - sent, 1 + sizes.nextInt(200_000))];
                    fill(chunk, sent);
                    out.write(chunk);
                    crc.update(chunk);
                    sent += chunk.length;
                }
            }
            return crc.getValue();
        });
        CRC32 crc = new CRC32();
        long received = 0;
        try (InputStream in = dp.consumer().asInputStream()) {
            byte[] buf = new byte[37_000];
            int n;
            while ((n = in.read(buf)) >= 0) {
                crc.update(buf, 0, n);
                received += n;
            }
        }
        assertEquals(total, received);
        assertEquals(writer.get(), crc.getValue());
    }

    @Test
    void channelsCarryEveryByteAndEndAfterTheProducerCloses() throws Exception {
        DataPipe dp = DataPipe.create(1, 4096);
        byte[] data = new byte[1 << 20];
        fill(data, 7);
        Future<?> writer = threads.submit(() -> {
            try (WritableByteChannel out = dp.producer().asChannel()) {
                ByteBuffer src = ByteBuffer.wrap(data);
                while (src.hasRemaining()) {
                    ByteBuffer part = src.slice(src.position(), Math.min(src.remaining(), 10_000));
                    assertEquals(part.remaining(), out.write(part));
                    src.position(src.position() + part.capacity());
                }
            }
            return null;
        });
        ByteBuffer got = ByteBuffer.allocate(data.length + 1);
        try (ReadableByteChannel in = dp.consumer().asChannel()) {
            while (in.read(got) >= 0) {
                // until the end of the stream
            }
            assertFalse(got.position() > data.length);
        }
        writer.get();
        assertArrayEquals(data, java.util.Arrays.copyOf(got.array(), got.position()));
    }

    @Test
    void aConsumerMovedMidStreamLosesAndRepeatsNothing() throws Exception {
        DataPipe dp = DataPipe.create(4, 1024);
        DataPipeProducer producer = dp.producer();
        DataPipeConsumer consumer = dp.consumer();
        ByteBuffer got = ByteBuffer.allocate(4000);
        byte[] data = new byte[4000];
        fill(data, 0);
        producer.writeFully(ByteBuffer.wrap(data, 0, 1000));
        got.limit(600);
        assertEquals(DataPipeResult.ok(600), consumer.read(got, TransferMode.ALL_OR_NONE));

        List<Handle> handles = consumer.transfer();
        assertThrows(IllegalStateException.class, () -> consumer.read(ByteBuffer.allocate(4), TransferMode.PARTIAL));
        producer.writeFully(ByteBuffer.wrap(data, 1000, 400)); // written while the end is in transit
        DataPipeConsumer moved = DataPipe.consumerFrom((SharedBuffer) handles.get(0), carry((MessagePipe) handles.get(1)));
        assertEquals(4, moved.elementSize());
        assertEquals(1024, moved.capacity());

        Future<?> writer = threads.submit(() -> {
            producer.writeFully(ByteBuffer.wrap(data, 1400, 2600));
            producer.close();
            return null;
        });
        got.limit(got.capacity());
        while (moved.read(got, Duration.ofSeconds(30)) > 0) {
            // until the end of the stream
        }
        writer.get();
        assertEquals(4000, got.position());
        assertArrayEquals(data, got.array());
        moved.close();
    }

    @Test
    void aProducerMovedMidStreamResumesAfterItsLastCommittedByte() throws Exception {
        DataPipe dp = DataPipe.create(1, 256);
        dp.producer().writeFully(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        List<Handle> handles = dp.producer().transfer();
        DataPipeProducer moved = DataPipe.producerFrom((SharedBuffer) handles.get(0), carry((MessagePipe) handles.get(1)));
        moved.writeFully(ByteBuffer.wrap(new byte[] {4, 5}));
        moved.close();
        ByteBuffer got = ByteBuffer.allocate(8);
        while (dp.consumer().read(got, Duration.ofSeconds(30)) > 0) {
            // until the end of the stream
        }
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, java.util.Arrays.copyOf(got.array(), got.position()));
        dp.consumer().close();
    }

    @Test
    void readinessListenersRunOnTheUsersExecutor() throws Exception {
        DataPipe dp = DataPipe.create(1, 16);
        ExecutorService user = Executors.newSingleThreadExecutor(r -> new Thread(r, "user-executor"));
        try {
            LinkedBlockingQueue<String> calls = new LinkedBlockingQueue<>();
            dp.consumer().setReadinessListener(user, () -> calls.add(Thread.currentThread().getName()));
            assertEquals(DataPipeStatus.SHOULD_WAIT, dp.consumer().read(ByteBuffer.allocate(1), TransferMode.PARTIAL).status());
            dp.producer().write(ByteBuffer.wrap(new byte[16]), TransferMode.ALL_OR_NONE);
            assertEquals("user-executor", calls.poll(30, TimeUnit.SECONDS), "data arrived");

            CompletableFuture<String> writable = new CompletableFuture<>();
            dp.producer().setReadinessListener(user, () -> writable.complete(Thread.currentThread().getName()));
            assertEquals(DataPipeStatus.SHOULD_WAIT, dp.producer().write(ByteBuffer.allocate(1), TransferMode.PARTIAL).status());
            assertEquals(DataPipeResult.ok(16), dp.consumer().read(ByteBuffer.allocate(16), TransferMode.ALL_OR_NONE));
            assertEquals("user-executor", writable.get(30, TimeUnit.SECONDS), "space was freed");

            calls.clear();
            assertEquals(DataPipeStatus.SHOULD_WAIT, dp.consumer().read(ByteBuffer.allocate(1), TransferMode.PARTIAL).status());
            dp.producer().close();
            assertEquals("user-executor", calls.poll(30, TimeUnit.SECONDS), "the producer went away");
            assertEquals(DataPipeStatus.FAILED_PRECONDITION, dp.consumer().read(ByteBuffer.allocate(1), TransferMode.PARTIAL).status());
            dp.consumer().close();
        } finally {
            user.shutdownNow();
        }
    }

    @Test
    void writesFailOnceTheConsumerIsGoneAndWhatWasWrittenStays() throws Exception {
        DataPipe dp = DataPipe.create(1, 16);
        dp.producer().writeFully(ByteBuffer.allocate(16));
        Future<?> blocked = threads.submit(() -> {
            dp.producer().writeFully(ByteBuffer.allocate(1));
            return null;
        });
        dp.consumer().close();
        Exception e = assertThrows(Exception.class, () -> blocked.get(30, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof DataPipeException, e::toString);
        assertEquals(DataPipeStatus.FAILED_PRECONDITION, ((DataPipeException) e.getCause()).status());
        dp.producer().close();
    }

    @Test
    void aBufferThatHoldsNoRingIsABadMessageAndBothHandlesAreClosed() throws Exception {
        long before = fds();
        SharedBuffer zeros = SharedBuffer.create(4096);
        MessagePipe.Pair signals = MessagePipe.create();
        DataPipeException e = assertThrows(DataPipeException.class, () -> DataPipe.consumerFrom(zeros, signals.end0()));
        assertEquals(DataPipeStatus.BAD_MESSAGE, e.status());
        assertFalse(zeros.isValid());
        assertTrue(signals.end1().isPeerClosed());
        signals.end1().close();

        DataPipe dp = DataPipe.create(1, 1 << 20);
        List<Handle> handles = dp.consumer().transfer();
        SharedBuffer whole = (SharedBuffer) handles.get(0);
        SharedBuffer readOnly = whole.readOnlyCopy();
        whole.close();
        assertEquals(DataPipeStatus.BAD_MESSAGE, assertThrows(DataPipeException.class,
                () -> DataPipe.consumerFrom(readOnly, carry((MessagePipe) handles.get(1)))).status(), "a consumer must write its count");
        dp.producer().close();
        assertEquals(before, fds(), "no descriptor left behind");
    }

    @Test
    void creatingAndClosingPipesLeavesNoDescriptorBehind() throws Exception {
        long before = fds();
        for (int i = 0; i < 50; i++) {
            DataPipe dp = DataPipe.create(2, 8192);
            dp.producer().writeFully(ByteBuffer.allocate(100));
            dp.consumer().read(ByteBuffer.allocate(50), TransferMode.PARTIAL);
            dp.producer().close();
            dp.consumer().close();
        }
        assertEquals(before, fds());
        assertEquals(0, SharedBuffer.bytesHeld(), "every ring's memory was given back");
    }
}
