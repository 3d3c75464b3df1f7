package dev.switchboard.ipc.transport.unix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Platform;
import dev.switchboard.ipc.spi.SandboxOps;
import dev.switchboard.ipc.spi.SandboxOps.Packet;
import dev.switchboard.ipc.spi.SandboxOps.SocketKind;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The socket mechanics of the sandbox channel, on raw fds in one process. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class UnixSandboxOpsTest {

    private final SandboxOps ops = new UnixSandboxOps();
    private final List<Long> toClose = new ArrayList<>();
    private Map<Integer, String> fdsBefore;

    @BeforeAll
    static void linuxOnly() throws IOException {
        Assumptions.assumeTrue(Platform.isLinux(), "sandbox IPC is Linux only");
        // NIO keeps a socket of its own from the first FileChannel on; open it before counting
        FileChannel.open(Path.of("/proc/self/stat"), StandardOpenOption.READ).close();
    }

    @BeforeEach
    void countFds() throws IOException {
        fdsBefore = ourKinds();
    }

    @AfterEach
    void closeAndCheckLeaks() throws IOException {
        toClose.forEach(UnixSandboxOps::closeQuietly);
        Map<Integer, String> now = ourKinds();
        now.keySet().removeAll(fdsBefore.keySet());
        assertEquals(Map.of(), now, "descriptors left open by the test");
    }

    /**
     * Only the kinds of descriptor this code makes: the JVM opens and caches others lazily
     * (/dev/random, NIO's pre-close socket, cgroup files), which would make a full count flaky.
     */
    private static Map<Integer, String> ourKinds() throws IOException {
        Map<Integer, String> fds = RawFds.openFds();
        fds.values().removeIf(t -> !(t.startsWith("socket:") || t.startsWith("pipe:") || t.startsWith("/memfd:")));
        return fds;
    }

    private static boolean isCloexec(long fd) {
        int flags = LibC.fcntl((int) fd, LibC.F_GETFD);
        assertTrue(flags >= 0, "fcntl(F_GETFD) on fd " + fd + ": " + LibC.describeErrno(LibC.errno()));
        return (flags & LibC.FD_CLOEXEC) != 0;
    }

    private long[] pair() throws IOException {
        long[] p = ops.seqPacketPair();
        toClose.add(p[0]);
        toClose.add(p[1]);
        return p;
    }

    private long[] own(long[] fds) {
        for (long fd : fds) {
            toClose.add(fd);
        }
        return fds;
    }

    @Test
    void pairIsSeqPacketAndCloexec() throws IOException {
        long[] p = pair();
        assertEquals(SocketKind.SEQPACKET, ops.socketKind(p[0]));
        assertTrue(isCloexec(p[0]));
        assertTrue(isCloexec(p[1]));
        long[] pipe = own(ops.pipe());
        assertEquals(SocketKind.NOT_A_SOCKET, ops.socketKind(pipe[0]));
        assertTrue(isCloexec(pipe[0]));
        int[] stream = RawFds.socketPair();
        own(new long[] {stream[0], stream[1]});
        assertEquals(SocketKind.STREAM, ops.socketKind(stream[0]));
    }

    /** The shape SandboxIpcHost builds: what each end can no longer do, exactly. */
    @Test
    void shutDownEndsRefuseTheWrongDirection() throws IOException {
        long[] p = pair();
        long child = p[0];
        long host = p[1];
        ops.shutdown(child, true, false);
        ops.shutdown(host, false, true);

        // the child end reads end-of-file at once: readable, empty, no descriptors
        assertEquals(SandboxOps.READABLE, ops.await(new long[] {child}, 0)[0] & SandboxOps.READABLE);
        Packet eof = ops.receive(child, 64, 1);
        assertNotNull(eof);
        assertEquals(0, eof.data().length);
        assertEquals(0, eof.fds().length);

        // the host end cannot write
        IOException e = assertThrows(IOException.class, () -> ops.send(host, new byte[] {1}, new long[0], 0));
        assertTrue(e.getMessage().contains("errno 32"), e.getMessage()); // EPIPE

        // and the intended direction still works; the host end is not hung up
        ops.send(child, "req".getBytes(StandardCharsets.US_ASCII), new long[0], 0);
        assertEquals(SandboxOps.READABLE, ops.await(new long[] {host}, 1000)[0]);
        assertArrayEquals("req".getBytes(StandardCharsets.US_ASCII), ops.receive(host, 64, 1).data());
        assertNull(ops.receive(host, 64, 1), "nothing more queued");
    }

    @Test
    void descriptorsTravelAndArriveCloexec() throws IOException {
        long[] p = pair();
        long[] reply = pair();
        ops.send(p[0], new byte[] {1, 2, 3}, new long[] {reply[0]}, 0);
        Packet got = ops.receive(p[1], 64, 4);
        assertArrayEquals(new byte[] {1, 2, 3}, got.data());
        assertEquals(1, got.fds().length);
        own(got.fds());
        assertFalse(got.truncated());
        assertFalse(got.fdsTruncated());
        assertTrue(isCloexec(got.fds()[0]), "MSG_CMSG_CLOEXEC");
        // it is the same socket: what we write on the received copy comes out of reply[1]
        ops.send(got.fds()[0], new byte[] {9}, new long[0], 0);
        assertArrayEquals(new byte[] {9}, ops.receive(reply[1], 8, 0).data());
    }

    @Test
    void oversizedPacketIsReportedTruncated() throws IOException {
        long[] p = pair();
        byte[] big = new byte[1000];
        ops.send(p[0], big, new long[0], 0);
        Packet got = ops.receive(p[1], 100, 1);
        assertTrue(got.truncated());
        assertEquals(100, got.data().length);
        // exactly the limit is not truncated
        ops.send(p[0], new byte[100], new long[0], 0);
        assertFalse(ops.receive(p[1], 100, 1).truncated());
    }

    /** More fds than the buffer holds: the ones that fit are ours to close, the kernel drops the rest. */
    @Test
    void tooManyDescriptorsAreReportedAndNoneLeak() throws IOException {
        long[] p = pair();
        long[] five = new long[5];
        for (int i = 0; i < 5; i++) {
            five[i] = own(ops.pipe())[0];
        }
        ops.send(p[0], new byte[] {7}, five, 0);
        Packet got = ops.receive(p[1], 16, 2);
        own(got.fds());
        assertTrue(got.fdsTruncated());
        assertEquals(2, got.fds().length);
        // the leak check in @AfterEach proves the kernel closed the three that did not fit
    }

    @Test
    void zeroLengthPacketIsNotEndOfFile() throws IOException {
        long[] p = pair();
        ops.send(p[0], new byte[0], new long[0], 0);
        int[] r = ops.await(new long[] {p[1]}, 1000);
        assertEquals(SandboxOps.READABLE, r[0], "readable and not hung up");
        assertEquals(0, ops.receive(p[1], 8, 1).data().length);
        UnixSandboxOps.closeQuietly(p[0]);
        toClose.remove((Long) p[0]);
        assertEquals(SandboxOps.READABLE | SandboxOps.HANGUP, ops.await(new long[] {p[1]}, 1000)[0]);
    }

    @Test
    void awaitTimesOutAndSeesLifelineClose() throws IOException {
        long[] pipe = own(ops.pipe());
        long t0 = System.nanoTime();
        assertArrayEquals(new int[] {0}, ops.await(new long[] {pipe[0]}, 100));
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(90));
        UnixSandboxOps.closeQuietly(pipe[1]);
        toClose.remove((Long) pipe[1]);
        assertEquals(SandboxOps.HANGUP, ops.await(new long[] {pipe[0]}, 1000)[0] & SandboxOps.HANGUP);
    }

    @Test
    void sendTimesOutWhenTheBufferStaysFull() throws IOException {
        long[] p = pair();
        byte[] chunk = new byte[8192];
        int sent = 0;
        while (true) {
            try {
                ops.send(p[0], chunk, new long[0], 0);
                sent++;
            } catch (SocketTimeoutException full) {
                break;
            }
            assertTrue(sent < 100_000, "send buffer never filled");
        }
        long t0 = System.nanoTime();
        assertThrows(SocketTimeoutException.class, () -> ops.send(p[0], chunk, new long[0], 150));
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(waited >= 140 && waited < 2000, "waited " + waited + " ms");
        // draining one packet makes room again
        assertNotNull(ops.receive(p[1], chunk.length, 0));
        ops.send(p[0], chunk, new long[0], 1000);
    }

    @Test
    void sendToAClosedPeerFails() throws IOException {
        long[] p = pair();
        UnixSandboxOps.closeQuietly(p[1]);
        toClose.remove((Long) p[1]);
        assertThrows(IOException.class, () -> ops.send(p[0], new byte[] {1}, new long[0], 0));
    }

    /**
     * The host-death case without a process: a request whose reply end is still queued in a
     * socket that is then closed unread. The kernel purges the queue, the reply end's last
     * reference goes, and the requester sees end-of-file instead of waiting for ever.
     */
    @Test
    void replyEndQueuedInAClosedSocketIsReleased() throws IOException {
        long[] shared = pair();
        long[] reply = ops.seqPacketPair();
        toClose.add(reply[1]);
        ops.send(shared[0], new byte[] {1}, new long[] {reply[0]}, 0);
        UnixSandboxOps.closeQuietly(reply[0]); // the requester's copy: only the queued one is left
        assertArrayEquals(new int[] {0}, ops.await(new long[] {reply[1]}, 50), "still alive while queued");
        UnixSandboxOps.closeQuietly(shared[1]);
        toClose.remove((Long) shared[1]);
        int r = ops.await(new long[] {reply[1]}, 2000)[0];
        assertEquals(SandboxOps.READABLE | SandboxOps.HANGUP, r);
        Packet eof = ops.receive(reply[1], 8, 1);
        assertEquals(0, eof.data().length);
    }

    @Test
    void sharedMemoryHasItsSizeSealedAndMaps() throws IOException {
        long fd = ops.createSharedMemory("test", 12345, false);
        toClose.add(fd);
        assertTrue(isCloexec(fd));
        Path proc = Path.of("/proc/self/fd/" + fd);
        assertEquals(12345, Files.size(proc));
        try (FileChannel ch = FileChannel.open(proc, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, 0, 12345);
            map.put(12344, (byte) 42);
            assertThrows(IOException.class, () -> ch.truncate(100), "F_SEAL_SHRINK");
            assertThrows(IOException.class, () -> ch.write(ByteBuffer.wrap(new byte[1]), 20000), "F_SEAL_GROW");
        }
        try (FileChannel ch = FileChannel.open(proc, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, 12344);
            assertEquals(42, b.get(0));
        }
        long exec = ops.createSharedMemory("test-exec", 4096, true);
        toClose.add(exec);
        assertEquals(4096, Files.size(Path.of("/proc/self/fd/" + exec)));
        assertThrows(IllegalArgumentException.class, () -> ops.createSharedMemory("zero", 0, false));
    }
}
