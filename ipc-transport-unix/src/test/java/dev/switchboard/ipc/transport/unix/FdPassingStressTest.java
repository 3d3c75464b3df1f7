package dev.switchboard.ipc.transport.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.spi.CloseReason;
import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.FrameHeader;
import dev.switchboard.ipc.wire.Limits;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FdPassingStressTest {

    private static final UnixHandleOps OPS = ChannelPair.OPS;
    private static final int FRAMES = 10_000;

    @TempDir
    Path dir;

    @BeforeAll
    static void warmUp() throws Exception {
        ChannelPair.warmUp();
    }

    /**
     * One fd per frame while the reader is paused, so the socket buffer fills and writes carrying
     * fds return 0 (which makes junixsocket drop the armed fds). Every fd must still arrive, in
     * order, and refer to its own file.
     */
    @Test
    void tenThousandFdsOnePerFrameWithTheReaderPaused() throws Exception {
        List<Path> files = new ArrayList<>(FRAMES);
        for (int i = 0; i < FRAMES; i++) {
            Path f = dir.resolve("f" + i);
            Files.writeString(f, "file-" + i);
            files.add(f);
        }
        var baseline = TestFds.snapshot();

        CountDownLatch all = new CountDownLatch(FRAMES);
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        RecordingListener receiverEvents = new RecordingListener() {
            private int next;

            @Override
            public void onFrame(FrameHeader header, FrameBody body, long[] handles) {
                int index = ((FrameBody.Event) body).bytes().getInt(0);
                if (index != next || handles.length != 1) {
                    problems.add("frame " + next + ": got index " + index + " with " + handles.length + " handles");
                }
                next++;
                for (long h : handles) {
                    // Reading through the received fd proves it is the file the sender attached.
                    try (FileInputStream in = new FileInputStream(OPS.toFileDescriptor(h))) { // closes h
                        String content = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                        if (!content.equals("file-" + index)) {
                            problems.add("frame " + index + " carried the fd of " + content);
                        }
                    } catch (IOException e) {
                        problems.add("frame " + index + ": " + e);
                    }
                }
                all.countDown();
            }
        };
        try (ChannelPair p = new ChannelPair(Limits.DEFAULT, new RecordingListener(), receiverEvents)) {
            p.b.setReadPaused(true);
            for (int i = 0; i < FRAMES; i++) {
                long fd;
                try (FileInputStream in = new FileInputStream(files.get(i).toFile())) {
                    fd = OPS.duplicate(in.getFD());
                }
                p.a.send(ChannelPair.message(i), new long[] {fd}); // a owns fd from here
            }
            TestFds.drain(p.a); // every send's write task has run against the full socket
            assertTrue(p.a.zeroLengthFdWrites() > 0, "no write with fds ever returned 0: the test did not fill the socket");
            assertTrue(p.a.queuedBytes() > 0);

            p.b.setReadPaused(false);
            assertTrue(all.await(30, TimeUnit.SECONDS), "only " + (FRAMES - all.getCount()) + " frames arrived; closed: "
                    + receiverEvents.closed.getNow(null));
            assertEquals(List.of(), problems);
            assertEquals(0, p.a.queuedBytes());
            assertEquals(List.of(), receiverEvents.violations);
        }
        TestFds.assertNoLeak(baseline);
    }

    /**
     * A peer that writes its last frames and closes at once makes poll() report POLLHUP; the
     * frames still in the socket buffer must be read before the channel closes.
     */
    @Test
    void framesWrittenJustBeforeThePeerClosesAllArrive() throws Exception {
        long[] fds = UnixSocketPairs.create();
        RecordingListener events = new RecordingListener();
        UnixFrameChannel channel = UnixFrameChannel.open(fds[0], Limits.DEFAULT, events, OPS);
        int frames = 500;
        try (RawPeer peer = new RawPeer(fds[1])) {
            for (int i = 0; i < frames; i++) {
                peer.write(FrameCodecBytes.message(i));
            }
        } // closed right after the last write, while the reader is probably still reading
        CloseReason reason = events.awaitClosed();
        assertEquals(CloseReason.Kind.PEER_CLOSED, reason.kind(), reason.toString());
        assertEquals(frames, events.frames.size());
        for (int i = 0; i < frames; i++) {
            assertEquals(i, events.frames.poll().payload().getInt(0));
        }
        TestFds.drain(channel);
    }

    /**
     * More than 60 fds on one sendmsg: more than any frame may carry. The channel receives all of
     * them (its control buffer holds the kernel's maximum), closes every one and fails with a
     * protocol error.
     */
    @Test
    void moreThanSixtyFdsOnOneWriteIsAProtocolError() throws Exception {
        java.util.SortedMap<Integer, String> baseline = TestFds.snapshot();
        long[] fds = UnixSocketPairs.create();
        RecordingListener events = new RecordingListener();
        UnixFrameChannel channel = UnixFrameChannel.open(fds[0], Limits.DEFAULT, events, OPS);
        Path f = dir.resolve("many");
        Files.writeString(f, "x");
        try (RawPeer peer = new RawPeer(fds[1]); FileInputStream in = new FileInputStream(f.toFile())) {
            java.io.FileDescriptor[] many = new java.io.FileDescriptor[61];
            java.util.Arrays.fill(many, in.getFD());
            peer.write(FrameCodecBytes.message(1), many);
            CloseReason reason = events.awaitClosed();
            assertEquals(CloseReason.Kind.PROTOCOL_ERROR, reason.kind(), reason.toString());
            assertTrue(reason.detail().contains("61 fds arrived with one write"), reason.detail());
        }
        TestFds.drain(channel);
        assertEquals(List.of(), events.violations);
        TestFds.assertNoLeak(baseline);
    }
}
