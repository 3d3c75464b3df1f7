package dev.switchboard.ipc.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One reported number (with its p99 where that applies): a row of a table in benchmarks.md and an
 * object in benchmarks.json.
 *
 * @param series {@link Series#id}, or the JMH benchmark name for micro benchmarks
 * @param metric rtt_us, msgs_per_s, gib_per_s, fds_per_s, setup_ms, jvm_start_ms or ns_per_op
 * @param payloadBytes null where size does not apply
 * @param pinned null where pinning does not apply (JMH)
 * @param children null except for scale runs
 * @param p50 median; for rates the median of the timed batches; null when not measured
 * @param p99 99th percentile; null for rates, where the few timed batches make it meaningless
 * @param samples how many values p50 and p99 come from
 * @param ratioToFloor p50 divided by the C floor's p50 in the same run, size and pinning
 * @param extra further fields, copied into the JSON object as they are
 * @param problem why there is no number, or a caveat about it; null when clean
 */
public record Figure(String series, String metric, Integer payloadBytes, Boolean pinned, Integer children,
                     Double p50, Double p99, Integer samples, Double ratioToFloor,
                     Map<String, Object> extra, String problem) {

    public Figure {
        extra = new LinkedHashMap<>(extra);
    }

    public boolean measured() {
        return p50 != null;
    }

    /** Extra key naming the series a C floor run was made for (see {@link Plan}). */
    public static final String FLOOR_FOR = "floor_for";

    /** A C floor run made right before one series, used for that series' ratio only. */
    public boolean isPairedFloor() {
        return extra.containsKey(FLOOR_FOR);
    }

    public Figure withRatio(Double ratio) {
        return new Figure(series, metric, payloadBytes, pinned, children, p50, p99, samples, ratio, extra, problem);
    }

    /** Same metric, size, pinning and scale point: the figures a ratio may compare. */
    public boolean comparableTo(Figure other) {
        return metric.equals(other.metric)
                && java.util.Objects.equals(payloadBytes, other.payloadBytes)
                && java.util.Objects.equals(pinned, other.pinned)
                && java.util.Objects.equals(children, other.children);
    }
}
