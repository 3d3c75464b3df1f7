package dev.switchboard.ipc.transport.unix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Memory;
import dev.switchboard.ipc.InvalidSharedBufferException;
import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PlatformHandle;
import dev.switchboard.ipc.SharedBuffer;
import dev.switchboard.ipc.SharedMapping;
import dev.switchboard.ipc.SharedMemoryLimitException;
import dev.switchboard.ipc.wire.SharedMemoryLimits;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SortedMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** SharedBuffer and SharedMapping in one process, on real memfds and real mappings. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SharedBufferTest {

    private static final int KIB = 1024;

    private SortedMap<Integer, String> fdsBefore;
    private long heldBefore;

    /** Loads what opens fds once per JVM (JNA's libraries, junixsocket, entropy, the JDK's file channels) before anything is counted. */
    @BeforeAll
    static void warmUp() throws IOException {
        try (SharedBuffer b = SharedBuffer.create(4096); SharedMapping m = b.map(); SharedBuffer ro = b.readOnlyCopy();
                SharedMapping r = ro.map()) {
            RawMemory.mapWritable(fdOf(ro), 4096);
            RawMemory.reopenForWritingThenWriteFails(fdOf(ro));
            handleOf(ro.duplicate()).close();
        }
        long[] pipe = new UnixSandboxOps().pipe();
        new UnixHandleOps().close(pipe[0]);
        new UnixHandleOps().close(pipe[1]);
        new UnixHandleOps().close(RawMemory.unsealedMemfd(4096));
        mappedRegions(); // the JDK's first FileChannel opens a socketpair it keeps for good
    }

    @BeforeEach
    void before() {
        fdsBefore = TestFds.snapshot();
        heldBefore = SharedBuffer.bytesHeld();
    }

    @AfterEach
    void after() {
        SharedMemoryLimits.install(SharedMemoryLimits.DEFAULT);
        TestFds.assertNoLeak(fdsBefore);
        assertEquals(heldBefore, SharedBuffer.bytesHeld(), "every created byte is given back once its handles and mappings close");
    }

    @Test
    void writesThroughOneMappingAreSeenThroughAnother() {
        try (SharedBuffer buf = SharedBuffer.create(64 * KIB);
                SharedMapping a = buf.map();
                SharedMapping b = buf.map()) {
            assertEquals(64 * KIB, buf.size());
            assertFalse(buf.isReadOnly());
            assertFalse(a.isReadOnly());
            assertEquals(0, b.buffer().get(100), "a new buffer is zero-filled");
            a.buffer().put(100, (byte) 42).putLong(64 * KIB - 8, 0x1122334455667788L);
            assertEquals(42, b.buffer().get(100));
            assertEquals(0x1122334455667788L, b.buffer().getLong(64 * KIB - 8));
        }
    }

    @Test
    void aRangeAtAnUnalignedOffsetMapsExactlyThoseBytes() {
        try (SharedBuffer buf = SharedBuffer.create(5 * 4096);
                SharedMapping whole = buf.map();
                SharedMapping part = buf.map(5000, 100)) {
            assertEquals(5000, part.offset());
            assertEquals(100, part.length());
            ByteBuffer view = part.buffer();
            assertEquals(0, view.position());
            assertEquals(100, view.capacity());
            view.put(0, (byte) 1).put(99, (byte) 2);
            assertEquals(1, whole.buffer().get(5000));
            assertEquals(2, whole.buffer().get(5099));
            assertThrows(IndexOutOfBoundsException.class, () -> view.get(100));
            assertThrows(IndexOutOfBoundsException.class, () -> buf.map(5 * 4096 - 10, 11));
            assertThrows(IndexOutOfBoundsException.class, () -> buf.map(-1, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> buf.map(0, 0));
        }
    }

    @Test
    void aDuplicateSharesTheMemoryAndOutlivesTheOriginal() {
        SharedBuffer buf = SharedBuffer.create(4 * KIB);
        SharedBuffer dup = buf.duplicate();
        assertFalse(dup.isReadOnly());
        try (SharedMapping m = buf.map()) {
            buf.close();
            assertFalse(buf.isValid());
            assertThrows(IllegalStateException.class, buf::map);
            m.buffer().putInt(0, 7); // a mapping outlives the handle it came from
            try (SharedMapping n = dup.map()) {
                assertEquals(7, n.buffer().getInt(0));
                n.buffer().putInt(4, 8);
                assertEquals(8, m.buffer().getInt(4));
            }
        } finally {
            dup.close();
        }
    }

    @Test
    void atomicAccessWorksOnMappedMemory() {
        VarHandle longs = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
        try (SharedBuffer buf = SharedBuffer.create(4 * KIB);
                SharedMapping a = buf.map();
                SharedMapping b = buf.map()) {
            ByteBuffer va = a.buffer();
            ByteBuffer vb = b.buffer();
            assertTrue((boolean) longs.compareAndSet(va, 64, 0L, 5L));
            assertEquals(5L, (long) longs.getVolatile(vb, 64));
            assertFalse((boolean) longs.compareAndSet(vb, 64, 0L, 6L));
            assertEquals(5L, (long) longs.getAndAdd(vb, 64, 10L));
            assertEquals(15L, (long) longs.getAcquire(va, 64));
        }
    }

    @Test
    void aReadOnlyCopyCannotBeWrittenByAnyRoute() throws IOException {
        try (SharedBuffer buf = SharedBuffer.create(8 * KIB);
                SharedMapping writer = buf.map()) {
            writer.buffer().put(0, (byte) 1);
            try (SharedBuffer ro = buf.readOnlyCopy();
                    SharedMapping reader = ro.map()) {
                assertTrue(ro.isReadOnly());
                assertEquals(8 * KIB, ro.size());
                assertTrue(reader.isReadOnly());
                assertTrue(reader.buffer().isReadOnly());
                assertThrows(ReadOnlyBufferException.class, () -> reader.buffer().put(0, (byte) 9));
                assertEquals(1, reader.buffer().get(0));
                // the writable mapping that existed before the copy keeps writing, and the reader sees it
                writer.buffer().put(1, (byte) 2);
                assertEquals(2, reader.buffer().get(1));

                int fd = fdOf(ro);
                assertEquals(-1, RawMemory.mapWritable(fd, 8 * KIB), "PROT_WRITE mapping of the read-only descriptor");
                assertEquals(-1, RawMemory.mapReadThenMprotectWritable(fd, 8 * KIB), "mprotect to PROT_WRITE");
                assertTrue(RawMemory.reopenForWritingThenWriteFails(fd), "re-open through /proc/self/fd, then write");

                // the seal covers the region: the writable handle's new mappings are read-only too
                try (SharedMapping later = buf.map()) {
                    assertTrue(later.isReadOnly());
                    assertEquals(2, later.buffer().get(1));
                }
                assertEquals(-1, RawMemory.mapWritable(fdOf(buf), 8 * KIB), "PROT_WRITE mapping of the sealed writable descriptor");
                try (SharedBuffer again = ro.readOnlyCopy()) {
                    assertTrue(again.isReadOnly());
                }
            }
        }
    }

    @Test
    void limitsBoundEachBufferAndTheProcessTotal() {
        assertEquals(SharedMemoryLimitException.Kind.BUFFER_SIZE,
                assertThrows(SharedMemoryLimitException.class, () -> SharedBuffer.create(0)).kind());
        SharedMemoryLimits.install(new SharedMemoryLimits(64 * KIB, heldBefore + 128 * KIB));
        assertEquals(SharedMemoryLimitException.Kind.BUFFER_SIZE,
                assertThrows(SharedMemoryLimitException.class, () -> SharedBuffer.create(64 * KIB + 1)).kind());
        SharedBuffer a = SharedBuffer.create(64 * KIB);
        SharedBuffer b = SharedBuffer.create(64 * KIB);
        assertEquals(heldBefore + 128 * KIB, SharedBuffer.bytesHeld());
        SharedMemoryLimitException full = assertThrows(SharedMemoryLimitException.class, () -> SharedBuffer.create(1));
        assertEquals(SharedMemoryLimitException.Kind.PROCESS_TOTAL, full.kind());
        SharedBuffer dupOfA = a.duplicate();
        SharedMapping mapOfA = a.map();
        a.close();
        dupOfA.close();
        assertEquals(heldBefore + 128 * KIB, SharedBuffer.bytesHeld(), "a's mapping still holds its region");
        mapOfA.close();
        assertEquals(heldBefore + 64 * KIB, SharedBuffer.bytesHeld());
        SharedBuffer c = SharedBuffer.create(64 * KIB);
        b.close();
        c.close();
    }

    @Test
    void closingAMappingUnmapsItAtOnceAndAStaleViewCannotCrash() throws IOException {
        long before = mappedRegions();
        ByteBuffer stale;
        try (SharedBuffer buf = SharedBuffer.create(64 * KIB)) {
            SharedMapping m = buf.map();
            SharedMapping n = buf.map(4096, 4096);
            assertEquals(before + 2, mappedRegions());
            stale = m.buffer();
            stale.put(10, (byte) 5);
            m.close();
            m.close(); // idempotent
            assertEquals(before + 1, mappedRegions(), "unmapped on close, not by the garbage collector");
            assertFalse(m.isOpen());
            assertThrows(IllegalStateException.class, m::buffer);
            // the stale view no longer reaches the shared memory: it reads zeros, its writes go nowhere
            assertEquals(0, stale.get(10));
            stale.put(4096, (byte) 9);
            try (SharedMapping check = buf.map()) {
                assertEquals(5, check.buffer().get(10));
                assertEquals(0, check.buffer().get(4096));
            }
            n.close();
        }
        assertEquals(before, mappedRegions());
    }

    @Test
    void aThreadReadingAndWritingWhileTheMappingClosesNeverFaults() throws Exception {
        try (SharedBuffer buf = SharedBuffer.create(256 * KIB)) {
            for (int round = 0; round < 200; round++) {
                SharedMapping m = buf.map();
                ByteBuffer view = m.buffer();
                java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
                java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
                Thread user = new Thread(() -> {
                    started.countDown();
                    long sum = 0;
                    while (!stop.get()) {
                        for (int at = 0; at < 256 * KIB; at += 4096) {
                            view.putLong(at, sum);
                            sum += view.getLong(at + 8);
                        }
                    }
                });
                user.start();
                started.await();
                m.close(); // the user thread goes on touching the range: private zero pages now
                stop.set(true);
                user.join();
                assertEquals(0L, view.getLong(8), "after close the view reads the placeholder, not the shared memory");
            }
        }
    }

    @Test
    void fromHandleRefusesWhatIsNotWhatItClaims() throws IOException {
        // not a memfd at all
        long[] pipe = new UnixSandboxOps().pipe();
        new UnixHandleOps().close(pipe[1]);
        assertThrows(InvalidSharedBufferException.class, () -> SharedBuffer.fromHandle(PlatformHandle.adopt(pipe[0]), 4096, false));
        // a memfd whose size is not sealed
        assertThrows(InvalidSharedBufferException.class,
                () -> SharedBuffer.fromHandle(PlatformHandle.adopt(RawMemory.unsealedMemfd(4096)), 4096, false));
        // smaller than claimed
        SharedBuffer small = SharedBuffer.create(4096);
        InvalidSharedBufferException smaller = assertThrows(InvalidSharedBufferException.class,
                () -> SharedBuffer.fromHandle(handleOf(small.duplicate()), 8192, false));
        assertTrue(smaller.getMessage().contains("claims 8192 bytes but the file has 4096"), smaller.getMessage());
        // writable, claimed read-only
        assertThrows(InvalidSharedBufferException.class, () -> SharedBuffer.fromHandle(handleOf(small.duplicate()), 4096, true));
        // read-only, claimed writable
        assertThrows(InvalidSharedBufferException.class, () -> SharedBuffer.fromHandle(handleOf(small.readOnlyCopy()), 4096, false));
        // above this process's limit
        SharedMemoryLimits.install(new SharedMemoryLimits(1024, SharedMemoryLimits.DEFAULT_MAX_TOTAL_BYTES));
        assertThrows(SharedMemoryLimitException.class, () -> SharedBuffer.fromHandle(handleOf(small.readOnlyCopy()), 4096, true));
        SharedMemoryLimits.install(SharedMemoryLimits.DEFAULT);
        // what it claims: accepted, and a claim below the real size maps only the claimed bytes
        try (SharedBuffer ok = SharedBuffer.fromHandle(handleOf(small.readOnlyCopy()), 1000, true);
                SharedMapping m = ok.map()) {
            assertEquals(1000, ok.size());
            assertEquals(1000, m.length());
            assertTrue(m.isReadOnly());
        }
        small.close();
    }

    @Test
    void aClosedOrMovedBufferRefusesEverything() {
        SharedBuffer buf = SharedBuffer.create(4096);
        assertNotEquals("", buf.toString());
        buf.close();
        buf.close();
        assertThrows(IllegalStateException.class, buf::map);
        assertThrows(IllegalStateException.class, buf::duplicate);
        assertThrows(IllegalStateException.class, buf::readOnlyCopy);
    }

    @Test
    void aBufferTravelsThroughAPipeInThisProcessAndAnUnreadMessageClosesIt() throws Exception {
        MessagePipe.Pair pair = MessagePipe.create();
        try (SharedBuffer buf = SharedBuffer.create(8 * KIB);
                SharedMapping writer = buf.map()) {
            writer.buffer().put(0, (byte) 3);
            SharedBuffer ro = buf.readOnlyCopy();
            PlatformHandle plain = PlatformHandle.adopt(new UnixHandleOps().duplicate(fdOf(buf)));
            Message out = Message.of(new byte[] {1}, ro, plain, buf.duplicate());
            assertEquals(2, out.sharedBufferCount());
            assertEquals(1, out.handleCount());
            pair.end0().write(out);
            assertFalse(ro.isValid(), "writing moved it");
            try (Message in = pair.end1().read(Duration.ofSeconds(10))) {
                assertEquals(2, in.sharedBufferCount());
                assertEquals(1, in.handleCount());
                SharedBuffer got = in.takeSharedBuffer(0);
                assertTrue(got.isReadOnly());
                try (got; SharedMapping m = got.map()) {
                    assertEquals(3, m.buffer().get(0));
                }
                assertFalse(in.sharedBuffers().get(0).isReadOnly());
            } // closes the writable duplicate and the plain handle it still owns
            pair.end0().write(Message.of(new byte[0], buf.duplicate()));
        } finally {
            pair.end0().close();
            pair.end1().close(); // drops the unread message: its buffer is closed
        }
        assertThrows(IllegalArgumentException.class, () -> Message.of(new byte[0], closedBuffer()));
    }

    private static SharedBuffer closedBuffer() {
        SharedBuffer b = SharedBuffer.create(1);
        b.close();
        return b;
    }

    /** Moves a buffer's descriptor into a PlatformHandle (as a sender that lies about it would). */
    private static PlatformHandle handleOf(SharedBuffer b) {
        int fd = fdOf(b);
        try {
            return PlatformHandle.adopt(new UnixHandleOps().duplicate(fd));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            b.close();
        }
    }

    /** The descriptor a buffer owns, read through its toString ("fd N"). */
    private static int fdOf(SharedBuffer b) {
        String s = b.toString();
        int at = s.indexOf("fd ");
        return Integer.parseInt(s.substring(at + 3, s.indexOf(')', at)));
    }

    /** Mappings of Switchboard's memfds in /proc/self/maps. */
    private static long mappedRegions() throws IOException {
        try (var lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.filter(l -> l.contains("/memfd:switchboard-shared")).count();
        }
    }

    /** Raw system calls, as a receiver that tries to get around the read-only rule would make them. */
    static final class RawMemory {
        private RawMemory() {}

        /** mmap(PROT_READ|PROT_WRITE, MAP_SHARED): the address, or -1 when refused (unmapped again if not). */
        static long mapWritable(int fd, int length) {
            long a = SharedMemoryLib.mmap(0, length, SharedMemoryLib.PROT_READ | SharedMemoryLib.PROT_WRITE, SharedMemoryLib.MAP_SHARED, fd, 0);
            if (a != -1) {
                SharedMemoryLib.munmap(a, length);
            }
            return a;
        }

        /** Maps read-only, then asks for PROT_WRITE: the mprotect result (-1 when refused). */
        static long mapReadThenMprotectWritable(int fd, int length) {
            long a = SharedMemoryLib.mmap(0, length, SharedMemoryLib.PROT_READ, SharedMemoryLib.MAP_SHARED, fd, 0);
            if (a == -1) {
                throw new AssertionError("a read-only mapping must work");
            }
            try {
                return SharedMemoryLib.mprotect(a, length, SharedMemoryLib.PROT_READ | SharedMemoryLib.PROT_WRITE);
            } finally {
                SharedMemoryLib.munmap(a, length);
            }
        }

        /**
         * Re-opens /proc/self/fd/N for reading and writing (Linux allows that even for an O_RDONLY
         * memfd), then tries write(2) and a writable mapping through it: true when both fail.
         */
        static boolean reopenForWritingThenWriteFails(int fd) {
            int rw = SharedMemoryLib.open("/proc/self/fd/" + fd, SharedMemoryLib.O_RDWR | SharedMemoryLib.O_CLOEXEC, 0);
            if (rw < 0) {
                return true; // refused outright
            }
            try {
                Memory one = new Memory(1);
                one.setByte(0, (byte) 1);
                boolean writeRefused = RawWrite.write(rw, one, 1) < 0;
                boolean mapRefused = mapWritable(rw, 4096) == -1;
                return writeRefused && mapRefused;
            } finally {
                LibC.close(rw);
            }
        }

        /** A memfd of {@code size} bytes with no seals at all. */
        static long unsealedMemfd(long size) {
            int fd = SharedMemoryLib.memfd_create("unsealed", SharedMemoryLib.MFD_CLOEXEC | SharedMemoryLib.MFD_ALLOW_SEALING);
            if (fd < 0 || SharedMemoryLib.ftruncate(fd, size) != 0) {
                throw new AssertionError("memfd_create failed");
            }
            return fd;
        }
    }

    static final class RawWrite {
        static {
            com.sun.jna.Native.register(RawWrite.class, com.sun.jna.NativeLibrary.getInstance(com.sun.jna.Platform.C_LIBRARY_NAME));
        }

        private RawWrite() {}

        static native long write(int fd, com.sun.jna.Pointer buf, long count);
    }
}
