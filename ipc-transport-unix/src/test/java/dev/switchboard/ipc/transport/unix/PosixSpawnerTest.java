package dev.switchboard.ipc.transport.unix;

import static dev.switchboard.ipc.transport.unix.PosixSpawnLib.LIB;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import dev.switchboard.ipc.spi.ProcessSpawner.Redirect;
import dev.switchboard.ipc.spi.ProcessSpawner.Request;
import dev.switchboard.ipc.spi.ProcessSpawner.Spawned;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real processes only. Children's stdout/stderr go to files: surefire reads the test JVM's fd 1
 * as its own protocol channel, so a child writing there directly would corrupt it.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PosixSpawnerTest {

    /** Just what the tests need beyond PosixSpawnLib. */
    interface TestLibc extends Library {
        TestLibc C = Native.load(Platform.C_LIBRARY_NAME, TestLibc.class);

        int open(String path, int flags, Object... mode);
    }

    private static final long SYS_KCMP = Platform.ARCH.equals("aarch64") ? 272 : 312;
    private static final long KCMP_FILE = 0;
    /** Children must not read the test JVM's stdin: surefire sends its commands there. */
    private static final Redirect NO_INPUT = new Redirect(Path.of("/dev/null"), false);
    private static final Pattern LS_LINE = Pattern.compile("\\s(\\d+) -> (.*)$");

    private final PosixSpawner spawner = new PosixSpawner();
    private final List<Integer> openedFds = new ArrayList<>();

    @TempDir
    Path tmp;

    @BeforeAll
    static void linuxOnly() {
        // The tests read /proc; the spawner itself also targets macOS.
        org.junit.jupiter.api.Assumptions.assumeTrue(Platform.isLinux(), "tests need Linux /proc");
    }

    @AfterEach
    void closeTestFds() {
        openedFds.forEach(LIB::close);
    }

    // ------------------------------------------------------------------ slots

    /**
     * The hard mapping cases in one spawn: two slots swap their sources ({a: b, b: a}), one slot
     * maps to itself ({w: w}, a dup2(fd, fd) no-op would leave FD_CLOEXEC set and exec would close
     * it), and slot 3 takes a source that is also used elsewhere. All sources are CLOEXEC, as the
     * JVM's own fds are: only the spawner's dup2 may carry them over. The child must see exactly
     * 0, 1, 2 and the four slots, each naming the right pipe end.
     */
    @Test
    void slotsSwapSelfMapAndNothingElse() throws Exception {
        int[] p1 = pipe(true);
        int[] p2 = pipe(true);
        int a = p1[0];
        int b = p2[0];
        int w = p1[1];
        Map<Integer, Long> slots = Map.of(a, (long) b, b, (long) a, w, (long) w, 3, (long) b);
        Path out = tmp.resolve("fds.txt");
        Spawned child = spawner.spawn(request(List.of("/bin/sh", "-c", "ls -l /proc/$$/fd; true"), Map.of(), null,
                slots, Redirect.INHERIT, new Redirect(out, false), new Redirect(tmp.resolve("err.txt"), false)));
        assertEquals(0, exit(child));

        Map<Integer, String> childFds = parseLs(Files.readString(out));
        Set<Integer> expected = new HashSet<>(List.of(0, 1, 2, 3, a, b, w));
        assertEquals(expected, childFds.keySet(), "child fds: " + childFds);
        assertEquals(target(b), childFds.get(a));
        assertEquals(target(a), childFds.get(b));
        assertEquals(target(w), childFds.get(w));
        assertEquals(target(b), childFds.get(3));
        assertEquals(out.toRealPath().toString(), childFds.get(1));
    }

    /** Slots 3 and 4 from a pipe and a file, with the pipe's number equal to the other target. */
    @Test
    void slotFromFileAndPipe() throws Exception {
        int[] p = pipe(true);
        Path data = tmp.resolve("data");
        Files.writeString(data, "x");
        int file = track(TestLibc.C.open(data.toString(), PosixSpawnLib.O_RDONLY | PosixSpawnLib.O_CLOEXEC));
        Path out = tmp.resolve("fds.txt");
        Spawned child = spawner.spawn(request(List.of("/bin/sh", "-c", "ls -l /proc/$$/fd; true"), Map.of(), null,
                Map.of(3, (long) p[1], 4, (long) file), Redirect.INHERIT, new Redirect(out, false), Redirect.INHERIT));
        assertEquals(0, exit(child));
        Map<Integer, String> childFds = parseLs(Files.readString(out));
        assertEquals(Set.of(0, 1, 2, 3, 4), childFds.keySet(), "child fds: " + childFds);
        assertEquals(target(p[1]), childFds.get(3));
        assertEquals(data.toRealPath().toString(), childFds.get(4));
    }

    /**
     * The child reads slot 3 until EOF. EOF needs every write end closed, so a leaked copy of the
     * parent's write end in the child would make this hang (and time out).
     */
    @Test
    void childReadsThroughSlot3() throws Exception {
        int[] p = pipe(true);
        Path out = tmp.resolve("out.txt");
        Spawned child = spawner.spawn(request(List.of("/bin/sh", "-c", "cat <&3"), Map.of(), null,
                Map.of(3, (long) p[0]), Redirect.INHERIT, new Redirect(out, false), Redirect.INHERIT));
        writeFd(p[1], "hello through slot 3\n");
        closeTracked(p[1]); // parent's write end: after this only EOF remains
        assertEquals(0, exit(child));
        assertEquals("hello through slot 3\n", Files.readString(out));
    }

    @Test
    void slotErrorsAreRejected() throws Exception {
        Path f = tmp.resolve("o");
        assertThrows(IllegalArgumentException.class, () -> spawner.spawn(request(List.of("/bin/true"), Map.of(), null,
                Map.of(1, 0L), Redirect.INHERIT, new Redirect(f, false), Redirect.INHERIT)));
        assertThrows(IllegalArgumentException.class, () -> spawner.spawn(request(List.of("/bin/true"), Map.of(), null,
                Map.of(-1, 0L), Redirect.INHERIT, Redirect.INHERIT, Redirect.INHERIT)));
        ChildReaper.get(); // its one-per-JVM wake-up fd is not a leak
        Set<Integer> before = parentFds();
        // an fd number that is surely not open
        IOException e = assertThrows(IOException.class, () -> spawner.spawn(request(List.of("/bin/true"), Map.of(),
                null, Map.of(3, 99_999L), Redirect.INHERIT, Redirect.INHERIT, Redirect.INHERIT)));
        assertTrue(e.getMessage().contains("slot 3") && e.getMessage().contains("99999"), e.getMessage());
        assertEquals(before, parentFds());
    }

    // ------------------------------------------------------------------ stdio, cwd, env, PATH

    @Test
    void redirectsTruncateAppendAndStdin() throws Exception {
        Path in = tmp.resolve("in.txt");
        Path out = tmp.resolve("out.txt");
        Path err = tmp.resolve("err.txt");
        Files.writeString(in, "from stdin\n");
        Files.writeString(out, "old out that must vanish\n");
        Files.writeString(err, "old err\n");
        Spawned child = spawner.spawn(request(List.of("/bin/sh", "-c", "cat; echo err >&2"), Map.of(), null, Map.of(),
                new Redirect(in, false), new Redirect(out, false), new Redirect(err, true)));
        assertEquals(0, exit(child));
        assertEquals("from stdin\n", Files.readString(out));
        assertEquals("old err\nerr\n", Files.readString(err));
    }

    @Test
    void newOutputFileGetsMode0644() throws Exception {
        Path out = tmp.resolve("new.txt");
        assertEquals(0, exit(spawner.spawn(request(List.of("/bin/echo", "x"), Map.of(), null,
                Map.of(), Redirect.INHERIT, new Redirect(out, false), Redirect.INHERIT))));
        // 0644 minus the JVM's umask: never group/other writable, always owner read/write
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(out);
        assertTrue(perms.contains(PosixFilePermission.OWNER_READ) && perms.contains(PosixFilePermission.OWNER_WRITE), perms.toString());
        assertFalse(perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)
                || perms.contains(PosixFilePermission.OWNER_EXECUTE), perms.toString());
        assertEquals("x\n", Files.readString(out));
    }

    @Test
    void workingDirectoryAndRelativeProgram() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("work dir"));
        Path script = dir.resolve("hello.sh");
        Files.writeString(script, "#!/bin/sh\npwd\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        Path out = tmp.resolve("out.txt");
        // "./hello.sh" exists only in the child's working directory
        Spawned child = spawner.spawn(request(List.of("./hello.sh"), Map.of(), dir, Map.of(),
                Redirect.INHERIT, new Redirect(out, false), Redirect.INHERIT));
        assertEquals(0, exit(child));
        assertEquals(dir.toRealPath() + "\n", Files.readString(out));
    }

    @Test
    void environmentIsExactlyTheRequestedOne() throws Exception {
        Map<String, String> env = Map.of("A", "1", "B", "two words", "EMPTY", "", "EQ", "x=y");
        Path out = tmp.resolve("env.txt");
        Spawned child = spawner.spawn(request(List.of("/usr/bin/env"), env, null, Map.of(),
                Redirect.INHERIT, new Redirect(out, false), Redirect.INHERIT));
        assertEquals(0, exit(child));
        assertEquals(Set.of("A=1", "B=two words", "EMPTY=", "EQ=x=y"), Set.copyOf(Files.readAllLines(out)));
    }

    /** posix_spawnp searches the JVM's PATH; the child's own environment here has none at all. */
    @Test
    void pathLookupForProgramWithoutSlash() throws Exception {
        Spawned child = spawner.spawn(request(List.of("sh", "-c", "exit 7"), Map.of(), null, Map.of(),
                Redirect.INHERIT, Redirect.INHERIT, Redirect.INHERIT));
        assertEquals(7, exit(child));
    }

    /** The JVM blocks SIGQUIT in its threads; exec would carry that over without SETSIGMASK. */
    @Test
    void childStartsWithEmptySignalMaskAndNoIgnoredSignals() throws Exception {
        Path out = tmp.resolve("status.txt");
        assertEquals(0, exit(spawner.spawn(request(List.of("/bin/cat", "/proc/self/status"), Map.of(), null, Map.of(),
                Redirect.INHERIT, new Redirect(out, false), Redirect.INHERIT))));
        String status = Files.readString(out);
        assertEquals(0, sigField(status, "SigBlk"), status);
        // glibc's posix_spawn leaves its internal signals 32 and 33 ignored, whatever the caller asks
        long glibcInternal = (1L << 31) | (1L << 32);
        assertEquals(0, sigField(status, "SigIgn") & ~glibcInternal, status);
    }

    // ------------------------------------------------------------------ exit codes and reaping

    @Test
    void exitCodeSignalAndNoZombie() throws Exception {
        Spawned exits = spawner.spawn(simple("/bin/sh", "-c", "exit 42"));
        Spawned killed = spawner.spawn(simple("/bin/sleep", "30"));
        Spawned terminated = spawner.spawn(simple("/bin/sleep", "30"));
        assertEquals(0, LIB.kill((int) killed.pid(), PosixSpawnLib.SIGKILL));
        assertEquals(0, LIB.kill((int) terminated.pid(), 15));
        assertEquals(42, exit(exits));
        assertEquals(128 + 9, exit(killed));
        assertEquals(128 + 15, exit(terminated));
        for (Spawned s : List.of(exits, killed, terminated)) {
            assertReaped(s.pid());
        }
    }

    @Test
    void dependentsDoNotRunOnTheReaperThread() throws Exception {
        Spawned child = spawner.spawn(simple("/bin/sh", "-c", "sleep 0.1"));
        String thread = child.exitCode().thenApply(code -> Thread.currentThread().getName()).get(10, TimeUnit.SECONDS);
        assertNotEquals(ChildReaper.THREAD_NAME, thread);
    }

    @Test
    void sixtyFourChildrenOneReaperThread() throws Exception {
        List<Spawned> children = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            children.add(spawner.spawn(simple("/bin/sh", "-c", "sleep 0.3; exit " + (i % 5))));
        }
        long reapers = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals(ChildReaper.THREAD_NAME)).count();
        assertEquals(1, reapers);
        for (int i = 0; i < children.size(); i++) {
            assertEquals(i % 5, exit(children.get(i)));
            assertReaped(children.get(i).pid());
        }
    }

    /** The path macOS and pre-5.3 kernels take: no pidfd, waitpid(WNOHANG) every 10 ms. */
    @Test
    void pollingFallbackReapsToo() throws Exception {
        PosixSpawner polling = new PosixSpawner(false);
        Spawned quick = polling.spawn(simple("/bin/true")); // likely exits before it is registered
        Spawned exits = polling.spawn(simple("/bin/sh", "-c", "sleep 0.2; exit 3"));
        Spawned killed = polling.spawn(simple("/bin/sleep", "30"));
        LIB.kill((int) killed.pid(), PosixSpawnLib.SIGKILL);
        assertEquals(0, exit(quick));
        assertEquals(3, exit(exits));
        assertEquals(137, exit(killed));
        for (Spawned s : List.of(quick, exits, killed)) {
            assertReaped(s.pid());
        }
    }

    // ------------------------------------------------------------------ failures

    @Test
    void missingProgramFailsClearlyAndLeaksNothing() throws Exception {
        int[] p = pipe(true);
        // The reaper's wake-up fd is made once per JVM, on the first spawn: not a leak.
        ChildReaper.get();
        Set<Integer> before = parentFds();
        for (String program : List.of("/nonexistent/program", "no-such-program-on-path-xyz", "/nonexistent/program")) {
            IOException e = assertThrows(IOException.class, () -> spawner.spawn(request(List.of(program), Map.of(),
                    null, Map.of(3, (long) p[0], 4, (long) p[1]), Redirect.INHERIT, Redirect.INHERIT, Redirect.INHERIT)));
            assertTrue(e.getMessage().contains(program), e.getMessage());
            assertTrue(e.getMessage().contains("No such file or directory"), e.getMessage());
        }
        IOException e = assertThrows(IOException.class, () -> spawner.spawn(request(List.of("/bin/true"), Map.of(),
                tmp.resolve("missing-dir"), Map.of(3, (long) p[0]), Redirect.INHERIT, Redirect.INHERIT, Redirect.INHERIT)));
        assertTrue(e.getMessage().contains("missing-dir"), e.getMessage());
        assertEquals(before, parentFds());
    }

    /** Staging copies and the pidfd are gone once the exit code is known. */
    @Test
    void successfulSpawnLeaksNothing() throws Exception {
        int[] p = pipe(true);
        ChildReaper.get();
        Set<Integer> before = parentFds();
        for (int i = 0; i < 3; i++) {
            assertEquals(0, exit(spawner.spawn(request(List.of("/bin/true"), Map.of(), null,
                    Map.of(3, (long) p[0], 7, (long) p[1]), NO_INPUT, Redirect.INHERIT, Redirect.INHERIT))));
        }
        assertEquals(before, parentFds());
    }

    // ------------------------------------------------------------------ a real child JVM

    /**
     * A child JVM must hold 0, 1, 2, 3 and only fds it opened itself.
     *
     * <p>How "opened itself" is told apart from "leaked from us": names are not enough (both JVMs
     * open the same lib/modules file). Linux kcmp(KCMP_FILE) says whether two fds in two processes
     * are the same open file description, i.e. whether one was inherited from the other. So while
     * the child is alive (it blocks on slot 3) we compare each of its fds with each of ours:
     * <ul>
     *   <li>its fd 3 must be the very description of our pipe's read end;
     *   <li>its fds >= 4 must match none of ours.
     * </ul>
     * To make the test bite even if every JVM fd happened to be CLOEXEC, we first open canaries
     * WITHOUT CLOEXEC (a pipe and a file), which a spawn without closefrom would hand down. Where
     * kcmp is unavailable the test still checks link targets: pipe/socket inodes and the canary
     * path are unique objects, so seeing one of ours among the child's fds >= 4 is a leak.
     */
    @Test
    void childJvmHoldsOnlyItsOwnFdsAndSlot3() throws Exception {
        pipe(false); // canary: inheritable pipe
        Path canaryFile = tmp.resolve("canary");
        Files.writeString(canaryFile, "canary");
        track(TestLibc.C.open(canaryFile.toString(), PosixSpawnLib.O_RDONLY)); // canary: inheritable file
        int[] slot3 = pipe(true);

        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path classes = Path.of(FdReportMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path out = tmp.resolve("child-fds.txt");
        Spawned child = spawner.spawn(request(
                List.of(java.toString(), "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-Xmx64m",
                        "-cp", classes.toString(), FdReportMain.class.getName()),
                Map.of("PATH", "/usr/bin:/bin"), null, Map.of(3, (long) slot3[0]),
                NO_INPUT, new Redirect(out, false), new Redirect(tmp.resolve("child-err.txt"), false)));
        try {
            String report = awaitEnd(out, child);
            Map<Integer, String> childFds = parseReport(report, child.pid());
            Map<Integer, String> ourFds = parentFdTargets();

            assertTrue(childFds.keySet().containsAll(Set.of(0, 1, 2, 3)), report);
            assertEquals(target(slot3[0]), childFds.get(3), "slot 3 is our pipe");

            Set<String> uniqueOfOurs = new HashSet<>();
            ourFds.values().stream().filter(t -> t.startsWith("pipe:") || t.startsWith("socket:")).forEach(uniqueOfOurs::add);
            uniqueOfOurs.add(canaryFile.toRealPath().toString());
            uniqueOfOurs.remove(target(slot3[0])); // the child legitimately has this one in slot 3
            for (Map.Entry<Integer, String> fd : childFds.entrySet()) {
                if (fd.getKey() >= 4) {
                    assertFalse(uniqueOfOurs.contains(fd.getValue()), "leaked into child: " + fd + "\n" + report);
                }
            }

            long slot3Same = kcmp(child.pid(), 3, slot3[0]);
            boolean kcmp = slot3Same != -1;
            if (kcmp) {
                assertEquals(0, slot3Same, "child's fd 3 is the description of our pipe's read end");
                for (int childFd : childFds.keySet()) {
                    if (childFd < 4) {
                        continue;
                    }
                    for (int ourFd : ourFds.keySet()) {
                        assertNotEquals(0, kcmp(child.pid(), childFd, ourFd),
                                "child fd " + childFd + " is our fd " + ourFd + " (" + ourFds.get(ourFd) + ")\n" + report);
                    }
                }
            } else {
                System.out.println("kcmp unavailable (errno " + Native.getLastError() + "); checked link targets only");
            }
            System.out.println("child JVM fds (kcmp " + kcmp + "): " + childFds);
        } finally {
            closeTracked(slot3[1]); // EOF on slot 3 lets the child exit
        }
        assertEquals(0, exit(child));
        assertReaped(child.pid());
    }

    // ------------------------------------------------------------------ helpers

    private static long sigField(String procStatus, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + ":\\s*([0-9a-f]+)$").matcher(procStatus);
        assertTrue(m.find(), name + " missing");
        return Long.parseUnsignedLong(m.group(1), 16);
    }

    private static Request request(List<String> argv, Map<String, String> env, Path cwd, Map<Integer, Long> slots,
                                   Redirect in, Redirect out, Redirect err) {
        return new Request(argv, env, cwd, slots, in, out, err);
    }

    private Request simple(String... argv) {
        return request(List.of(argv), Map.of(), null, Map.of(), NO_INPUT,
                new Redirect(tmp.resolve("simple-out.txt"), true), new Redirect(tmp.resolve("simple-err.txt"), true));
    }

    private static int exit(Spawned child) throws Exception {
        return child.exitCode().get(20, TimeUnit.SECONDS);
    }

    /** After exitCode completed the pid must be gone, or at least no zombie child of ours (pid reuse). */
    private static void assertReaped(long pid) throws IOException {
        Path status = Path.of("/proc", Long.toString(pid), "status");
        List<String> lines;
        try {
            lines = Files.readAllLines(status);
        } catch (IOException gone) {
            return;
        }
        boolean zombie = lines.stream().anyMatch(l -> l.startsWith("State:") && l.contains("Z"));
        boolean ours = lines.contains("PPid:\t" + ProcessHandle.current().pid());
        assertFalse(zombie && ours, "zombie left: " + lines);
    }

    private int[] pipe(boolean cloexec) {
        int[] fds = new int[2];
        assertEquals(0, LIB.pipe2(fds, cloexec ? PosixSpawnLib.O_CLOEXEC : 0), "pipe2");
        openedFds.add(fds[0]);
        openedFds.add(fds[1]);
        return fds;
    }

    private int track(int fd) {
        assertTrue(fd >= 0, "open failed: errno " + Native.getLastError());
        openedFds.add(fd);
        return fd;
    }

    private void closeTracked(int fd) {
        openedFds.remove((Integer) fd);
        assertEquals(0, LIB.close(fd));
    }

    private static void writeFd(int fd, String s) {
        byte[] bytes = s.getBytes(UTF_8);
        try (Memory m = new Memory(bytes.length)) {
            m.write(0, bytes, 0, bytes.length);
            assertEquals(bytes.length, LIB.write(fd, m, bytes.length));
        }
    }

    private static String target(int fd) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
    }

    /** Our fds and their link targets, without the listing's own directory fd. */
    private static Map<Integer, String> parentFdTargets() throws IOException {
        Map<Integer, String> fds = new TreeMap<>();
        String self = "/proc/" + ProcessHandle.current().pid() + "/fd";
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path p : dir) {
                try {
                    String t = Files.readSymbolicLink(p).toString();
                    if (!t.equals(self)) {
                        fds.put(Integer.parseInt(p.getFileName().toString()), t);
                    }
                } catch (IOException closedMeanwhile) {
                    // another thread's fd went away while we listed
                }
            }
        }
        return fds;
    }

    private static Set<Integer> parentFds() throws IOException {
        return new HashSet<>(parentFdTargets().keySet());
    }

    private static Map<Integer, String> parseLs(String ls) {
        Map<Integer, String> fds = new HashMap<>();
        for (String line : ls.split("\n")) {
            Matcher m = LS_LINE.matcher(line);
            if (m.find()) {
                fds.put(Integer.parseInt(m.group(1)), m.group(2));
            }
        }
        return fds;
    }

    private static Map<Integer, String> parseReport(String report, long pid) {
        Map<Integer, String> fds = new TreeMap<>();
        String listingDir = "/proc/" + pid + "/fd";
        for (String line : report.split("\n")) {
            int sp = line.indexOf(' ');
            if (sp > 0 && !line.substring(sp + 1).equals(listingDir)) {
                fds.put(Integer.parseInt(line.substring(0, sp)), line.substring(sp + 1));
            }
        }
        return fds;
    }

    private static String awaitEnd(Path out, Spawned child) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            String s = Files.exists(out) ? Files.readString(out) : "";
            if (s.endsWith("END\n")) {
                return s.substring(0, s.length() - "END\n".length());
            }
            if (child.exitCode().isDone()) {
                fail("child JVM exited early with " + child.exitCode().get() + ": " + s);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("child JVM did not report its fds in time");
    }

    /** 0 when our fd and the child's fd are one open file description; -1 on error. */
    private static long kcmp(long childPid, int childFd, int ourFd) {
        return LIB.syscall(SYS_KCMP, ProcessHandle.current().pid(), childPid, KCMP_FILE, (long) ourFd, (long) childFd);
    }
}
