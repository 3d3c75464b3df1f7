package dev.switchboard.ipc.transport.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.spi.CloseReason;
import dev.switchboard.ipc.wire.FrameHeader;
import dev.switchboard.ipc.wire.FrameType;
import dev.switchboard.ipc.wire.Limits;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SortedMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Children that start a frame and go silent (docs/protocol.md §9). What they declare must not
 * cost memory they did not send, and what they did send (bytes, fds) must not stay pinned: the
 * frame timeout drops them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SilentPeerTest {

    /** 64 MiB of user payload, as the default limit allows. */
    private static final int DECLARED_PAYLOAD = Limits.DEFAULT_MAX_PAYLOAD;
    private static final int USER_MESSAGE_HEADER = 43;
    private static final Duration SHORT = Duration.ofMillis(300);

    @TempDir
    Path dir;

    @BeforeAll
    static void warmUp(@TempDir Path tmp) throws Exception {
        ChannelPair.warmUp();
        HostileChild.warmUp(tmp);
    }

    /**
     * Four children each send the 59 bytes that start a 64 MiB user message: a frame header and
     * the event header. The payload array must grow with what arrives (nothing, here), not be
     * allocated at the declared size: before, each such child pinned 64 MiB of this side's heap.
     */
    @Test
    void aDeclaredPayloadIsNotAllocatedBeforeItArrives() throws Exception {
        SortedMap<Integer, String> baseline = TestFds.snapshot();
        List<HostileChild> children = new ArrayList<>();
        List<UnixFrameChannel> channels = new ArrayList<>();
        List<RecordingListener> events = new ArrayList<>();
        byte[] start = userMessageStart(DECLARED_PAYLOAD);
        assertEquals(59, start.length);
        try {
            for (int i = 0; i < 4; i++) {
                HostileChild c = HostileChild.start(dir, HostileChild.SEND_THEN_WAIT, "0", "1", HexFormat.of().formatHex(start));
                children.add(c);
                RecordingListener l = new RecordingListener();
                events.add(l);
                channels.add(UnixFrameChannel.open(c.parentEnd, Limits.DEFAULT, l, ChannelPair.OPS));
            }
            long held = 0;
            for (UnixFrameChannel ch : channels) {
                awaitBytesRead(ch, start.length);
                long h = onIoThread(ch, ch::bytesHeldForPartialFrame);
                assertTrue(h > 0 && h <= DirectPayload.FIRST_STEP_BYTES + 64 * 1024,
                        "a channel holds " + h + " bytes for a frame of which 59 bytes arrived");
                held += h;
            }
            assertTrue(held <= 4L * (DirectPayload.FIRST_STEP_BYTES + 64 * 1024), "held " + held);
            for (RecordingListener l : events) {
                assertEquals(0, l.frames.size());
                assertTrue(!l.closed.isDone(), "the default frame timeout has not passed: " + l.closed.getNow(null));
            }
        } finally {
            for (UnixFrameChannel ch : channels) {
                ch.close();
                TestFds.drain(ch);
            }
            for (HostileChild c : children) {
                c.close();
            }
        }
        TestFds.assertNoLeak(baseline);
    }

    /** The same child, with a short frame timeout: the channel fails with a precise reason. */
    @Test
    void aFrameLeftIncompleteFailsTheChannelAfterTheFrameTimeout() throws Exception {
        byte[] start = userMessageStart(DECLARED_PAYLOAD);
        CloseReason reason = runSilent(0, start);
        assertEquals("frame at offset 0 incomplete for 300 ms: 59 of " + FrameHeader.padded(FrameHeader.SIZE + USER_MESSAGE_HEADER + DECLARED_PAYLOAD)
                + " bytes", reason.detail());
    }

    /** A header's first 20 bytes with its 60 fds, then silence: the timeout closes the 60 fds. */
    @Test
    void fdsOfAnIncompleteFrameAreClosedByTheFrameTimeout() throws Exception {
        byte[] start = java.util.Arrays.copyOf(userMessageStart(1000), 20);
        ByteBuffer.wrap(start).order(ByteOrder.LITTLE_ENDIAN).putShort(6, (short) 60);
        CloseReason reason = runSilent(60, start);
        assertTrue(reason.detail().startsWith("frame at offset 0 incomplete for 300 ms: 20 of "), reason.detail());
    }

    /** One child sends {@code bytes} with {@code fds} fds and goes silent; returns why the channel closed. */
    private CloseReason runSilent(int fds, byte[] bytes) throws Exception {
        SortedMap<Integer, String> baseline = TestFds.snapshot();
        RecordingListener events = new RecordingListener();
        UnixFrameChannel channel = null;
        CloseReason reason;
        try (HostileChild c = HostileChild.start(dir, HostileChild.SEND_THEN_WAIT, Integer.toString(fds), "1", HexFormat.of().formatHex(bytes))) {
            channel = UnixFrameChannel.open(c.parentEnd, Limits.DEFAULT.withFrameTimeout(SHORT), events, ChannelPair.OPS);
            reason = events.awaitClosed();
            assertEquals(CloseReason.Kind.PROTOCOL_ERROR, reason.kind(), reason.toString());
            assertEquals(0, events.frames.size());
            c.awaitExit(); // it saw the channel close
        } finally {
            if (channel != null) {
                channel.close();
                TestFds.drain(channel);
            }
        }
        assertEquals(List.of(), events.violations);
        TestFds.assertNoLeak(baseline);
        return reason;
    }

    /** Frame header and USER_MESSAGE event header (no ports) of an EVENT frame with {@code payload} bytes of payload. */
    private static byte[] userMessageStart(int payload) {
        ByteBuffer b = ByteBuffer.allocate(FrameHeader.SIZE + USER_MESSAGE_HEADER).order(ByteOrder.LITTLE_ENDIAN);
        new FrameHeader(FrameType.EVENT, 0, FrameHeader.SIZE + USER_MESSAGE_HEADER + payload).writeTo(b);
        b.put((byte) 0x01); // USER_MESSAGE
        b.putLong(1).putLong(2); // target port
        b.putLong(3).putLong(4); // sending port
        b.putLong(1); // sequence number
        b.putShort((short) 0); // no ports
        return b.array();
    }

    private static void awaitBytesRead(UnixFrameChannel ch, long n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (onIoThread(ch, ch::bytesRead) < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the child's " + n + " bytes never arrived");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    private static long onIoThread(UnixFrameChannel ch, java.util.function.LongSupplier s) throws Exception {
        return ch.eventLoop().submit(s::getAsLong).get(10, TimeUnit.SECONDS);
    }
}
