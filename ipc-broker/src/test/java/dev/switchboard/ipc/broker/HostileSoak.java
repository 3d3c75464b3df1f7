package dev.switchboard.ipc.broker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hundreds of hostile children against this one parent, a few at a time, while a well-behaved
 * child keeps doing round trips. Afterwards the parent must have served every round trip in
 * time, reported every hostile child as its kind demands, and be back to the descriptors,
 * threads and heap it started with.
 */
final class HostileSoak {

    /**
     * @param children how many hostile children in all; the first {@code kinds.size()} are one of
     *     each kind (in an order drawn from the seed), the rest drawn at random from {@code kinds}
     * @param concurrency how many hostile children are alive at a time
     * @param stallTimeout the frame or handshake timeout of a stalling child's invitation
     * @param quiet how long after the last child the heap is measured (again) against the baseline
     * @param hold how long after it stalls a stalling child may take to be reported before it is killed
     */
    record Plan(long seed, int children, int concurrency, List<HostileKind> kinds, Duration stallTimeout, Duration hold, Duration reportDeadline,
            int floodFrames, int stallers, Duration roundTripDeadline, long heapSlackBytes, Duration quiet) {

        List<HostileKind> schedule() {
            Random random = new Random(seed);
            List<HostileKind> first = new ArrayList<>(kinds);
            Collections.shuffle(first, random);
            List<HostileKind> all = new ArrayList<>(first.subList(0, Math.min(children, first.size())));
            while (all.size() < children) {
                all.add(kinds.get(random.nextInt(kinds.size())));
            }
            return all;
        }
    }

    /** Everything the soak saw, for assertions and for the report. */
    record Result(Plan plan, List<HostileRun.Outcome> outcomes, RoundTrips.Summary roundTrips,
            Footprint.Comparison footprint, long peakHeapBytes, long millis, String load) {

        List<HostileRun.Outcome> failures() {
            return outcomes.stream().filter(o -> !o.ok()).toList();
        }

        String report() {
            StringBuilder b = new StringBuilder();
            b.append(String.format("hostile soak: seed %d, %d children, %d at a time, %.1f s; machine load %s%n", plan.seed,
                    plan.children, plan.concurrency, millis / 1e3, load));
            Map<HostileKind, List<HostileRun.Outcome>> byKind = new EnumMap<>(HostileKind.class);
            for (HostileRun.Outcome o : outcomes) {
                byKind.computeIfAbsent(o.kind(), k -> new ArrayList<>()).add(o);
            }
            b.append(String.format("  %-22s %5s %5s %6s  %s%n", "kind", "runs", "ok", "early", "reports by kind (all reports, not only the one that counts)"));
            byKind.forEach((kind, list) -> {
                Map<ProcessError.Kind, Integer> reports = new TreeMap<>();
                list.forEach(o -> o.errors().forEach(e -> reports.merge(e.kind(), 1, Integer::sum)));
                long ok = list.stream().filter(HostileRun.Outcome::ok).count();
                long early = list.stream().filter(HostileRun.Outcome::reportedBeforeKill).count();
                b.append(String.format("  %-22s %5d %5d %6d  %s%n", kind.mode, list.size(), ok, early, reports));
                Map<ProcessError.Kind, String> firstReasons = new TreeMap<>();
                list.forEach(o -> o.errors().forEach(e -> firstReasons.putIfAbsent(e.kind(), e.reason())));
                firstReasons.forEach((k, reason) -> b.append(String.format("  %-22s   e.g. %s '%s'%n", "", k, abbreviate(reason))));
            });
            b.append("  (early: a report that counts came before the soak killed or gave up on the child)\n");
            b.append("well-behaved child: ").append(roundTrips).append('\n');
            long heapGrowth = footprint.after().heapBytes() - footprint.before().heapBytes();
            b.append("footprint: ").append(footprint).append(String.format(
                    " (%+d bytes per child), peak heap in use during the soak %.1f MiB%n",
                    outcomes.isEmpty() ? 0 : heapGrowth / outcomes.size(), peakHeapBytes / (double) (1 << 20)));
            footprint.over().forEach(o -> b.append("  NOT BACK: ").append(o).append('\n'));
            Map<HostileKind, List<HostileRun.Outcome>> failed = new EnumMap<>(HostileKind.class);
            failures().forEach(o -> failed.computeIfAbsent(o.kind(), k -> new ArrayList<>()).add(o));
            failed.forEach((kind, list) -> {
                b.append("FAILED ").append(kind.mode).append(": ").append(list.size()).append(" of ")
                        .append(byKind.get(kind).size()).append('\n');
                list.stream().limit(3).forEach(o -> b.append("    ").append(o).append('\n'));
            });
            return b.toString();
        }
    }

