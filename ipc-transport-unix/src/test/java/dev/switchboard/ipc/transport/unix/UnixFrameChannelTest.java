package dev.switchboard.ipc.transport.unix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.spi.CloseReason;
import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.FrameType;
import dev.switchboard.ipc.wire.Id128;
import dev.switchboard.ipc.wire.Limits;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixFrameChannelTest {

    private static final UnixHandleOps OPS = ChannelPair.OPS;

    @TempDir
    Path dir;

    @BeforeAll
    static void warmUp() throws Exception {
        ChannelPair.warmUp();
    }

    private static RecordingListener countingDownOnWritable(CountDownLatch writable) {
        return new RecordingListener() {
            @Override
            public void onWritable() {
                super.onWritable();
                writable.countDown();
            }
        };
    }

    private long openFile(String name, String content) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content);
        try (FileInputStream in = new FileInputStream(f.toFile())) {
            return OPS.duplicate(in.getFD()); // the test owns this fd until it hands it to send()
        }
    }

    private static String readAll(long fd) throws IOException {
        try (FileInputStream in = new FileInputStream(OPS.toFileDescriptor(fd))) { // closes fd
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void framesWithAndWithoutFdsRoundTripBothWays() throws Exception {
        var baseline = TestFds.snapshot();
        try (ChannelPair p = new ChannelPair(Limits.DEFAULT)) {
            Id128 token = Id128.random();
            p.a.send(new FrameBody.Connect(token), null);
            p.a.send(ChannelPair.message(42), new long[0]);
            p.a.send(ChannelPair.message(43), new long[] {openFile("a1", "one"), openFile("a2", "two")});
            p.b.send(ChannelPair.message(44), new long[] {openFile("b1", "three")});
            p.b.send(new FrameBody.NodeFrame(FrameType.NODE_LOST, ChannelPair.PIPE), null);

            RecordingListener.Frame connect = p.bEvents.take();
            assertEquals(FrameType.CONNECT, connect.header().type());
            assertEquals(new FrameBody.Connect(token), connect.body());

            RecordingListener.Frame plain = p.bEvents.take();
            assertEquals(42, plain.payload().getInt(0));
            assertEquals(0, plain.handles().length);

            RecordingListener.Frame withFds = p.bEvents.take();
            assertEquals(43, withFds.payload().getInt(0));
            assertEquals(2, withFds.header().handleCount());
            assertEquals(2, withFds.handles().length);
            for (long h : withFds.handles()) {
                assertTrue(TestFds.isCloexec(h), "received fds must not leak into spawned processes");
            }
            assertEquals("one", readAll(withFds.handles()[0]));
            assertEquals("two", readAll(withFds.handles()[1]));

            RecordingListener.Frame back = p.aEvents.take();
            assertEquals(44, back.payload().getInt(0));
            assertEquals("three", readAll(back.handles()[0]));
            assertEquals(new FrameBody.NodeFrame(FrameType.NODE_LOST, ChannelPair.PIPE), p.aEvents.take().body());

            p.a.close();
            assertEquals(CloseReason.Kind.LOCAL, p.aEvents.awaitClosed().kind());
            CloseReason peer = p.bEvents.awaitClosed();
            assertEquals(CloseReason.Kind.PEER_CLOSED, peer.kind(), peer.toString());
            assertEquals(List.of(), p.aEvents.violations);
            assertEquals(List.of(), p.bEvents.violations);
        }
        TestFds.assertNoLeak(baseline);
    }

    @Test
    void largeAndMixedSizesArriveInOrder() throws Exception {
        int[] sizes = {0, 1, 7, 8, 9, 100, 4095, 65_536, 1 << 20, 16 << 20, 3, 16 << 20, 0, 12_345};
        try (ChannelPair p = new ChannelPair(Limits.DEFAULT)) {
            for (int i = 0; i < sizes.length; i++) {
                p.a.send(ChannelPair.message(pattern(sizes[i], i)), null);
                p.b.send(ChannelPair.message(pattern(sizes[sizes.length - 1 - i], i)), null);
            }
            for (int i = 0; i < sizes.length; i++) {
                assertEquals(pattern(sizes[i], i), p.bEvents.take().payload(), "a->b frame " + i);
                assertEquals(pattern(sizes[sizes.length - 1 - i], i), p.aEvents.take().payload(), "b->a frame " + i);
            }
            assertEquals(0, p.a.queuedBytes());
            assertEquals(List.of(), p.bEvents.violations);
        }
    }

    private static ByteBuffer pattern(int size, int seed) {
        ByteBuffer b = ByteBuffer.allocate(size);
        for (int i = 0; i < size; i++) {
            b.put(i, (byte) (i * 31 + seed));
        }
        return b;
    }

    @Test
    void closingWithFramesStillQueuedClosesTheirFds() throws Exception {
        var baseline = TestFds.snapshot();
        Path file = dir.resolve("shared");
        Files.writeString(file, "x");
        ChannelPair p = new ChannelPair(Limits.DEFAULT);
        p.b.setReadPaused(true);
        // Enough fd-carrying frames that the socket buffer fills and the rest wait in the queue.
        for (int i = 0; i < 2000; i++) {
            try (FileInputStream in = new FileInputStream(file.toFile())) {
                p.a.send(ChannelPair.message(ByteBuffer.allocate(1024)), new long[] {OPS.duplicate(in.getFD())});
            }
        }
        // Netty writes in bursts of its spin budget, so the buffer fills a few loop turns later
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (p.a.zeroLengthFdWrites() == 0 && System.nanoTime() < deadline) {
            TestFds.drain(p.a);
        }
        assertTrue(p.a.zeroLengthFdWrites() > 0, "the socket buffer never filled");
        assertTrue(p.a.queuedBytes() > 0);
        assertTrue(p.a.queuedHandles() > 0);
        long[] late = {openFile("late", "y")};
        p.a.close();
        assertEquals(CloseReason.Kind.LOCAL, p.aEvents.awaitClosed().kind());
        p.a.send(ChannelPair.message(1), late); // after close: the handle is closed, nothing throws
        assertFalse(TestFds.isOpen(late[0]), "a handle sent after close must be closed");
        assertEquals(0, p.a.queuedBytes());
        assertEquals(0, p.a.queuedHandles());
        p.close();
        TestFds.assertNoLeak(baseline);
    }

    @Test
    void onWritableFiresOnceTheBacklogDrains() throws Exception {
        CountDownLatch writable = new CountDownLatch(1);
        RecordingListener aEvents = countingDownOnWritable(writable);
        try (ChannelPair p = new ChannelPair(Limits.DEFAULT, aEvents, new RecordingListener())) {
            p.b.setReadPaused(true);
            ByteBuffer chunk = ByteBuffer.allocate(256 * 1024);
            while (p.a.queuedBytes() <= UnixFrameChannel.HIGH_WATER_BYTES) {
                p.a.send(ChannelPair.message(chunk), null);
            }
            TestFds.drain(p.a);
            assertTrue(p.a.queuedBytes() > UnixFrameChannel.LOW_WATER_BYTES, "a paused reader must hold the backlog");
            assertEquals(0, aEvents.writableCalls.get());
            p.b.setReadPaused(false);
            assertTrue(writable.await(10, TimeUnit.SECONDS), "onWritable did not fire");
            assertTrue(p.a.queuedBytes() < UnixFrameChannel.LOW_WATER_BYTES);
        }
        assertEquals(1, aEvents.writableCalls.get());
    }

    @Test
    void queuedFdsCountAsBacklogUntilTheKernelHasThem() throws Exception {
        var baseline = TestFds.snapshot();
        Path file = dir.resolve("many");
        Files.writeString(file, "x");
        CountDownLatch writable = new CountDownLatch(1);
        RecordingListener aEvents = countingDownOnWritable(writable);
        RecordingListener bEvents = new RecordingListener();
        try (ChannelPair p = new ChannelPair(Limits.DEFAULT, aEvents, bEvents)) {
            p.b.setReadPaused(true);
            // tiny frames: the byte backlog stays far below its mark, the fds do not
            int sent = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (p.a.queuedHandles() <= UnixFrameChannel.HIGH_WATER_HANDLES && System.nanoTime() < deadline) {
                try (FileInputStream in = new FileInputStream(file.toFile())) {
                    p.a.send(ChannelPair.message(1), new long[] {OPS.duplicate(in.getFD())});
                }
                sent++;
                if (sent % 64 == 0) {
                    TestFds.drain(p.a);
                }
            }
            assertTrue(p.a.queuedHandles() > UnixFrameChannel.HIGH_WATER_HANDLES, "fds never queued up: " + p.a.queuedHandles());
            assertTrue(p.a.queuedBytes() < UnixFrameChannel.HIGH_WATER_BYTES);
            p.b.setReadPaused(false);
            assertTrue(writable.await(20, TimeUnit.SECONDS), "onWritable did not fire");
            assertTrue(p.a.queuedHandles() < UnixFrameChannel.LOW_WATER_HANDLES);
            for (int i = 0; i < sent; i++) {
                for (long h : bEvents.take().handles()) {
                    OPS.close(h);
                }
            }
            assertEquals(0, p.a.queuedHandles());
        }
        TestFds.assertNoLeak(baseline);
    }

    @Test
    void invalidSendsThrowAndCloseTheHandles() throws Exception {
        var baseline = TestFds.snapshot();
        try (ChannelPair p = new ChannelPair(Limits.withMaxPayload(1024))) {
            long[] tooMany = new long[Limits.HANDLE_CAP + 1];
            for (int i = 0; i < tooMany.length; i++) {
                tooMany[i] = openFile("f" + i, "x");
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> p.a.send(ChannelPair.message(1), tooMany));
            assertTrue(e.getMessage().contains("61 handles"), e.getMessage());

            long[] one = {openFile("big", "x")};
            e = assertThrows(IllegalArgumentException.class, () -> p.a.send(ChannelPair.message(ByteBuffer.allocate(2048)), one));
            assertTrue(e.getMessage().contains("exceeds the limit"), e.getMessage());

            long fd = openFile("twice", "x");
            e = assertThrows(IllegalArgumentException.class, () -> p.a.send(ChannelPair.message(1), new long[] {fd, fd}));
            assertTrue(e.getMessage().contains("appears twice"), e.getMessage());

            long closedFd = openFile("closed", "x");
            OPS.close(closedFd);
            e = assertThrows(IllegalArgumentException.class, () -> p.a.send(ChannelPair.message(1), new long[] {closedFd}));
            assertTrue(e.getMessage().contains("not an open file descriptor"), e.getMessage());

            // The channel is still usable.
            p.a.send(ChannelPair.message(7), null);
            assertEquals(7, p.bEvents.take().payload().getInt(0));
        }
        TestFds.assertNoLeak(baseline);
    }

    @Test
    void openTakesOwnershipEvenWhenItFails() throws Exception {
        var baseline = TestFds.snapshot();
        long file = openFile("not-a-socket", "x");
        IOException e = assertThrows(IOException.class,
                () -> UnixFrameChannel.open(file, Limits.DEFAULT, new RecordingListener(), OPS));
        assertTrue(e.getMessage().contains("not an AF_UNIX stream socket"), e.getMessage());
        assertFalse(TestFds.isOpen(file));
        TestFds.assertNoLeak(baseline);
    }

    @Test
    void describeNamesTheFd() throws Exception {
        long[] fds = UnixSocketPairs.create();
        RecordingListener events = new RecordingListener();
        UnixFrameChannel ch = UnixFrameChannel.open(fds[0], Limits.DEFAULT, events, OPS);
        assertEquals("unix fd " + fds[0], ch.describe());
        ch.close();
        ch.close(); // idempotent
        assertEquals(CloseReason.Kind.LOCAL, events.awaitClosed().kind());
        TestFds.drain(ch);
        assertEquals(1, events.closeCalls.get());
        assertFalse(TestFds.isOpen(fds[0]), "the channel owns its fd and closes it");
        OPS.close(fds[1]);
    }

    @Test
    void listenerMayCloseFromOnFrameAndGetsNothingAfterwards() throws Exception {
        RecordingListener bEvents = new RecordingListener();
        UnixFrameChannel[] self = new UnixFrameChannel[1];
        RecordingListener closing = new RecordingListener() {
            @Override
            public void onFrame(dev.switchboard.ipc.wire.FrameHeader header, FrameBody body, long[] handles) {
                super.onFrame(header, body, handles);
                self[0].close(); // set before b sends anything
            }
        };
        try (ChannelPair p = new ChannelPair(Limits.DEFAULT, closing, bEvents)) {
            self[0] = p.a;
            for (int i = 0; i < 100; i++) {
                p.b.send(ChannelPair.message(i), null);
            }
            assertEquals(CloseReason.Kind.LOCAL, closing.awaitClosed().kind());
            assertEquals(1, closing.frames.size(), "frames delivered after close()");
            assertEquals(List.of(), closing.violations);
        }
    }

    @Test
    void sendFromManyThreadsKeepsEachThreadsOrder() throws Exception {
        int threads = 4;
        int perThread = 500;
        try (ChannelPair p = new ChannelPair(Limits.DEFAULT)) {
            Thread[] senders = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                int id = t;
                senders[t] = new Thread(() -> {
                    for (int i = 0; i < perThread; i++) {
                        p.a.send(ChannelPair.message(id << 16 | i), null);
                    }
                });
                senders[t].start();
            }
            for (Thread t : senders) {
                t.join();
            }
            int[] next = new int[threads];
            for (int n = 0; n < threads * perThread; n++) {
                int v = p.bEvents.take().payload().getInt(0);
                int t = v >>> 16;
                assertEquals(next[t]++, v & 0xffff, "order of thread " + t);
            }
            assertArrayEquals(new int[] {perThread, perThread, perThread, perThread}, next);
        }
    }
}
