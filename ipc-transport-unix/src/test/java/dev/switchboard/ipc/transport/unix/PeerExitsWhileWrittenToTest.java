package dev.switchboard.ipc.transport.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child writes its last frames, closes its end and exits at once, while this side keeps
 * writing to it (docs/protocol.md §7). The child leaves some of our bytes unread, so the kernel
 * turns its close into ECONNRESET for us, and our writes fail with EPIPE: neither may cost a
 * single frame the child sent. Every frame must arrive, in order, before PEER_CLOSED.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PeerExitsWhileWrittenToTest {

    /** Before the fix, 20 runs lost frames in 6 (write: AsynchronousCloseException / EPIPE). */
    private static final int RUNS = 30;
    private static final int LAST_FRAMES = 5;

    /**
     * Waits until this side's writes have started arriving, reads what is there (leaving the
     * frames that arrive after, unread), writes its frames in one go and exits: the exit closes fd 3.
     */
    private static final String CHILD = String.join("\n",
            "import os, select, socket, sys",
            "s = socket.socket(fileno=3)",
            "select.select([s], [], [])",
            "s.setblocking(False)",
            "try:",
            "    while s.recv(1 << 16): pass",
            "except BlockingIOError: pass",
            "s.setblocking(True)",
            "s.sendall(bytes.fromhex(sys.argv[1]))",
            "os._exit(0)");

    @TempDir
    Path dir;

    @BeforeAll
    static void warmUp(@TempDir Path tmp) throws Exception {
        ChannelPair.warmUp();
        HostileChild.warmUp(tmp);
    }

    @Test
    void everyFrameTheChildWroteArrivesBeforePeerClosed() throws Exception {
        SortedMap<Integer, String> baseline = TestFds.snapshot();
        String frames = HexFormat.of().formatHex(lastFrames());
        List<String> failures = new ArrayList<>();
        for (int run = 0; run < RUNS; run++) {
            String failure = oneRun(frames);
            if (failure != null) {
                failures.add("run " + run + ": " + failure);
            }
        }
        assertEquals(List.of(), failures, failures.size() + " of " + RUNS + " runs lost frames");
        TestFds.assertNoLeak(baseline);
    }

    private String oneRun(String frames) throws Exception {
        try (HostileChild child = HostileChild.start(dir, CHILD, frames)) {
            RecordingListener events = new RecordingListener();
            UnixFrameChannel channel = UnixFrameChannel.open(child.parentEnd, Limits.DEFAULT, events, ChannelPair.OPS);
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> {
                // Small frames, never more than a few queued: this side is writing when the child goes.
                while (!stop.get() && !events.closed.isDone()) {
                    if (channel.queuedBytes() < 4096) {
                        channel.send(ChannelPair.message(ByteBuffer.allocate(200)), new long[0]);
                    } else {
                        LockSupport.parkNanos(20_000);
                    }
                }
            }, "writer");
            writer.start();
            try {
                CloseReason reason = events.awaitClosed();
                child.awaitExit();
                List<Integer> got = new ArrayList<>();
                RecordingListener.Frame f;
                while ((f = events.frames.poll()) != null) {
                    got.add(f.payload().getInt(0));
                }
                if (!got.equals(List.of(0, 1, 2, 3, 4)) || reason.kind() != CloseReason.Kind.PEER_CLOSED) {
                    return "got frames " + got + ", then " + reason;
                }
                assertEquals(List.of(), events.violations);
                return null;
            } finally {
                stop.set(true);
                writer.join();
                channel.close();
                TestFds.drain(channel);
            }
        }
    }

    private static byte[] lastFrames() {
        ByteBuffer all = ByteBuffer.allocate(LAST_FRAMES * 64);
        for (int i = 0; i < LAST_FRAMES; i++) {
            FrameBody body = ChannelPair.message(i);
            ByteBuffer b = ByteBuffer.allocate(FrameCodec.encodedLength(body));
            FrameCodec.encode(body, 0, b);
            all.put(b.flip());
        }
        byte[] out = new byte[all.position()];
        all.flip().get(out);
        return out;
    }
}
