package dev.switchboard.ipc.bench;

/**
 * One JMH result. JMH's average-time mode gives a mean and a 99.9% confidence half-width, not
 * percentiles, so these are kept apart from {@link Figure} rather than dressed up as a median.
 *
 * @param benchmark class and method, e.g. {@code FrameCodecBenchmark.encode}
 * @param mean the score: ns/op in average-time mode, ops/s in throughput mode (see {@code unit})
 * @param error half-width of JMH's 99.9% confidence interval, NaN with too few iterations
 * @param allocBytesPerOp bytes allocated per operation ({@code -prof gc}'s
 *     {@code gc.alloc.rate.norm}), NaN where the benchmark ran without that profiler
 */
public record MicroResult(String benchmark, int payloadBytes, double mean, double error, String unit,
                          double allocBytesPerOp) {}
