package dev.switchboard.ipc.broker.sandbox;

import static org.junit.jupiter.api.Assertions.fail;

import dev.switchboard.ipc.broker.ChildProcess;
import dev.switchboard.ipc.broker.ChildProcessLauncher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/** Shared by the sandbox tests and the child programs they launch. */
final class SandboxTestSupport {

    private SandboxTestSupport() {}

    static final Path NO_INPUT = Path.of("/dev/null");

    /**
     * This process's sockets, pipes and memfds: the kinds the sandbox channel makes. Other
     * descriptors are left out because the JVM opens and caches some lazily (jar files,
     * /dev/random, NIO's pre-close socket), which would make a plain count flaky.
     */
    static Map<Integer, String> ourFds() {
        Map<Integer, String> fds = new TreeMap<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                try {
                    String target = Files.readSymbolicLink(p).toString();
                    if (target.startsWith("socket:") || target.startsWith("pipe:") || target.startsWith("/memfd:")) {
                        fds.put(Integer.parseInt(p.getFileName().toString()), target);
                    }
                } catch (IOException gone) {
                    // the listing's own descriptor, closed by now
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return fds;
    }

    /** Opens the JVM's lazily created descriptors once, so that they count as "before". */
    static void warmUpFdTable() {
        try {
            FileChannel.open(Path.of("/proc/self/stat"), StandardOpenOption.READ).close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Null when this process has exactly the sockets/pipes/memfds of {@code before}, else what differs. */
    static String fdDifference(Map<Integer, String> before) {
        Map<Integer, String> now = ourFds();
        if (now.equals(before)) {
            return null;
        }
        Map<Integer, String> extra = new TreeMap<>(now);
        extra.keySet().removeAll(before.keySet());
        Map<Integer, String> missing = new TreeMap<>(before);
        missing.keySet().removeAll(now.keySet());
        return "extra " + extra + ", missing " + missing;
    }

    /**
     * Fails unless the fd table comes back to {@code before}. Descriptors here close
     * synchronously, but the host's handler thread may still be finishing its last request when
     * a test reaches this check, hence the short wait.
     */
    static void assertNoFdLeak(Map<Integer, String> before) {
        awaitTrue(Duration.ofSeconds(5), () -> fdDifference(before) == null, "fd table to return to its baseline");
    }

    static void awaitTrue(Duration timeout, BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** A launcher for a test child whose stdout/stderr go to {@code dir/name.out|err}. */
    static ChildProcessLauncher javaChild(Class<?> main, Path dir, String name) {
        return ChildProcessLauncher.forJava(main)
                .jvmOptions("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k")
                .redirectInput(NO_INPUT)
                .redirectOutput(dir.resolve(name + ".out"))
                .redirectError(dir.resolve(name + ".err"));
    }

    static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for the child to exit and returns its stdout, failing with stdout+stderr on a bad exit. */
    static List<String> awaitSuccess(ChildProcess child, Path dir, String name, Duration timeout) throws Exception {
        int status = child.onExit().get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        List<String> out = lines(dir.resolve(name + ".out"));
        if (status != 0) {
            fail(name + " exited with " + status + "\nstdout: " + out + "\nstderr: "
                    + String.join("\n", lines(dir.resolve(name + ".err"))));
        }
        return out;
    }
}
