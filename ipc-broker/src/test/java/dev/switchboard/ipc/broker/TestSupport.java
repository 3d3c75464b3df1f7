package dev.switchboard.ipc.broker;

import static org.junit.jupiter.api.Assertions.fail;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/** Shared by the real-process tests and the child programs they launch. */
final class TestSupport {

    private TestSupport() {}

    /** fd number to link target, for this process. */
    static Map<Integer, String> openFds() {
        Map<Integer, String> fds = new TreeMap<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                try {
                    String target = Files.readSymbolicLink(p).toString();
                    // directory streams over /proc/*/fd (this listing's own, or a concurrent one)
                    // and the JVM's brief reads of cgroup files come and go on their own
                    if (!(target.startsWith("/proc/") && target.endsWith("/fd")) && !target.startsWith("/sys/fs/cgroup")) {
                        fds.put(Integer.parseInt(p.getFileName().toString()), target);
                    }
                } catch (IOException gone) {
                    // the descriptor used to list the directory itself is closed by now
                }
            }
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
        return fds;
    }

    static int openFdCount() {
        return openFds().size();
    }

    /**
     * Waits until the fd count settles back to {@code baseline} (descriptors close on I/O threads
     * a moment after the test's last step) and fails listing the extras otherwise.
     */
    static void assertFdCountReturnsTo(int baseline, Map<Integer, String> before) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            if (openFdCount() <= baseline) {
                return;
            }
            sleep(20);
        }
        Map<Integer, String> now = openFds();
        now.keySet().removeAll(before.keySet());
        fail("descriptors leaked: " + (openFdCount() - baseline) + " more than before: " + now);
    }

    static void awaitTrue(Duration timeout, BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            sleep(5);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeException(e);
        }
    }

    static Message text(String s) {
        return Message.of(s.getBytes(StandardCharsets.UTF_8));
    }

    static String text(Message m) {
        return new String(m.bytes(), StandardCharsets.UTF_8);
    }

    static String readText(MessagePipe pipe, Duration timeout) throws InterruptedException {
        Message m = pipe.read(timeout);
        if (m == null) {
            throw new AssertionError(pipe + ": nothing within " + timeout);
        }
        try (m) {
            return text(m);
        }
    }

    /** The size of message {@code i} in the mixed-size stream: mostly small, some up to 1 MiB. */
    static int mixedSize(long seed, int i) {
        long x = (seed ^ (i * 0x9E3779B97F4A7C15L)) * 0xBF58476D1CE4E5B9L;
        x ^= x >>> 31;
        int r = (int) ((x >>> 1) % 1000);
        if (i % 250 == 7) {
            return 1 << 20; // the upper bound itself
        }
        if (i % 1000 == 3) {
            return 0;
        }
        if (r < 5) {
            return (int) ((x >>> 20) % (1 << 20)); // up to 1 MiB
        }
        if (r < 100) {
            return (int) ((x >>> 20) % 65536);
        }
        return (int) ((x >>> 20) % 512);
    }

    /** Payload of message {@code i}: its index, then bytes that depend on index and position. */
    static byte[] mixedPayload(long seed, int i) {
        int size = mixedSize(seed, i);
        byte[] b = new byte[size];
        if (size >= 4) {
            ByteBuffer.wrap(b).putInt(i);
        }
        for (int j = Math.min(4, size); j < size; j++) {
            b[j] = (byte) (i * 31 + j);
        }
        return b;
    }

    /** Null when {@code got} is message {@code i}, else what is wrong. */
    static String checkMixed(long seed, int i, byte[] got) {
        return difference(i, mixedPayload(seed, i), got);
    }

    /** Null when message {@code i} arrived as {@code want}, else what differs. */
    static String difference(int i, byte[] want, byte[] got) {
        if (got.length != want.length) {
            return "message " + i + ": " + got.length + " bytes, expected " + want.length;
        }
        for (int j = 0; j < want.length; j++) {
            if (got[j] != want[j]) {
                return "message " + i + ": byte " + j + " differs";
            }
        }
        return null;
    }
}
