package dev.switchboard.ipc.broker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.switchboard.ipc.node.NodeController;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What this JVM was doing when the soak saw something go wrong (a missed round trip, the heap
 * far above its baseline): thread stacks and class histograms of this very process, taken with
 * the JDK's own tools and written to {@code target/soak-diag-*.txt}, so that a failure that shows
 * once in many runs leaves evidence behind. At most {@link #MAX_DUMPS} per run: the first ones
 * are those that show the cause.
 */
final class SoakDiagnostics {

    private static final int MAX_DUMPS = 3;
    private static final AtomicInteger DUMPS = new AtomicInteger();
    /** Other processes whose stacks tell something (the well-behaved child), by what they are. */
    private static final Map<Long, String> WATCHED = new ConcurrentHashMap<>();
    private static final List<Thread> BACKGROUND = new java.util.concurrent.CopyOnWriteArrayList<>();

    private SoakDiagnostics() {}

    /** Dumps the stacks of {@code pid} (a JVM) too, until {@link #unwatch}. */
    static void watch(long pid, String what) {
        WATCHED.put(pid, what);
    }

    static void unwatch(long pid) {
        WATCHED.remove(pid);
    }

    /**
     * {@link #dump} on a thread of its own: the caller (a round trip waiting for its echo) goes on
     * and measures what it would have measured without the dump.
     */
    static void dumpInBackground(String why) {
        Thread t = new Thread(() -> dump(why), "soak-diagnostics");
        t.setDaemon(true);
        BACKGROUND.add(t);
        t.start();
    }

    /** Waits for the dumps in progress, so that their threads do not count against the footprint. */
    static void awaitDumps() throws InterruptedException {
        for (Thread t : BACKGROUND) {
            t.join();
        }
        BACKGROUND.clear();
    }

    /** The 1, 5 and 15 minute load averages of the machine, as /proc/loadavg gives them. */
    static String loadAverages() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** Dumps stacks, then every object (reachable or not), then the live ones; returns the file, or null past the cap. */
    static Path dump(String why) {
        int n = DUMPS.incrementAndGet();
        if (n > MAX_DUMPS) {
            return null;
        }
        String pid = Long.toString(ProcessHandle.current().pid());
        Path file = Path.of("target", "soak-diag-" + pid + "-" + n + ".txt");
        StringBuilder b = new StringBuilder("why: ").append(why).append('\n');
        b.append("events of this node not yet handed to a channel: ").append(NodeController.get().node().undeliveredEvents()).append('\n');
        // stacks first: a full collection (the live histogram) would move the picture on
        b.append(run("jstack", "-l", pid));
        b.append(run("jcmd", pid, "GC.heap_info"));
        b.append(head(run("jcmd", pid, "GC.class_histogram", "-all"), 60));
        b.append(run("jstack", pid));
        b.append(head(run("jcmd", pid, "GC.class_histogram"), 60));
        WATCHED.forEach((other, what) -> b.append("==== ").append(what).append('\n').append(run("jstack", Long.toString(other))));
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, b);
        } catch (IOException e) {
            return null;
        }
        return file.toAbsolutePath();
    }

    private static String head(String text, int lines) {
        return String.join("\n", text.lines().limit(lines).toList()) + "\n";
    }

    private static String run(String... command) {
        StringBuilder b = new StringBuilder("==== ").append(String.join(" ", command)).append(" at ")
                .append(java.time.Instant.now()).append('\n');
        try {
            Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            p.waitFor(60, TimeUnit.SECONDS);
            b.append(new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            b.append("cannot run: ").append(e).append('\n');
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            b.append("interrupted\n");
        }
        return b.toString();
    }
}
