package dev.switchboard.ipc.bench;

import dev.switchboard.ipc.bench.jmh.FrameCodecBenchmark;
import dev.switchboard.ipc.bench.jmh.TypedCodecBenchmark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the in-process JMH benchmarks (package {@code ...bench.jmh}). JMH forks its own JVMs for
 * measuring, from this JVM's class path, so the driver's state does not leak into them. The typed
 * codec benchmark runs on its own, with JMH's GC profiler, because its report gives allocation
 * per operation next to operations per second.
 */
public final class MicroBenchmarks {

    /** JMH's secondary result from {@code -prof gc}: bytes allocated per benchmark operation. */
    static final String ALLOC_PER_OP = "gc.alloc.rate.norm";

    private MicroBenchmarks() {}

    /**
     * @param log where JMH's own console output goes (the typed run's goes next to it)
     * @throws RunnerException when JMH cannot run at all
     */
    public static List<MicroResult> run(Mode mode, Path log) throws RunnerException {
        String typed = quoted(TypedCodecBenchmark.class.getName());
        Options frames = base(mode, log)
                .include(quoted(FrameCodecBenchmark.class.getPackageName()) + "\\..*")
                .exclude(typed)
                .build();
        Options codec = base(mode, log.resolveSibling("jmh-typed.log"))
                .include(typed + "\\..*")
                .addProfiler(GCProfiler.class)
                .build();
        List<MicroResult> out = new ArrayList<>();
        out.addAll(results(new org.openjdk.jmh.runner.Runner(frames).run()));
        out.addAll(results(new org.openjdk.jmh.runner.Runner(codec).run()));
        out.sort((a, b) -> a.benchmark().equals(b.benchmark())
                ? Integer.compare(a.payloadBytes(), b.payloadBytes()) : a.benchmark().compareTo(b.benchmark()));
        return out;
    }

    private static ChainedOptionsBuilder base(Mode mode, Path log) {
        return new OptionsBuilder()
                .forks(mode.jmhForks())
                .warmupIterations(mode.jmhWarmupIterations())
                .warmupTime(TimeValue.milliseconds(mode.jmhIterationMillis()))
                .measurementIterations(mode.jmhIterations())
                .measurementTime(TimeValue.milliseconds(mode.jmhIterationMillis()))
                .shouldFailOnError(true)
                .output(log.toString());
    }

    private static List<MicroResult> results(Collection<RunResult> results) {
        List<MicroResult> out = new ArrayList<>();
        for (RunResult rr : results) {
            String full = rr.getParams().getBenchmark();
            String[] parts = full.split("\\.");
            String name = parts[parts.length - 2] + "." + parts[parts.length - 1];
            String size = rr.getParams().getParam("payloadBytes");
            Result<?> r = rr.getPrimaryResult();
            Result<?> alloc = rr.getSecondaryResults().get(ALLOC_PER_OP);
            out.add(new MicroResult(name, size == null ? 0 : Integer.parseInt(size), r.getScore(), r.getScoreError(),
                    r.getScoreUnit(), alloc == null ? Double.NaN : alloc.getScore()));
        }
        return out;
    }

    private static String quoted(String name) {
        return name.replace(".", "\\.");
    }
}
