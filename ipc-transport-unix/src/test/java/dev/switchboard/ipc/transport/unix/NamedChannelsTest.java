package dev.switchboard.ipc.transport.unix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Platform;
import dev.switchboard.ipc.spi.NamedChannels;
import dev.switchboard.ipc.spi.NamedChannels.Server;
import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.FrameCodec;
import dev.switchboard.ipc.wire.FrameHeader;
import dev.switchboard.ipc.wire.FrameType;
import dev.switchboard.ipc.wire.Id128;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.FileDescriptorCast;

class NamedChannelsTest {

    private static final Duration SHORT_PREFACE = Duration.ofMillis(200);
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final UnixNamedChannels channels = new UnixNamedChannels(SHORT_PREFACE);
    private final List<Long> ownedFds = new ArrayList<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private Map<Integer, String> fdsBefore;

    /** Loads JNA, junixsocket's native library and the classes on the paths, so their fds are not counted as leaks. */
    @BeforeAll
    static void warmUp() throws Exception {
        UnixNamedChannels c = new UnixNamedChannels(SHORT_PREFACE);
        try (Server s = c.listen(NamedChannels.Options.DEFAULT)) {
            Id128 token = Id128.random();
            CompletableFuture<Long> f = s.acceptOne(token, WAIT);
            long client = c.connect(s.address(), token, WAIT);
            long server = f.get(10, TimeUnit.SECONDS);
            RawFds.writeAll(client, new byte[1]);
            RawFds.readExactly(server, 1, WAIT);
            LibC.close((int) client);
            LibC.close((int) server);
        }
        RawFds.openFds();
    }

    @BeforeEach
    void countFds() throws IOException {
        fdsBefore = RawFds.openFds();
    }