    /** Heap in use this far above the baseline (garbage included) makes the soak dump what the JVM holds. */
    private static final long HEAP_ALARM_BYTES = 1L << 30;

    private HostileSoak() {}

    private static String abbreviate(String s) {
        return s == null || s.length() <= 160 ? s : s.substring(0, 157) + "...";
    }

    static Result run(Plan plan) throws Exception {
        Path script = Path.of("src", "test", "python", "hostile_soak_child.py").toAbsolutePath();
        if (!Files.isRegularFile(script)) {
            throw new IOException("hostile child script not found at " + script + " (tests run in the ipc-broker directory)");
        }
        AtomicInteger callbackThreads = new AtomicInteger();
        ExecutorService callbacks = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "soak-callback-" + callbackThreads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        HostileRun.Settings settings = new HostileRun.Settings(script, plan.stallTimeout, plan.hold, plan.reportDeadline, plan.floodFrames,
                plan.stallers, callbacks);
        try (Launch good = Launch.java(Children.Echo.class, List.of("control"))) {
            // The first launches create this JVM's lasting machinery (I/O thread, reaper, buffer
            // pools): before the baseline, one of each way a child can end.
            for (int i = 0; i < 3; i++) {
                good.pipe("control").write(TestSupport.text("warm " + i));
                TestSupport.readText(good.pipe("control"), Duration.ofSeconds(60));
            }
            for (HostileKind k : List.of(HostileKind.BAD_MAGIC, HostileKind.KILLED_MID_STREAM, HostileKind.UNTRUSTED_INTRO)) {
                HostileRun.Outcome o = HostileRun.run(-1, k, settings);
                if (!o.ok()) {
                    throw new AssertionError("warm-up child failed: " + o);
                }
            }
            SoakDiagnostics.watch(good.child.pid(), "the well-behaved child (pid " + good.child.pid() + ")");
            Footprint baseline = Footprint.take();
            String loadBefore = SoakDiagnostics.loadAverages();
            long start = System.nanoTime();
            RoundTrips roundTrips = new RoundTrips(good.pipe("control"), plan.roundTripDeadline).start();
            AtomicLong peakHeap = new AtomicLong();
            Thread sampler = new Thread(() -> {
                boolean dumped = false;
                while (!Thread.currentThread().isInterrupted()) {
                    long heap = Footprint.heapNow();
                    peakHeap.accumulateAndGet(heap, Math::max);
                    if (!dumped && heap > baseline.heapBytes() + HEAP_ALARM_BYTES) {
                        dumped = true;
                        SoakDiagnostics.dump(String.format("heap in use %.0f MiB, %.0f MiB after GC at the start", heap / 1048576.0,
                                baseline.heapBytes() / 1048576.0));
                    }
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "soak-heap-sampler");
            sampler.setDaemon(true);
            sampler.start();
            List<HostileRun.Outcome> outcomes = runChildren(plan, settings);
            RoundTrips.Summary summary = roundTrips.stop();
            SoakDiagnostics.unwatch(good.child.pid());
            String load = "(1, 5, 15 min) " + loadBefore + " at the start, " + SoakDiagnostics.loadAverages() + " at the end";
            SoakDiagnostics.awaitDumps();
            sampler.interrupt();
            sampler.join();
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            callbacks.shutdown();
            callbacks.awaitTermination(30, TimeUnit.SECONDS);
            Footprint.Comparison footprint = baseline.settle(Duration.ofSeconds(15), plan.heapSlackBytes, plan.quiet);
            return new Result(plan, outcomes, summary, footprint, peakHeap.get(), millis, load);
        } finally {
            callbacks.shutdownNow();
        }
    }

    private static List<HostileRun.Outcome> runChildren(Plan plan, HostileRun.Settings settings) throws InterruptedException {
        AtomicInteger workerThreads = new AtomicInteger();
        ExecutorService workers = Executors.newFixedThreadPool(plan.concurrency, r -> {
            Thread t = new Thread(r, "soak-worker-" + workerThreads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        List<Future<HostileRun.Outcome>> futures = new ArrayList<>();
        List<HostileKind> schedule = plan.schedule();
        for (int i = 0; i < schedule.size(); i++) {
            int index = i;
            HostileKind kind = schedule.get(i);
            futures.add(workers.submit(() -> HostileRun.run(index, kind, settings)));
        }
        workers.shutdown();
        List<HostileRun.Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < futures.size(); i++) {
            try {
                outcomes.add(futures.get(i).get());
            } catch (java.util.concurrent.ExecutionException e) {
                outcomes.add(new HostileRun.Outcome(i, schedule.get(i), -1, "the soak itself failed: " + e.getCause(), false,
                        List.of(), 0));
            }
        }
        workers.awaitTermination(1, TimeUnit.MINUTES);
        return outcomes;
    }
}
