package dev.switchboard.ipc.transport.unix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.ports.EventCodec;
import dev.switchboard.ipc.spi.CloseReason;
import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.FrameCodec;
import dev.switchboard.ipc.wire.FrameHeader;
import dev.switchboard.ipc.wire.Limits;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SortedMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Large user payloads: written from the sender's array and read straight into an array of their
 * own. The bytes must come out as they went in, split after the event header, with the fds and
 * padding rules as strict as on the ordinary path.
 */
class DirectPayloadTest {

    private static final UnixHandleOps OPS = ChannelPair.OPS;

    @TempDir
    Path dir;

    @BeforeAll
    static void warmUp() throws Exception {
        ChannelPair.warmUp();
    }

    /** Remembers, per frame, whether the payload came as an array of its own. */
    private static final class SplitRecorder extends RecordingListener {
        final ConcurrentLinkedQueue<Boolean> ownArray = new ConcurrentLinkedQueue<>();

        @Override
        public void onFrame(FrameHeader header, FrameBody body, long[] handles) {
            if (body instanceof FrameBody.Event e) {
                ByteBuffer t = e.tail();
                ownArray.add(t.hasArray() && t.arrayOffset() == 0 && t.position() == 0 && t.remaining() == t.array().length
                        && t.remaining() > 0);
            }
            super.onFrame(header, body, handles);
        }
    }

