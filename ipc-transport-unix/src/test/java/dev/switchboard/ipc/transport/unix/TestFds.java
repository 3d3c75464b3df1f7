package dev.switchboard.ipc.transport.unix;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/** fd bookkeeping for leak assertions. */
final class TestFds {

    private TestFds() {}

    /**
     * Open fds of this process, number to what each refers to. Leaves out what HotSpot's own
     * threads open for a moment (the JIT reads /sys/fs/cgroup/.../memory.* now and then, strace
     * showed), and fds closed while the list was read: both are noise from other threads, not
     * fds this code owns. The listing's own directory fd is in every snapshot, so it cancels out.
     */
    static SortedMap<Integer, String> snapshot() {
        SortedMap<Integer, String> fds = new TreeMap<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            s.forEach(p -> {
                String target;
                try {
                    target = Files.readSymbolicLink(p).toString();
                } catch (IOException e) {
                    return; // closed since it was listed
                }
                if (!target.startsWith("/sys/fs/cgroup/") && !target.startsWith("/proc/")) {
                    fds.put(Integer.parseInt(p.getFileName().toString()), target);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return fds;
    }

    /** Fails, naming every fd that differs, unless as many fds are open as in {@code baseline}. */
    static void assertNoLeak(SortedMap<Integer, String> baseline) {
        SortedMap<Integer, String> after = snapshot();
        if (after.size() != baseline.size()) {
            throw new AssertionError("fds leaked: " + baseline.size() + " open before, " + after.size() + " after:"
                    + diff(baseline, after));
        }
    }

    /** e.g. " +17 socket:[123] -20 /tmp/x". */
    private static String diff(SortedMap<Integer, String> before, SortedMap<Integer, String> after) {
        StringBuilder sb = new StringBuilder();
        after.forEach((fd, target) -> {
            if (!target.equals(before.get(fd))) {
                sb.append(" +").append(fd).append(' ').append(target);
            }
        });
        before.forEach((fd, target) -> {
            if (!target.equals(after.get(fd))) {
                sb.append(" -").append(fd).append(' ').append(target);
            }
        });
        return sb.toString();
    }

    static boolean isOpen(long fd) {
        return LibC.fcntl((int) fd, LibC.F_GETFD) >= 0;
    }

    static boolean isCloexec(long fd) {
        int flags = LibC.fcntl((int) fd, LibC.F_GETFD);
        if (flags < 0) {
            throw new AssertionError("fd " + fd + " is not open");
        }
        return (flags & LibC.FD_CLOEXEC) != 0;
    }

    /**
     * Waits until every task queued on the channel's I/O thread before this call has run, e.g.
     * the write tasks of earlier send() calls.
     */
    static void drain(UnixFrameChannel ch) {
        try {
            ch.eventLoop().submit(() -> {}).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new AssertionError("I/O thread did not drain", e);
        }
    }
}
