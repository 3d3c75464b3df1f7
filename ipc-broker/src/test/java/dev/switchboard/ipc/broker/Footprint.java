package dev.switchboard.ipc.broker;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What this process holds: open descriptors (less the JVM's own transient ones, see
 * {@link TestSupport#openFds()}), live threads, heap in use after full collections and direct
 * buffer memory.
 */
record Footprint(Map<Integer, String> fds, Map<Long, String> threads, long heapBytes, long directBytes) {

    private static final long MIB = 1 << 20;

    static Footprint take() {
        return new Footprint(TestSupport.openFds(), liveThreads(), heapAfterGc(), directBufferBytes());
    }

    static Map<Long, String> liveThreads() {
        Map<Long, String> t = new TreeMap<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            t.put(thread.getId(), thread.getName());
        }
        return t;
    }

    /** Heap in use after the collector has had a few goes at it (finalizers, cleaners, soft references). */
    static long heapAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            TestSupport.sleep(50);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    static long heapNow() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static long directBufferBytes() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    }

    /**
     * Waits (up to {@code timeout}: descriptors close and threads end a moment after the last
     * child is gone) for fds and threads to be back at most at {@code this}, and the heap within
     * {@code heapSlack} of it, measured once at once and once more after {@code quiet} (state that
     * a timer holds for a bounded time, like an invitation's handshake timeout, is no leak; the
     * second figure counts). Returns the footprint then, and what is still over, empty if nothing.
     */
    Comparison settle(Duration timeout, long heapSlack, Duration quiet) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Footprint now;
        while (true) {
            now = new Footprint(TestSupport.openFds(), liveThreads(), heapNow(), directBufferBytes());
            boolean light = now.fds.size() <= fds.size() && now.threads.size() <= threads.size();
            if (light || System.nanoTime() > deadline) {
                break;
            }
            TestSupport.sleep(50);
        }
        long heapAtOnce = heapAfterGc();
        if (!quiet.isZero()) {
            TestSupport.sleep(quiet.toMillis());
        }
        now = new Footprint(now.fds, now.threads, heapAfterGc(), directBufferBytes());
        List<String> over = new ArrayList<>();
        if (now.fds.size() > fds.size()) {
            Map<Integer, String> extra = new TreeMap<>(now.fds);
            extra.keySet().removeAll(fds.keySet());
            over.add("fds: " + now.fds.size() + " open, " + fds.size() + " at the start; new ones by target: " + countByTarget(extra));
        }
        if (now.threads.size() > threads.size()) {
            Map<Long, String> extra = new TreeMap<>(now.threads);
            extra.keySet().removeAll(threads.keySet());
            over.add("threads: " + now.threads.size() + " alive, " + threads.size() + " at the start; new: " + extra.values());
        }
        if (now.heapBytes > heapBytes + heapSlack) {
            over.add(String.format("heap after GC: %.1f MiB, %.1f MiB at the start (allowed: +%d MiB)",
                    now.heapBytes / (double) MIB, heapBytes / (double) MIB, heapSlack / MIB));
        }
        return new Comparison(this, now, heapAtOnce, quiet, over);
    }

    private static Map<String, Long> countByTarget(Map<Integer, String> fds) {
        // socket:[12345] and pipe:[678] differ per descriptor: count them by type
        return fds.values().stream().map(t -> t.replaceAll("\\[\\d+\\]", "[]").replaceAll("-[A-Za-z0-9_]{6,} \\(deleted\\)$", "-* (deleted)"))
                .collect(Collectors.groupingBy(t -> t, TreeMap::new, Collectors.counting()));
    }

    /** @param heapAtOnce heap after GC right after the last child, before {@code quiet} */
    record Comparison(Footprint before, Footprint after, long heapAtOnce, Duration quiet, List<String> over) {
        @Override
        public String toString() {
            String later = quiet.isZero() ? "" : String.format(" (%.1f MiB %d s earlier, right after the last child)",
                    heapAtOnce / (double) MIB, quiet.toSeconds());
            return String.format("fds %d -> %d, threads %d -> %d, heap after GC %.1f -> %.1f MiB%s, direct buffers %.1f -> %.1f MiB",
                    before.fds.size(), after.fds.size(), before.threads.size(), after.threads.size(),
                    before.heapBytes / (double) MIB, after.heapBytes / (double) MIB, later,
                    before.directBytes / (double) MIB, after.directBytes / (double) MIB);
        }
    }
}