    /** A USER_MESSAGE event header (docs/protocol.md §6) with {@code ports} zeroed descriptors. */
    private static ByteBuffer eventHeader(int ports) {
        ByteBuffer b = ByteBuffer.allocate(EventCodec.USER_MESSAGE_FIXED_SIZE + ports * EventCodec.DESCRIPTOR_SIZE)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, (byte) 0x01);
        b.putShort(EventCodec.USER_MESSAGE_FIXED_SIZE - 2, (short) ports);
        return b;
    }

    private static byte[] payload(int size, int seed) {
        byte[] p = new byte[size];
        for (int i = 0; i < size; i++) {
            p[i] = (byte) (i * 31 + seed);
        }
        return p;
    }

    private static byte[] concat(ByteBuffer a, byte[] b) {
        byte[] out = new byte[a.remaining() + b.length];
        a.duplicate().get(out, 0, a.remaining());
        System.arraycopy(b, 0, out, a.remaining(), b.length);
        return out;
    }

    private static byte[] bytesOf(RecordingListener.Frame f) {
        ByteBuffer p = f.payload();
        byte[] out = new byte[p.remaining()];
        p.duplicate().get(out);
        return out;
    }

    private static byte[] encoded(FrameBody body, int handles) {
        ByteBuffer b = ByteBuffer.allocate(FrameCodec.encodedLength(body));
        FrameCodec.encode(body, handles, b);
        return b.array();
    }

    @Test
    void largePayloadsArriveIntactWithTheirFdsAndPadding() throws Exception {
        SortedMap<Integer, String> baseline = TestFds.snapshot();
        SplitRecorder received = new SplitRecorder();
        int[] sizes = {(1 << 20) + 5, 64 * 1024 + 3, 100, 3 << 20, (1 << 20) + 1};
        int[] ports = {0, 1, 0, 2, 0};
        boolean[] withFd = {true, false, true, false, true};
        List<byte[]> expected = new ArrayList<>();
        try (ChannelPair p = new ChannelPair(Limits.DEFAULT, new RecordingListener(), received)) {
            for (int i = 0; i < sizes.length; i++) {
                ByteBuffer header = eventHeader(ports[i]);
                byte[] payload = payload(sizes[i], i);
                expected.add(concat(header, payload));
                long[] handles = new long[0];
                if (withFd[i]) {
                    long[] pair = UnixSocketPairs.create();
                    OPS.close(pair[1]);
                    handles = new long[] {pair[0]};
                }
                p.a.send(new FrameBody.Event(header, ByteBuffer.wrap(payload)), handles);
            }
            for (int i = 0; i < sizes.length; i++) {
                RecordingListener.Frame f = received.take();
                assertArrayEquals(expected.get(i), bytesOf(f), "frame " + i);
                assertEquals(withFd[i] ? 1 : 0, f.handles().length, "frame " + i);
                for (long h : f.handles()) {
                    assertTrue(TestFds.isCloexec(h));
                    OPS.close(h);
                }
            }
            List<Boolean> split = new ArrayList<>(received.ownArray);
            // Megabyte frames cannot fit into one ordinary read, so their payloads must have been read directly.
            assertEquals(List.of(true, true, true), List.of(split.get(0), split.get(3), split.get(4)), split.toString());
            assertEquals(false, split.get(2), "a small payload stays in the cumulation");
        }
        assertEquals(List.of(), received.violations);
        TestFds.assertNoLeak(baseline);
    }

    @Test
    void aBodyThatIsNoUserMessageIsNotSplit() throws Exception {
        SplitRecorder received = new SplitRecorder();
        try (ChannelPair p = new ChannelPair(Limits.DEFAULT, new RecordingListener(), received)) {
            ByteBuffer header = eventHeader(0);
            header.putShort(EventCodec.USER_MESSAGE_FIXED_SIZE - 2, (short) (EventCodec.MAX_PORTS_PER_MESSAGE + 1));
            byte[] payload = payload(1 << 20, 7);
            p.a.send(new FrameBody.Event(header, ByteBuffer.wrap(payload)), new long[0]);
            RecordingListener.Frame f = received.take();
            assertArrayEquals(concat(header, payload), bytesOf(f));
            assertEquals(List.of(false), new ArrayList<>(received.ownArray), "the event codec, not the transport, rejects it");
        }
    }

    // ------------------------------------------------------------------ a hostile peer

    private record Hostile(UnixFrameChannel channel, RecordingListener events, RawPeer peer) {}

    private Hostile hostile() throws Exception {
        long[] fds = UnixSocketPairs.create();
        RecordingListener events = new RecordingListener();
        return new Hostile(UnixFrameChannel.open(fds[0], Limits.DEFAULT, events, OPS), events, new RawPeer(fds[1]));
    }

    private static void expectProtocolError(Hostile h, String detail) throws Exception {
        CloseReason reason = h.events().awaitClosed();
        assertEquals(CloseReason.Kind.PROTOCOL_ERROR, reason.kind(), reason.toString());
        assertTrue(reason.detail().contains(detail), "reason '" + reason.detail() + "' does not contain '" + detail + "'");
        assertEquals(0, h.events().frames.size(), "nothing of the bad frame is delivered");
    }

    private static void finish(Hostile h, SortedMap<Integer, String> baseline) throws Exception {
        h.peer().close();
        h.channel().close();
        h.events().awaitClosed();
        TestFds.drain(h.channel());
        assertEquals(List.of(), h.events().violations);
        TestFds.assertNoLeak(baseline);
    }

    /** A large user-message frame, as bytes, payload of {@code size} (odd, so there is padding). */
    private static byte[] largeFrame(int size) {
        return encoded(new FrameBody.Event(eventHeader(0), ByteBuffer.wrap(payload(size, 1))), 0);
    }

    @Test
    void fdsInTheMiddleOfADirectPayload() throws Exception {
        SortedMap<Integer, String> baseline = TestFds.snapshot();
        Path f = dir.resolve("attached");
        Files.writeString(f, "attached");
        Hostile h = hostile();
        try (FileInputStream file = new FileInputStream(f.toFile())) {
            byte[] whole = largeFrame((1 << 20) + 1);
            h.peer().write(Arrays.copyOf(whole, 300_000));
            FileDescriptor[] two = {file.getFD(), file.getFD()};
            h.peer().write(Arrays.copyOfRange(whole, 300_000, 400_000), two);
            expectProtocolError(h, "fds without a frame: 2 fds arrived with stream bytes [");
        }
        finish(h, baseline);
    }

    @Test
    void nonzeroPaddingAfterADirectPayload() throws Exception {
        SortedMap<Integer, String> baseline = TestFds.snapshot();
        Hostile h = hostile();
        byte[] whole = largeFrame((1 << 20) + 1);
        whole[whole.length - 1] = 9;
        h.peer().write(whole);
        expectProtocolError(h, "nonzero padding byte 0x09 at offset " + (whole.length - 1) + " (frame at offset 0)");
        finish(h, baseline);
    }

    @Test
    void endOfStreamInsideADirectPayload() throws Exception {
        SortedMap<Integer, String> baseline = TestFds.snapshot();
        Hostile h = hostile();
        byte[] whole = largeFrame(1 << 20);
        h.peer().write(Arrays.copyOf(whole, 500_000));
        h.peer().close();
        int paddedBody = whole.length - FrameHeader.SIZE;
        expectProtocolError(h, "connection closed mid-frame: truncated body, " + (500_000 - FrameHeader.SIZE) + " of " + paddedBody
                + " bytes (frame at offset 0)");
        finish(h, baseline);
    }
}
