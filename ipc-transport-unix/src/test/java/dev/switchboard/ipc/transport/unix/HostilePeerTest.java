package dev.switchboard.ipc.transport.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.spi.CloseReason;
import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.FrameCodec;
import dev.switchboard.ipc.wire.FrameHeader;
import dev.switchboard.ipc.wire.FrameType;
import dev.switchboard.ipc.wire.Id128;
import dev.switchboard.ipc.wire.Limits;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A raw writer on the far end of a socketpair sends bytes and fds that break the protocol; the
 * channel must close with PROTOCOL_ERROR and a precise reason, deliver nothing bad, and leak no fd.
 */
class HostilePeerTest {

    private static final UnixHandleOps OPS = ChannelPair.OPS;
    private static final Limits LIMITS = Limits.withMaxPayload(64 * 1024);

    @TempDir
    Path dir;

    private java.util.SortedMap<Integer, String> baseline;
    private RecordingListener events;
    private UnixFrameChannel channel;
    private RawPeer peer;
    private FileInputStream file;

    @BeforeAll
    static void warmUp() throws Exception {
        ChannelPair.warmUp();
    }

    @BeforeEach
    void open() throws IOException {
        baseline = TestFds.snapshot();
        Path f = dir.resolve("attached");
        Files.writeString(f, "attached");
        file = new FileInputStream(f.toFile());
        long[] fds = UnixSocketPairs.create();
        events = new RecordingListener();
        // Paused until the hostile bytes are all written, so every case reads them the same way.
        channel = UnixFrameChannel.open(fds[0], LIMITS, events, OPS);
        channel.setReadPaused(true);
        peer = new RawPeer(fds[1]);
    }

    @AfterEach
    void close() throws Exception {
        peer.close();
        file.close();
        channel.close();
        events.awaitClosed();
        TestFds.drain(channel);
        events.closeQueuedHandles(OPS);
        assertEquals(List.of(), events.violations);
        assertEquals(1, events.closeCalls.get());
        TestFds.assertNoLeak(baseline);
    }

    private CloseReason expectProtocolError(String detail) throws Exception {
        channel.setReadPaused(false);
        CloseReason reason = events.awaitClosed();
        assertEquals(CloseReason.Kind.PROTOCOL_ERROR, reason.kind(), reason.toString());
        assertTrue(reason.detail().contains(detail), "reason '" + reason.detail() + "' does not contain '" + detail + "'");
        return reason;
    }

    private FileDescriptor[] attached(int n) {
        FileDescriptor[] fds = new FileDescriptor[n];
        Arrays.fill(fds, fdOf(file)); // the same open file n times: the kernel installs n separate fds
        return fds;
    }

