package dev.switchboard.ipc.bench;

import dev.switchboard.ipc.bench.jmh.FrameCodecBenchmark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the in-process JMH benchmarks (package {@code ...bench.jmh}). JMH forks its own JVMs for
 * measuring, from this JVM's class path, so the driver's state does not leak into them.
 */
public final class MicroBenchmarks {

    private MicroBenchmarks() {}

    /**
     * @param log where JMH's own console output goes
     * @throws RunnerException when JMH cannot run at all
     */
    public static List<MicroResult> run(Mode mode, Path log) throws RunnerException {
        Options options = new OptionsBuilder()
                .include(FrameCodecBenchmark.class.getPackageName().replace(".", "\\.") + "\\..*")
                .forks(mode.jmhForks())
                .warmupIterations(mode.jmhWarmupIterations())
                .warmupTime(TimeValue.milliseconds(mode.jmhIterationMillis()))
                .measurementIterations(mode.jmhIterations())
                .measurementTime(TimeValue.milliseconds(mode.jmhIterationMillis()))
                .shouldFailOnError(true)
                .output(log.toString())
                .build();
        Collection<RunResult> results = new org.openjdk.jmh.runner.Runner(options).run();
        List<MicroResult> out = new ArrayList<>();
        for (RunResult rr : results) {
            String full = rr.getParams().getBenchmark();
            String[] parts = full.split("\\.");
            String name = parts[parts.length - 2] + "." + parts[parts.length - 1];
            String size = rr.getParams().getParam("payloadBytes");
            Result<?> r = rr.getPrimaryResult();
            out.add(new MicroResult(name, size == null ? 0 : Integer.parseInt(size), r.getScore(), r.getScoreError(),
                    r.getScoreUnit()));
        }
        out.sort((a, b) -> a.benchmark().equals(b.benchmark())
                ? Integer.compare(a.payloadBytes(), b.payloadBytes()) : a.benchmark().compareTo(b.benchmark()));
        return out;
    }
}
