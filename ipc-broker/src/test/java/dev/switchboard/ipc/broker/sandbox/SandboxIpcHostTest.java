package dev.switchboard.ipc.broker.sandbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Platform;
import dev.switchboard.ipc.PlatformHandle;
import dev.switchboard.ipc.SharedBuffer;
import dev.switchboard.ipc.SharedMapping;
import dev.switchboard.ipc.spi.SandboxOps;
import dev.switchboard.ipc.spi.Transports;
import java.io.FileInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host and the client in one process: the client talks over a duplicate of the child end,
 * exactly the socket a child would inherit. Real-process behaviour is in {@link SandboxProcessTest}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SandboxIpcHostTest {

    /** A user request type: the fd of a named file, like Chromium's font-file request. */
    static final RequestType<String, PlatformHandle> OPEN_FILE =
            RequestType.of("OpenFile", 0x46494C45, SandboxCodecs.STRING, SandboxCodecs.HANDLE);

    static final RequestType<Long, Long> BLOCKING = RequestType.of("Blocking", 0x424C4F43, SandboxCodecs.LONG, SandboxCodecs.LONG);

    static final RequestType<Void, Void> THROWS = RequestType.of("Throws", 0x5448524F, SandboxCodecs.EMPTY, SandboxCodecs.EMPTY);

    @TempDir
    Path tmp;

    private Map<Integer, String> fdsBefore;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    static void linuxOnly() {
        Assumptions.assumeTrue(Platform.isLinux(), "sandbox IPC is Linux only");
        SandboxTestSupport.warmUpFdTable();
    }

    @BeforeEach
    void baseline() {
        fdsBefore = SandboxTestSupport.ourFds();
    }

    @AfterEach
    void closeAndCheck() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        SandboxTestSupport.assertNoFdLeak(fdsBefore);
    }

    private SandboxIpcHost host(SandboxIpcHost.Options options) throws Exception {
        SandboxIpcHost host = SandboxIpcHost.start(options);
        toClose.add(host);
        return host;
    }

    private SandboxIpcClient client(SandboxIpcHost host) {
        SandboxIpcClient c = SandboxIpcClient.ofHandle(host.duplicateChildEnd());
        toClose.add(c);
        return c;
    }

    @Test
    void localTimeIsWhatJavaTimeSaysInThatZone() throws Exception {
        SandboxIpcHost host = host(SandboxIpcHost.Options.DEFAULT);
        SandboxIpcClient client = client(host);
        long summer = Instant.parse("2024-07-01T12:34:56Z").getEpochSecond();
        long winter = Instant.parse("2024-01-15T23:59:59Z").getEpochSecond();

        BrokenDownTime t = client.localTime(summer, "Europe/Berlin");
        assertEquals(new BrokenDownTime(2024, 7, 1, 14, 34, 56, 1, 183, true, 7200, "CEST", "Europe/Berlin"), t);
        BrokenDownTime w = client.localTime(winter, "Europe/Berlin");
        assertEquals(new BrokenDownTime(2024, 1, 16, 0, 59, 59, 2, 16, false, 3600, "CET", "Europe/Berlin"), w);
        assertEquals(Instant.ofEpochSecond(summer), t.toOffsetDateTime().toInstant());

        BrokenDownTime kolkata = client.localTime(summer, "Asia/Kolkata");
        assertEquals(19800, kolkata.utcOffsetSeconds());
        assertFalse(kolkata.daylightSaving());

        // no zone: the host's default, which here is also this JVM's
        BrokenDownTime d = client.localTime(summer);
        ZonedDateTime expected = Instant.ofEpochSecond(summer).atZone(ZoneId.systemDefault());
        assertEquals(ZoneId.systemDefault().getId(), d.zoneId());
        assertEquals(expected.getHour(), d.hour());
        assertEquals(expected.getOffset().getTotalSeconds(), d.utcOffsetSeconds());
        assertEquals(DateTimeFormatter.ofPattern("zzz", Locale.ROOT).format(expected), d.zoneAbbreviation());

        SandboxRequestRefusedException bad = assertThrows(SandboxRequestRefusedException.class,
                () -> client.localTime(summer, "Mars/Olympus_Mons"));
        assertTrue(bad.getMessage().contains("unknown time zone"), bad.getMessage());
        assertThrows(SandboxRequestRefusedException.class, () -> client.localTime(Long.MAX_VALUE, "UTC"));

        SandboxIpcHost.Stats s = host.stats();
        assertEquals(4, s.served());
        assertEquals(2, s.refused());
        assertEquals(0, s.rejectedTotal());
    }

    @Test
    void sharedMemorySegmentIsSharedAndSized() throws Exception {
        SandboxIpcHost host = host(SandboxIpcHost.Options.DEFAULT.maxSegmentBytes(1 << 20));
        SandboxIpcClient client = client(host);
        try (SharedBuffer segment = client.makeSharedMemorySegment(100_000, false);
                SharedMapping a = segment.map()) {
            assertEquals(100_000, segment.size());
            assertTrue(!segment.isReadOnly());
            try (SharedBuffer other = segment.duplicate(); SharedMapping b = other.map()) {
                a.buffer().put(99_999, (byte) 0x5A);
                assertEquals(0x5A, b.buffer().get(99_999), "one segment, two mappings");
            }
            try (SharedBuffer ro = segment.readOnlyCopy(); SharedMapping r = ro.map()) {
                assertTrue(r.isReadOnly(), "a segment from the host makes read-only copies like any shared buffer");
                assertEquals(0x5A, r.buffer().get(99_999));
            }
        }
        assertEquals("executable segments are not allowed by this host",
                assertThrows(SandboxRequestRefusedException.class, () -> client.makeSharedMemorySegment(4096, true)).getMessage());
        assertThrows(SandboxRequestRefusedException.class, () -> client.makeSharedMemorySegment((1 << 20) + 1, false));
        assertThrows(SandboxRequestRefusedException.class, () -> client.makeSharedMemorySegment(0, false));
        assertEquals(1, host.stats().served());
        assertEquals(3, host.stats().refused());

        SandboxIpcHost permissive = host(SandboxIpcHost.Options.DEFAULT.allowExecutableMemory(true));
        try (SharedBuffer exec = client(permissive).makeSharedMemorySegment(4096, true)) {
            assertEquals(4096, exec.size());
        }
    }

    @Test
    void userRequestTypeCanReturnADescriptor() throws Exception {
        Path font = Files.write(tmp.resolve("font.ttf"), "not really a font".getBytes(StandardCharsets.UTF_8));
        SandboxIpcHost host = host(SandboxIpcHost.Options.DEFAULT.handle(OPEN_FILE, name -> {
            if (!name.equals("font.ttf")) {
                throw new SandboxRequestRefusedException("no such font: " + name);
            }
            try (FileInputStream in = new FileInputStream(font.toFile())) {
                return PlatformHandle.duplicateOf(in.getFD());
            } catch (java.io.IOException e) {
                throw new SandboxRequestRefusedException(e.getMessage());
            }
        }));
        SandboxIpcClient client = client(host);
        try (PlatformHandle h = client.call(OPEN_FILE, "font.ttf", Duration.ofSeconds(5))) {
            assertArrayEquals(Files.readAllBytes(font), Files.readAllBytes(Path.of("/proc/self/fd/" + h.fd())));
        }
        assertEquals("no such font: comic.ttf",
                assertThrows(SandboxRequestRefusedException.class, () -> client.call(OPEN_FILE, "comic.ttf")).getMessage());
    }

    @Test
    void aFailingHandlerAnswersWithAnErrorAndTheHostCarriesOn() throws Exception {
        SandboxIpcHost host = host(SandboxIpcHost.Options.DEFAULT.handle(THROWS, v -> {
            throw new IllegalStateException("secret host detail");
        }));
        SandboxIpcClient client = client(host);
        SandboxIpcException e = assertThrows(SandboxIpcException.class, () -> client.call(THROWS, null));
        assertFalse(e instanceof SandboxRequestRefusedException);
        assertTrue(e.getMessage().contains("IllegalStateException"), e.getMessage());
        assertFalse(e.getMessage().contains("secret"), "host internals stay in the host's log");
        assertEquals(1, host.stats().failed());
        assertEquals(1970, client.localTime(0, "UTC").year());
    }

    @Test
    void clientTimesOutAndTheLateReplyIsDiscarded() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        SandboxIpcHost host = host(SandboxIpcHost.Options.DEFAULT.handle(BLOCKING, v -> {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return v;
        }));
        SandboxIpcClient client = client(host);
        long t0 = System.nanoTime();
        assertThrows(SandboxTimeoutException.class, () -> client.call(BLOCKING, 1L, Duration.ofMillis(200)));
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(waited >= 190 && waited < 2000, "waited " + waited + " ms");
        assertTrue(entered.await(5, TimeUnit.SECONDS));
        release.countDown();
        SandboxTestSupport.awaitTrue(Duration.ofSeconds(5), () -> host.stats().undeliverable() == 1, "late reply discarded");
        assertEquals(7L, client.call(BLOCKING, 7L, Duration.ofSeconds(5)));
    }

    @Test
    void manyThreadsEachGetTheirOwnReply() throws Exception {
        SandboxIpcHost host = host(SandboxIpcHost.Options.DEFAULT);
        SandboxIpcClient client = client(host);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    for (int i = 0; i < 300; i++) {
                        long when = 1_000_000_000L + thread * 1_000_003L + i * 86_399L;
                        BrokenDownTime got = client.localTime(when, "UTC");
                        ZonedDateTime want = Instant.ofEpochSecond(when).atZone(ZoneId.of("UTC"));
                        if (got.second() != want.getSecond() || got.minute() != want.getMinute()
                                || got.dayOfYear() != want.getDayOfYear() || got.year() != want.getYear()) {
                            return "thread " + thread + " request " + i + ": got " + got + " for " + want;
                        }
                    }
                    return null;
                }));
            }
            for (Future<String> f : results) {
                assertNull(f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(2400, host.stats().served());
    }

    @Test
    void everyBadRequestIsDroppedCountedAndItsDescriptorsClosed() throws Exception {
        SandboxIpcHost host = host(SandboxIpcHost.Options.DEFAULT);
        SandboxIpcClient client = client(host);
        SandboxOps ops = Transports.get().sandboxOps();
        try (PlatformHandle childEnd = host.duplicateChildEnd()) {
            for (BadRequest bad : BadRequest.values()) {
                List<Long> watch = bad.send(ops, childEnd.value(), host.options().maxRequestBytes());
                try {
                    BadRequest.awaitHangUp(ops, watch, Duration.ofSeconds(5));
                } finally {
                    watch.forEach(BadRequest::close);
                }
                SandboxTestSupport.awaitTrue(Duration.ofSeconds(5), () -> host.stats().rejected(bad.expected) == 1,
                        bad + " counted as " + bad.expected);
                assertEquals(1970, client.localTime(0, "UTC").year(), "still serving after " + bad);
            }
        }
        assertEquals(BadRequest.values().length, host.stats().rejectedTotal());
    }

    /** The client's view of a drop: end-of-file on its reply channel, reported at once. */
    @Test
    void aDroppedRequestFailsTheCallPromptly() throws Exception {
        SandboxIpcHost host = host(SandboxIpcHost.Options.DEFAULT.maxRequestBytes(64));
        SandboxIpcClient client = client(host);
        long t0 = System.nanoTime();
        SandboxIpcException e = assertThrows(SandboxIpcException.class,
                () -> client.localTime(0, "x".repeat(100)));
        assertFalse(e instanceof SandboxTimeoutException);
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 1000);
        assertEquals(1, host.stats().rejected(RejectReason.OVERSIZED));
    }

    @Test
    void closingTheLifelineStopsTheHandlerWithinASecond() throws Exception {
        SandboxIpcHost host = SandboxIpcHost.start();
        SandboxIpcClient client = client(host);
        assertEquals(1970, client.localTime(0, "UTC").year());
        assertTrue(host.isRunning());
        long t0 = System.nanoTime();
        host.close();
        assertTrue(host.awaitStopped(Duration.ofSeconds(1)), "handler thread stopped");
        long stoppedAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(stoppedAfter < 1000, "stopped after " + stoppedAfter + " ms");
        assertFalse(host.isRunning());
        assertThrows(IllegalStateException.class, host::duplicateChildEnd);

        // a child still holding the shared socket fails at once: nobody reads the other end
        long t1 = System.nanoTime();
        SandboxIpcException e = assertThrows(SandboxIpcException.class, () -> client.localTime(0, "UTC"));
        assertFalse(e instanceof SandboxTimeoutException, e.toString());
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1) < 1000);
    }

    /** The byte offsets docs/sandbox-ipc.md promises, checked on real encodings. */
    @Test
    void packetLayoutsMatchTheDocs() {
        byte[] request = encode(SandboxRequests.LOCAL_TIME.magic(), SandboxRequests.LOCAL_TIME.requestCodec(),
                new SandboxRequests.LocalTimeRequest(0x0102030405060708L, "UTC"));
        ByteBuffer b = ByteBuffer.wrap(request);
        assertEquals(0x53420001, b.getInt(0));
        assertEquals(0x0102030405060708L, b.getLong(4));
        assertEquals(3, b.getInt(12));
        assertEquals("UTC", new String(request, 16, 3, StandardCharsets.UTF_8));
        assertEquals(19, request.length);
        assertEquals(-1, ByteBuffer.wrap(encode(0, SandboxRequests.LOCAL_TIME.requestCodec(),
                new SandboxRequests.LocalTimeRequest(0, null))).getInt(12), "null zone is length -1");

        byte[] reply = encode(SandboxIpc.STATUS_OK, SandboxRequests.LOCAL_TIME.replyCodec(),
                new BrokenDownTime(2024, 7, 1, 14, 34, 56, 1, 183, true, 7200, "CEST", "Europe/Berlin"));
        b = ByteBuffer.wrap(reply);
        assertEquals(0, b.getInt(0));
        assertEquals(2024, b.getInt(4));
        assertArrayEquals(new byte[] {7, 1, 14, 34, 56, 1}, java.util.Arrays.copyOfRange(reply, 8, 14));
        assertEquals(183, b.getShort(14));
        assertEquals(1, reply[16]);
        assertEquals(7200, b.getInt(17));
        assertEquals(4, b.getInt(21));
        assertEquals("CEST", new String(reply, 25, 4, StandardCharsets.UTF_8));
        assertEquals(13, b.getInt(29));
        assertEquals("Europe/Berlin", new String(reply, 33, 13, StandardCharsets.UTF_8));

        byte[] shm = encode(SandboxRequests.MAKE_SHARED_MEMORY_SEGMENT.magic(),
                SandboxRequests.MAKE_SHARED_MEMORY_SEGMENT.requestCodec(), new SandboxRequests.SharedMemoryRequest(4096, true));
        b = ByteBuffer.wrap(shm);
        assertEquals(0x53420002, b.getInt(0));
        assertEquals(4096, b.getLong(4));
        assertEquals(1, shm[12]);
        assertEquals(13, shm.length);
    }

    private static <T> byte[] encode(int header, SandboxCodec<T> codec, T value) {
        try (PacketWriter w = new PacketWriter(SandboxIpc.MAX_REPLY_HANDLES)) {
            w.putInt(header);
            codec.encode(value, w);
            return w.toByteArray();
        }
    }

    @Test
    void codecAndRegistrationRulesAreEnforced() throws Exception {
        assertThrows(IllegalArgumentException.class,
                () -> RequestType.of("Mine", 0x53420001, SandboxCodecs.EMPTY, SandboxCodecs.EMPTY));
        SandboxIpcHost.Options o = SandboxIpcHost.Options.DEFAULT.handle(THROWS, v -> null);
        assertThrows(IllegalArgumentException.class, () -> o.handle(THROWS, v -> null));
        assertThrows(IllegalArgumentException.class, () -> SandboxIpcHost.Options.DEFAULT.maxRequestBytes(8));
        try (PacketWriter request = new PacketWriter(0)) {
            long[] pipe = Transports.get().sandboxOps().pipe();
            PlatformHandle read = PlatformHandle.adopt(pipe[0]);
            PlatformHandle.adopt(pipe[1]).close();
            assertThrows(IllegalStateException.class, () -> request.attach(read));
            assertFalse(read.isValid(), "a refused attach still closes the handle it was given");
        }
        PacketReader r = new PacketReader(ByteBuffer.allocate(6).putInt(2).put((byte) 'h').put((byte) 0xFF).array(), 0,
                new PlatformHandle[0]);
        assertThrows(MalformedPacketException.class, r::getString, "0xFF is never UTF-8");
        PacketReader shortOne = new PacketReader(new byte[3], 0, new PlatformHandle[0]);
        assertThrows(MalformedPacketException.class, shortOne::getInt);
    }
}