    private static FileDescriptor fdOf(FileInputStream in) {
        try {
            return in.getFD();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** A well-formed EVENT frame with a 16-byte prefix and {@code payload} bytes that declares {@code handles}. */
    private static byte[] frame(int payload, int handles) {
        FrameBody body = new FrameBody.Event(ByteBuffer.allocate(16 + payload));
        ByteBuffer b = ByteBuffer.allocate(FrameCodec.encodedLength(body));
        FrameCodec.encode(body, handles, b);
        return b.array();
    }

    private static byte[] header(int type, int handles, long frameLength) {
        ByteBuffer b = ByteBuffer.allocate(FrameHeader.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(FrameHeader.MAGIC).put((byte) FrameHeader.VERSION).put((byte) type).putShort((short) handles)
                .putInt((int) frameLength).putInt(0);
        return b.array();
    }

    @Test
    void badMagic() throws Exception {
        byte[] bytes = frame(4, 0);
        bytes[0] = 'X';
        peer.write(bytes);
        expectProtocolError("bad magic 0x4442575");
        assertEquals(0, events.frames.size());
    }

    @Test
    void truncatedHeaderThenEndOfStream() throws Exception {
        peer.write(Arrays.copyOf(frame(4, 0), 5));
        peer.close();
        expectProtocolError("connection closed mid-frame: truncated header, 5 of 16 bytes");
    }

    @Test
    void truncatedBodyThenEndOfStream() throws Exception {
        byte[] whole = frame(100, 0); // 16 header + 16 pipe id + 100 payload = 132, padded to 136
        peer.write(Arrays.copyOf(whole, 50));
        peer.close();
        expectProtocolError("connection closed mid-frame: truncated body, 34 of 120 bytes (frame at offset 0)");
    }

    @Test
    void lengthPastTheLimit() throws Exception {
        peer.write(header(FrameType.EVENT.code, 0, LIMITS.maxFrameBytes() + 1L));
        expectProtocolError("exceeds the limit of " + LIMITS.maxFrameBytes());
    }

    @Test
    void moreHandlesDeclaredThanTheLimit() throws Exception {
        peer.write(header(FrameType.EVENT.code, Limits.HANDLE_CAP + 1, 64));
        expectProtocolError("frame declares 61 handles, limit is 60");
    }

    @Test
    void handleCountLargerThanFdsReceived() throws Exception {
        peer.write(frame(4, 0)); // a good frame first: the bad one starts at offset 40
        peer.write(frame(8, 3), attached(1));
        expectProtocolError("frame at offset 40 declares 3 handles but 1 arrived with it");
        RecordingListener.Frame good = events.take();
        assertEquals(0, good.handles().length, "the frame before the violation is still delivered");
    }

    @Test
    void handlesDeclaredButNoFdsSent() throws Exception {
        peer.write(frame(8, 2));
        expectProtocolError("frame at offset 0 declares 2 handles but 0 arrived with it");
    }

    @Test
    void moreFdsThanTheFrameDeclares() throws Exception {
        peer.write(frame(8, 1), attached(2));
        expectProtocolError("frame at offset 0 declares 1 handle but 2 arrived with it");
    }

    @Test
    void fdsOnAFrameThatDeclaresNone() throws Exception {
        peer.write(frame(8, 0), attached(1));
        expectProtocolError("fds without a frame: 1 fd arrived with the frame at offset 0, which declares 0 handles");
    }

    @Test
    void fdsAttachedToPaddingOnly() throws Exception {
        byte[] whole = frame(4, 0); // 36 bytes of frame, 4 of padding
        assertEquals(40, whole.length);
        peer.write(Arrays.copyOf(whole, 36));
        peer.write(Arrays.copyOfRange(whole, 36, 40), attached(1));
        expectProtocolError("fds without a frame: 1 fd arrived with "); // one read or two, depending on timing
    }

    @Test
    void fdsAttachedToTheMiddleOfABody() throws Exception {
        byte[] whole = frame(10_000, 0);
        peer.write(Arrays.copyOf(whole, 4000));
        peer.write(Arrays.copyOfRange(whole, 4000, 5000), attached(2));
        // The rest never comes: the fds are an error as soon as they are seen, not at end of stream.
        expectProtocolError("fds without a frame: 2 fds arrived with stream bytes [");
    }

    @Test
    void nonzeroPadding() throws Exception {
        byte[] whole = frame(4, 0);
        whole[38] = 7;
        peer.write(whole);
        expectProtocolError("nonzero padding byte 0x07 at offset 38 (frame at offset 0)");
    }

    @Test
    void handlesOnAFrameTypeThatCannotCarryThem() throws Exception {
        FrameBody body = new FrameBody.Connect(Id128.random());
        ByteBuffer b = ByteBuffer.allocate(FrameCodec.encodedLength(body));
        FrameCodec.encode(body, 1, b);
        peer.write(b.array(), attached(1)); // the fd is claimed, then the codec rejects the frame
        expectProtocolError("CONNECT frame carries 1 handles; it must carry 0");
    }

    @Test
    void unknownFrameType() throws Exception {
        peer.write(header(0x7f, 0, 16));
        expectProtocolError("unknown frame type 0x7f");
    }

    @Test
    void cleanEndOfStreamAfterWholeFramesIsPeerClosed() throws Exception {
        peer.write(frame(4, 0));
        peer.write(frame(4, 1), attached(1));
        peer.close();
        channel.setReadPaused(false);
        CloseReason reason = events.awaitClosed();
        assertEquals(CloseReason.Kind.PEER_CLOSED, reason.kind(), reason.toString());
        assertEquals(2, events.frames.size(), "frames written before the peer closed must all arrive");
    }
}
