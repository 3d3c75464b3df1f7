package dev.switchboard.ipc.transport.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.spi.CloseReason;
import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.FrameCodec;
import dev.switchboard.ipc.wire.Limits;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SortedMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Children that attach descriptors the protocol does not allow (docs/protocol.md §3). Every
 * descriptor the kernel installs in this process must be closed, whatever the error, and the
 * channel must fail with a precise reason.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostileFdChildTest {

    private static final int CHILDREN = 5;

    @TempDir
    Path dir;

    @BeforeAll
    static void warmUp(@TempDir Path tmp) throws Exception {
        ChannelPair.warmUp();
        HostileChild.warmUp(tmp);
    }

    /** 61 fds: one more than a frame may carry, and one more than junixsocket could receive. */
    @Test
    void sixtyOneFdsOnOneWrite() throws Exception {
        List<String> reasons = run(61, 1, frame(60));
        for (String r : reasons) {
            assertTrue(r.contains("61 fds arrived with one write (stream bytes [0, 40)); at most 60 may come with a frame"), r);
        }
    }

    /** The most the kernel passes with one sendmsg. */
    @Test
    void twoHundredFiftyThreeFdsOnOneWrite() throws Exception {
        List<String> reasons = run(SocketIo.SCM_MAX_FD, 1, frame(60));
        for (String r : reasons) {
            assertTrue(r.contains("253 fds arrived with one write"), r);
        }
    }

    /**
     * The first byte of a frame header per write, 60 fds on each: the second batch arrives where no
     * frame can start (a frame is at least 16 bytes), so it can never be claimed, and the channel
     * fails at once rather than holding 60 fds per byte.
     */
    @Test
    void fdsOnEveryByteOfAHeader() throws Exception {
        List<String> reasons = run(60, 15, frame(60));
        for (String r : reasons) {
            assertTrue(r.contains("fds without a frame: 60 fds arrived with stream bytes [1, 2)"), r);
        }
    }

    /**
     * Starts {@link #CHILDREN} children at once, each sending {@code writes} writes with {@code n}
     * fds; every channel must fail with a protocol error, and no fd may stay open here.
     */
    private List<String> run(int n, int writes, byte[] data) throws Exception {
        SortedMap<Integer, String> baseline = TestFds.snapshot();
        List<HostileChild> children = new ArrayList<>();
        List<RecordingListener> events = new ArrayList<>();
        List<UnixFrameChannel> channels = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        try {
            for (int i = 0; i < CHILDREN; i++) {
                HostileChild c = HostileChild.start(dir, HostileChild.SEND_THEN_WAIT, Integer.toString(n), Integer.toString(writes), HexFormat.of().formatHex(data));
                children.add(c);
                RecordingListener l = new RecordingListener();
                events.add(l);
                channels.add(UnixFrameChannel.open(c.parentEnd, Limits.DEFAULT, l, ChannelPair.OPS));
            }
            for (int i = 0; i < CHILDREN; i++) {
                CloseReason reason = events.get(i).awaitClosed();
                assertEquals(CloseReason.Kind.PROTOCOL_ERROR, reason.kind(), reason.toString());
                assertEquals(0, events.get(i).frames.size(), "nothing is delivered from a rejected read");
                assertEquals(List.of(), events.get(i).violations);
                reasons.add(reason.detail());
                children.get(i).awaitExit(); // it saw the channel close
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
        return reasons;
    }

    /** A well-formed EVENT frame that declares {@code handles}. */
    private static byte[] frame(int handles) {
        FrameBody body = ChannelPair.message(ByteBuffer.allocate(20));
        ByteBuffer b = ByteBuffer.allocate(FrameCodec.encodedLength(body));
        FrameCodec.encode(body, handles, b);
        return b.array();
    }
}