    @AfterEach
    void noLeaks() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        for (long fd : ownedFds) {
            LibC.close((int) fd);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (acceptThreadAlive() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertFalse(acceptThreadAlive(), "accept thread still running after the test");
        Map<Integer, String> after = RawFds.openFds();
        while (!after.equals(fdsBefore) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            after = RawFds.openFds();
        }
        Map<Integer, String> changed = new java.util.TreeMap<>();
        for (Integer fd : new java.util.TreeSet<>(after.keySet())) {
            if (!after.get(fd).equals(fdsBefore.get(fd))) {
                changed.put(fd, fdsBefore.get(fd) + " -> " + after.get(fd));
            }
        }
        for (Integer fd : fdsBefore.keySet()) {
            if (!after.containsKey(fd)) {
                changed.put(fd, fdsBefore.get(fd) + " -> closed");
            }
        }
        assertEquals(fdsBefore, after, "fds changed by the test: " + changed);
    }

    private static boolean acceptThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals(UnixNamedChannels.ACCEPT_THREAD_NAME) && t.isAlive());
    }

    private long own(long fd) {
        ownedFds.add(fd);
        return fd;
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        toClose.add(c);
        return c;
    }

    private static Path directoryOf(Server s) {
        assertTrue(s.address().startsWith("unix:"), s.address());
        return Path.of(s.address().substring("unix:".length())).getParent();
    }

    /** Bytes written on each fd arrive on the other: connected, and neither side was shut down. */
    private static void assertConnected(long a, long b) throws IOException {
        byte[] ping = "ping from the child".getBytes(StandardCharsets.UTF_8);
        byte[] pong = "pong from the parent".getBytes(StandardCharsets.UTF_8);
        RawFds.writeAll(b, ping);
        assertArrayEquals(ping, RawFds.readExactly(a, ping.length, WAIT));
        RawFds.writeAll(a, pong);
        assertArrayEquals(pong, RawFds.readExactly(b, pong.length, WAIT));
    }

    private static byte[] connectFrame(Id128 token) {
        ByteBuffer b = FrameCodec.encode(new FrameBody.Connect(token));
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private AFUNIXSocket rawConnect(Server s) throws IOException {
        AFUNIXSocket sock = closeLater(AFUNIXSocket.newInstance());
        sock.connect(UnixNamedChannels.parseAddress(s.address()), 5000);
        sock.setSoTimeout(5000);
        return sock;
    }

    /**
     * The server closed this connection: EOF, or ECONNRESET when the server left bytes unread
     * (AF_UNIX reports that as a reset rather than an orderly close).
     */
    private static void assertHungUp(AFUNIXSocket sock) throws IOException {
        InputStream in = sock.getInputStream();
        try {
            assertEquals(-1, in.read(), "server should have closed this connection");
        } catch (java.net.SocketException e) {
            assertTrue(String.valueOf(e.getMessage()).contains("reset"), e.toString());
        }
    }

    @Test
    void connectedFdsCarryBytesBothWaysAndSurviveGc() throws Exception {
        Server server = closeLater(channels.listen(NamedChannels.Options.DEFAULT));
        Path dir = directoryOf(server);
        Id128 token = Id128.random();
        CompletableFuture<Long> accepted = server.acceptOne(token, WAIT);
        long client = own(channels.connect(server.address(), token, WAIT));
        long parent = own(accepted.get(10, TimeUnit.SECONDS));

        assertNotEquals(client, parent);
        assertTrue(UnixHandleOps.isCloexec((int) client), "connected fd must be FD_CLOEXEC");
        assertTrue(UnixHandleOps.isCloexec((int) parent), "accepted fd must be FD_CLOEXEC");
        assertEquals(0, server.refusedCount());
        assertFalse(Files.exists(dir), "directory should be gone once the connection is handed out");

        // The junixsocket objects that once held these connections are garbage now; their cleaners
        // must not shut the connections down or close anything.
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertConnected(parent, client);
    }

    @Test
    void detachLeavesJunixsocketNoHoldOnTheOldNumber() throws Exception {
        // Not AFUNIXSocketPair: in junixsocket 2.11.1 every open() leaves two unconnected sockets
        // behind (seen in /proc/net/unix), which the leak check would rightly flag.
        int[] sv = RawFds.socketPair();
        long peer = own(sv[1]);
        AFUNIXSocket detached = FileDescriptorCast.unsafeUsing(sv[0]).as(AFUNIXSocket.class); // owns sv[0] now
        FileDescriptor original = detached.getFileDescriptor();
        int oldNumber = sv[0];

        long fd = own(UnixNamedChannels.detach(detached));

        assertNotEquals(oldNumber, fd);
        assertFalse(original.valid(), "junixsocket's FileDescriptor must be invalidated");
        assertFalse(RawFds.isOpen(oldNumber), "the original number must be closed");
        // Put something of ours on the old number, then let junixsocket close and collect
        // everything it had: if it still knew the number it would close or shut down our file.
        FileInputStream devNull = closeLater(new FileInputStream("/dev/null"));
        int devNullFd = FileDescriptorCast.using(devNull.getFD()).as(Integer.class);
        if (devNullFd != oldNumber) { // usually equal: the kernel hands out the lowest free number
            RawFds.C.INSTANCE.dup2(devNullFd, oldNumber);
            own(oldNumber);
        }
        WeakReference<AFUNIXSocket> gone = new WeakReference<>(detached);
        detached = null;
        for (int i = 0; i < 50 && gone.get() != null; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertEquals(null, gone.get(), "the junixsocket object should have been collected");
        Thread.sleep(50); // its cleaner runs on another thread
        assertEquals("/dev/null", Files.readSymbolicLink(Path.of("/proc/self/fd/" + oldNumber)).toString());

        // and the detached fd is still a live, not shut down, end of the pair
        assertConnected(fd, peer);
    }

    @Test
    void strangersAreRefusedAndTheRealClientGetsThrough() throws Exception {
        Server server = closeLater(channels.listen(NamedChannels.Options.DEFAULT));
        Id128 token = Id128.random();
        CompletableFuture<Long> accepted = server.acceptOne(token, WAIT);

        AFUNIXSocket wrongToken = rawConnect(server);
        wrongToken.getOutputStream().write(connectFrame(Id128.random()));
        AFUNIXSocket garbage = rawConnect(server);
        byte[] junk = new byte[UnixNamedChannels.MAX_PREFACE_BYTES];
        java.util.Arrays.fill(junk, (byte) 0x5a);
        garbage.getOutputStream().write(junk);
        AFUNIXSocket silent = rawConnect(server); // sends nothing: dropped after the preface timeout

        long client = own(channels.connect(server.address(), token, WAIT));
        long parent = own(accepted.get(10, TimeUnit.SECONDS));

        assertEquals(3, server.refusedCount());
        assertHungUp(wrongToken);
        assertHungUp(garbage);
        assertHungUp(silent);
        assertConnected(parent, client);
    }

    /** A same-user process that connects to {@code address} (a socket file) and says nothing until hung up on. */
    private static Process silentStranger(String address) throws IOException {
        String script = "import socket, sys\n"
                + "s = socket.socket(socket.AF_UNIX)\n"
                + "s.connect(sys.argv[1])\n"
                + "print('connected', flush=True)\n"
                + "s.recv(1)\n"
                + "print('hung-up', flush=True)\n";
        return new ProcessBuilder("python3", "-c", script, address.substring("unix:".length())).redirectErrorStream(true).start();
    }

    private static void awaitLine(Process p, String line) throws IOException {
        java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String got = r.readLine();
        assertEquals(line, got, "stranger process said");
    }

    @Test
    void silentStrangersDoNotDelayTheRealClient() throws Exception {
        // A preface timeout far longer than the test's waits: the real client must get through
        // while every stranger still holds its connection open, not after their timeouts.
        UnixNamedChannels patient = new UnixNamedChannels(Duration.ofSeconds(30));
        Server server = closeLater(patient.listen(NamedChannels.Options.DEFAULT));
        Id128 token = Id128.random();
        CompletableFuture<Long> accepted = server.acceptOne(token, Duration.ofSeconds(60));
        List<Process> strangers = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Process p = silentStranger(server.address());
                strangers.add(p);
                awaitLine(p, "connected");
            }
            long start = System.nanoTime();
            long client = own(channels.connect(server.address(), token, WAIT));
            long parent = own(accepted.get(10, TimeUnit.SECONDS));
            System.out.println("real client behind 3 silent strangers accepted after "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms (preface timeout 30000 ms)");
            assertConnected(parent, client);
            // the strangers were hung up on, and counted
            for (Process p : strangers) {
                assertTrue(p.waitFor(20, TimeUnit.SECONDS), "a stranger was never hung up on");
            }
            assertEquals(3, server.refusedCount());
        } finally {
            strangers.forEach(Process::destroyForcibly);
        }
    }

    @Test
    void connectionsBeyondThePendingLimitEvictTheOldestAndTheRealClientStillGetsThrough() throws Exception {
        UnixNamedChannels patient = new UnixNamedChannels(Duration.ofSeconds(30));
        Server server = closeLater(patient.listen(NamedChannels.Options.DEFAULT));
        Id128 token = Id128.random();
        CompletableFuture<Long> accepted = server.acceptOne(token, Duration.ofSeconds(60));
        int extra = 4;
        List<AFUNIXSocket> silent = new ArrayList<>();
        for (int i = 0; i < UnixNamedChannels.MAX_PENDING_PREFACES + extra; i++) {
            silent.add(rawConnect(server));
        }
        // the oldest are evicted as the newest arrive, long before any preface timeout
        for (int i = 0; i < extra; i++) {
            assertHungUp(silent.get(i));
        }
        TestSupportWait.until(Duration.ofSeconds(10), () -> server.refusedCount() == extra, "evictions counted");
        long client = own(channels.connect(server.address(), token, WAIT));
        long parent = own(accepted.get(10, TimeUnit.SECONDS));
        assertConnected(parent, client);
        for (AFUNIXSocket s : silent) {
            assertHungUp(s);
        }
        assertEquals(UnixNamedChannels.MAX_PENDING_PREFACES + extra, server.refusedCount());
    }

    @Test
    void oversizedPrefaceIsRefusedWithoutWaitingForIt() throws Exception {
        // A long preface timeout: the refusal must come from the header alone.
        UnixNamedChannels patient = new UnixNamedChannels(Duration.ofSeconds(20));
        Server server = closeLater(patient.listen(NamedChannels.Options.DEFAULT));
        CompletableFuture<Long> accepted = server.acceptOne(Id128.random(), WAIT);
        AFUNIXSocket greedy = rawConnect(server);
        ByteBuffer header = ByteBuffer.allocate(FrameHeader.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        new FrameHeader(FrameType.CONNECT, 0, 1 << 20).writeTo(header);
        greedy.getOutputStream().write(header.array());
        long start = System.nanoTime();
        assertHungUp(greedy);
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "refusal should not wait for the body");
        assertEquals(1, server.refusedCount());
        server.close();
        assertThrows(CancellationException.class, () -> accepted.get(5, TimeUnit.SECONDS));
    }

    @Test
    void strangerInAnotherProcessIsRefused() throws Exception {
        Server server = closeLater(channels.listen(NamedChannels.Options.DEFAULT));
        Id128 token = Id128.random();
        CompletableFuture<Long> accepted = server.acceptOne(token, Duration.ofSeconds(30));

        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), NamedChannelStranger.class.getName(), server.address())
                .redirectErrorStream(true)
                .start();
        String output;
        try (InputStream out = p.getInputStream(); OutputStream in = p.getOutputStream()) {
            output = new String(out.readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "stranger process did not exit");
        } finally {
            p.destroyForcibly();
        }
        assertEquals(0, p.exitValue(), "stranger should have been hung up on; its output:\n" + output);
        assertEquals(1, server.refusedCount());
        assertFalse(accepted.isDone());

        long client = own(channels.connect(server.address(), token, WAIT));
        long parent = own(accepted.get(10, TimeUnit.SECONDS));
        assertConnected(parent, client);
    }

    /** Runs python3 as user nobody, if this test runs as root and the tools exist. */
    private static Process runAsNobody(String script, String... args) throws IOException {
        assumeTrue(Platform.isLinux(), "setpriv is Linux-only");
        assumeTrue(LibC.getuid() == 0, "needs root to switch to another user");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs /usr/bin/setpriv");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "needs /usr/bin/python3");
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "/usr/bin/python3", "-c", script));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    private static String finish(Process p) throws Exception {
        try (InputStream out = p.getInputStream(); OutputStream in = p.getOutputStream()) {
            String output = new String(out.readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "process did not exit");
            return output;
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void anotherUserWithTheRightTokenIsRefusedByUid() throws Exception {
        assumeTrue(Platform.isLinux());
        Server server = closeLater(channels.listen(new NamedChannels.Options(true)));
        Id128 token = Id128.random();
        CompletableFuture<Long> accepted = server.acceptOne(token, Duration.ofSeconds(30));
        String name = server.address().substring("abstract:".length());
        // The right token: only the uid check can refuse this one.
        Process p = runAsNobody(String.join("\n",
                "import socket, sys",
                "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
                "s.connect('\\0' + sys.argv[1])",
                "s.settimeout(10)",
                "try:",
                "    s.sendall(bytes.fromhex(sys.argv[2]))",
                "    sys.exit(0 if s.recv(1) == b'' else 3)",
                "except (BrokenPipeError, ConnectionResetError):", // refused before or while we wrote
                "    sys.exit(0)"),
                name, HexFormat.of().formatHex(connectFrame(token)));
        String output = finish(p);
        assertEquals(0, p.exitValue(), "nobody should have been hung up on; output:\n" + output);
        assertEquals(1, server.refusedCount());

        long client = own(channels.connect(server.address(), token, WAIT));
        long parent = own(accepted.get(10, TimeUnit.SECONDS));
        assertConnected(parent, client);
    }

    @Test
    void anotherUserCannotReachTheSocketFile() throws Exception {
        Server server = closeLater(channels.listen(NamedChannels.Options.DEFAULT));
        String path = server.address().substring("unix:".length());
        Process p = runAsNobody(String.join("\n",
                "import socket, sys",
                "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
                "try:",
                "    s.connect(sys.argv[1])",
                "except PermissionError:",
                "    sys.exit(0)",
                "sys.exit(3)"),
                path);
        String output = finish(p);
        assertEquals(0, p.exitValue(), "connect as nobody should fail with EACCES; output:\n" + output);
        assertEquals(0, server.refusedCount(), "the connection should never have reached the server");
    }

    @Test
    void timeoutCompletesWithTimeoutExceptionAndRemovesTheName() throws Exception {
        Server server = closeLater(channels.listen(NamedChannels.Options.DEFAULT));
        Path dir = directoryOf(server);
        CompletableFuture<Long> accepted = server.acceptOne(Id128.random(), Duration.ofMillis(400));
        AFUNIXSocket wrong = rawConnect(server);
        wrong.getOutputStream().write(connectFrame(Id128.random()));

        ExecutionException e = assertThrows(ExecutionException.class, () -> accepted.get(5, TimeUnit.SECONDS));
        TimeoutException te = assertInstanceOf(TimeoutException.class, e.getCause());
        assertTrue(te.getMessage().contains(server.address()), te.getMessage());
        assertTrue(te.getMessage().contains("1 connection(s) refused"), te.getMessage());
        assertFalse(Files.exists(dir), "directory should be removed on timeout");
        assertThrows(IOException.class, () -> channels.connect(server.address(), Id128.random(), WAIT));
    }

    @Test
    void closeCancelsAPendingAcceptAndRemovesTheName() throws Exception {
        Server server = channels.listen(NamedChannels.Options.DEFAULT);
        Path dir = directoryOf(server);
        CompletableFuture<Long> accepted = server.acceptOne(Id128.random(), Duration.ofSeconds(30));
        Thread.sleep(50); // let the accept thread block in accept()
        server.close();
        assertThrows(CancellationException.class, () -> accepted.get(5, TimeUnit.SECONDS));
        assertFalse(Files.exists(dir));
        server.close(); // idempotent
        assertThrows(IOException.class, () -> channels.connect(server.address(), Id128.random(), WAIT));
    }

    @Test
    void closeWhileVettingASilentConnectionIsPrompt() throws Exception {
        UnixNamedChannels patient = new UnixNamedChannels(Duration.ofSeconds(20));
        Server server = patient.listen(NamedChannels.Options.DEFAULT);
        CompletableFuture<Long> accepted = server.acceptOne(Id128.random(), Duration.ofSeconds(30));
        AFUNIXSocket silent = rawConnect(server);
        Thread.sleep(100); // the accept thread is now waiting for its preface
        long start = System.nanoTime();
        server.close();
        assertThrows(CancellationException.class, () -> accepted.get(5, TimeUnit.SECONDS));
        assertHungUp(silent);
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
    }

    @Test
    void cancellingTheFutureClosesTheServer() throws Exception {
        Server server = channels.listen(NamedChannels.Options.DEFAULT);
        Path dir = directoryOf(server);
        CompletableFuture<Long> accepted = server.acceptOne(Id128.random(), Duration.ofSeconds(30));
        assertTrue(accepted.cancel(true));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (Files.exists(dir) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertFalse(Files.exists(dir));
    }

    @Test
    void abstractNamespaceConnects() throws Exception {
        assumeTrue(Platform.isLinux(), "abstract namespace is Linux-only");
        Server server = closeLater(channels.listen(new NamedChannels.Options(true)));
        assertTrue(server.address().matches("abstract:switchboard-[0-9a-f]{32}"), server.address());
        assertTrue(UnixHandleOps.isCloexec(((UnixNamedChannels.NamedServer) server).listeningFd()));
        Id128 token = Id128.random();
        CompletableFuture<Long> accepted = server.acceptOne(token, WAIT);
        long client = own(channels.connect(server.address(), token, WAIT));
        long parent = own(accepted.get(10, TimeUnit.SECONDS));
        assertConnected(parent, client);
        // the name is released with the listener
        assertThrows(IOException.class, () -> channels.connect(server.address(), token, WAIT));
    }

    @Test
    void abstractNamespaceIsRefusedOffLinux() throws Exception {
        assumeTrue(!Platform.isLinux(), "only meaningful where the namespace does not exist");
        assertThrows(UnsupportedOperationException.class, () -> channels.listen(new NamedChannels.Options(true)));
    }

    @Test
    void socketLivesInAnOwnerOnlyDirectoryAndIsNotInherited() throws Exception {
        Server server = closeLater(channels.listen(NamedChannels.Options.DEFAULT));
        Path dir = directoryOf(server);
        assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(dir));
        assertTrue(dir.getFileName().toString().startsWith("switchboard-"));
        assertEquals(UnixNamedChannels.SOCKET_FILE_NAME, Path.of(server.address().substring(5)).getFileName().toString());
        assertTrue(Files.exists(Path.of(server.address().substring(5))));
        assertTrue(UnixHandleOps.isCloexec(((UnixNamedChannels.NamedServer) server).listeningFd()),
                "listening fd must be FD_CLOEXEC");
    }

    @Test
    void malformedAddressesAreRejected() {
        for (String bad : List.of("", "tcp:localhost:1", "unix:", "unix:relative/channel.sock", "abstract:", "/tmp/x.sock")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> channels.connect(bad, Id128.random(), WAIT), bad);
            assertTrue(e.getMessage().contains("unix:") || e.getMessage().contains("abstract:"), e.getMessage());
        }
    }

    @Test
    void connectingToANameNobodyListensOnFailsWithoutLeaking() throws Exception {
        assertThrows(IOException.class,
                () -> channels.connect("unix:/nonexistent-switchboard-dir/channel.sock", Id128.random(), WAIT));
        if (Platform.isLinux()) {
            assertThrows(IOException.class,
                    () -> channels.connect("abstract:switchboard-" + Id128.random().toHex(), Id128.random(), WAIT));
        }
        // the fd comparison in noLeaks() checks the error paths closed their sockets
    }

    @Test
    void acceptOneIsOneShot() throws Exception {
        Server server = closeLater(channels.listen(NamedChannels.Options.DEFAULT));
        CompletableFuture<Long> first = server.acceptOne(Id128.random(), WAIT);
        assertThrows(IllegalStateException.class, () -> server.acceptOne(Id128.random(), WAIT));
        server.close();
        assertThrows(CancellationException.class, () -> first.get(5, TimeUnit.SECONDS));
    }

    @Test
    void acceptOneAfterCloseFailsAtOnce() throws Exception {
        Server server = channels.listen(NamedChannels.Options.DEFAULT);
        server.close();
        CompletableFuture<Long> f = server.acceptOne(Id128.random(), WAIT);
        assertTrue(f.isCompletedExceptionally());
    }

    @Test
    void tokensCompareByValue() {
        Id128 a = Id128.random();
        assertTrue(UnixNamedChannels.sameToken(a, new Id128(a.high(), a.low())));
        assertFalse(UnixNamedChannels.sameToken(a, new Id128(a.high(), a.low() ^ 1)));
        assertFalse(UnixNamedChannels.sameToken(a, new Id128(a.high() ^ (1L << 63), a.low())));
    }
}
