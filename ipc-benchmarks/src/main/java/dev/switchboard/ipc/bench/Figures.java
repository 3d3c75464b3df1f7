package dev.switchboard.ipc.bench;

import dev.switchboard.ipc.bench.peer.ResultFile;
import dev.switchboard.ipc.bench.peer.Workload;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Turns raw run outcomes into {@link Figure}s, and relates each figure to the floor. */
public final class Figures {

    private static final double GIB = 1024.0 * 1024 * 1024;

    /**
     * Samples of the raw pipe measured interleaved with a typed series in the same processes
     * (see {@code TypedSyncSeries}); their median goes into the typed figure's extras.
     */
    static final String PAIRED_RAW = "raw_rtt_ns@";
    static final String PAIRED_RAW_P50 = "paired_raw_p50";

    private Figures() {}

    public static List<Figure> of(RunOutcome o) {
        Workload w = o.spec().workload();
        Boolean pinned = o.spec().pinning().pinned;
        String series = o.spec().series().id;
        ResultFile r = o.result();
        Map<String, Object> common = new LinkedHashMap<>();
        if (o.spec().floorFor() != null) {
            common.put(Figure.FLOOR_FOR, o.spec().floorFor().id);
        }
        if (r != null) {
            common.put("affinity_parent", r.info("affinity_parent"));
            common.put("affinity_child", r.info("affinity_child"));
        }
        List<Figure> out = new ArrayList<>();
        switch (w.kind()) {
            case RTT -> {
                for (int size : w.sizes()) {
                    long[] ns = r == null ? null : r.samples("rtt_ns@" + size);
                    Figure f = latency(series, "rtt_us", size, pinned, null, ns, 1e3, common, o.problem());
                    long[] paired = r == null ? null : r.samples(PAIRED_RAW + size);
                    if (f.measured() && paired != null && paired.length > 0) {
                        Stats raw = Stats.ofNanos(paired, 1e3);
                        f.extra().put(PAIRED_RAW_P50, raw.median());
                        f.extra().put("paired_raw_p99", raw.percentile(99));
                    }
                    out.add(f);
                }
            }
            case STREAM, FDS -> {
                for (int i = 0; i < w.sizes().size(); i++) {
                    int size = w.sizes().get(i);
                    long[] ns = r == null ? null : r.samples("batch_ns@" + size);
                    String metric;
                    double unitsPerBatch;
                    if (w.kind() == Workload.Kind.FDS) {
                        metric = "fds_per_s";
                        unitsPerBatch = w.batch(i);
                    } else if (size <= 4096) {
                        metric = "msgs_per_s";
                        unitsPerBatch = w.batch(i);
                    } else {
                        metric = "gib_per_s";
                        unitsPerBatch = (double) w.batch(i) * size / GIB;
                    }
                    Map<String, Object> extra = new LinkedHashMap<>(common);
                    extra.put("messages_per_batch", w.batch(i));
                    out.add(rate(series, metric, size, pinned, ns, unitsPerBatch, extra, o.problem()));
                }
            }
            case SETUP -> {
                out.add(latency(series, "setup_ms", null, pinned, null,
                        r == null ? null : r.samples("setup_ns"), 1e6, common, o.problem()));
                out.add(latency(series, "jvm_start_ms", null, pinned, null,
                        r == null ? null : r.samples("jvm_start_ns"), 1e6, common, o.problem()));
            }
            case SCALE -> {
                Map<String, Object> extra = new LinkedHashMap<>(common);
                if (r != null) {
                    extra.put("roundtrips_per_s", Double.parseDouble(r.info("roundtrips_per_s")));
                    extra.put("roundtrips", Long.parseLong(r.info("roundtrips")));
                    extra.put("broker_threads", Integer.parseInt(r.info("broker_threads_peak")));
                    extra.put("broker_threads_before", Integer.parseInt(r.info("broker_threads_before")));
                    extra.put("broker_rss_mib", Long.parseLong(r.info("broker_rss_kb")) / 1024.0);
                    extra.put("broker_rss_mib_before", Long.parseLong(r.info("broker_rss_kb_before")) / 1024.0);
                    extra.put("broker_hwm_mib", Long.parseLong(r.info("broker_hwm_kb")) / 1024.0);
                }
                int size = w.sizes().get(0);
                out.add(latency(series, "rtt_us", size, pinned, w.children(),
                        r == null ? null : r.samples("rtt_ns@" + size), 1e3, extra, o.problem()));
            }
        }
        return out;
    }

    private static Figure latency(String series, String metric, Integer size, Boolean pinned, Integer children,
                                  long[] ns, double unitNanos, Map<String, Object> extra, String problem) {
        if (ns == null || ns.length == 0) {
            return new Figure(series, metric, size, pinned, children, null, null, null, null, extra,
                    problem != null ? problem : "no samples recorded");
        }
        Stats s = Stats.ofNanos(ns, unitNanos);
        return new Figure(series, metric, size, pinned, children, s.median(), s.percentile(99), s.count(), null,
                extra, problem);
    }

    private static Figure rate(String series, String metric, int size, Boolean pinned, long[] batchNanos,
                               double unitsPerBatch, Map<String, Object> extra, String problem) {
        if (batchNanos == null || batchNanos.length == 0) {
            return new Figure(series, metric, size, pinned, null, null, null, null, null, extra,
                    problem != null ? problem : "no samples recorded");
        }
        Stats s = Stats.ratesPerSecond(batchNanos, unitsPerBatch);
        extra.put("worst_batch", s.min());
        extra.put("best_batch", s.max());
        return new Figure(series, metric, size, pinned, null, s.median(), null, s.count(), null, extra, problem);
    }

    /**
     * Adds {@code ratio_to_floor}: p50 over the p50 of the C floor run made right before this
     * series' run (see {@link Plan}), or, where there is none, the section's floor run; the floor
     * used goes into {@code floor_p50}. Adds {@code ratio_to_junixsocket} (the floor of a JVM
     * stack on junixsocket) as an extra. Floors get no ratio.
     */
    public static List<Figure> withRatios(List<Figure> figures) {
        List<Figure> out = new ArrayList<>();
        for (Figure f : figures) {
            if (!f.measured() || f.series().equals(Series.C_FLOOR.id)) {
                out.add(f);
                continue;
            }
            Figure floor = pairedFloor(figures, f);
            if (floor == null) {
                floor = find(figures, Series.C_FLOOR.id, f);
            }
            Figure g = f;
            if (floor != null && floor.measured()) {
                g = f.withRatio(f.p50() / floor.p50());
                g.extra().put("floor_p50", floor.p50());
            }
            Figure jvmFloor = find(figures, Series.JUNIXSOCKET.id, f);
            if (jvmFloor != null && jvmFloor.measured() && !f.series().equals(Series.JUNIXSOCKET.id)) {
                g.extra().put("ratio_to_junixsocket", f.p50() / jvmFloor.p50());
            }
            out.add(g);
        }
        return out;
    }

    private static Figure pairedFloor(List<Figure> figures, Figure f) {
        for (Figure c : figures) {
            if (c.series().equals(Series.C_FLOOR.id) && c.measured() && c.comparableTo(f)
                    && f.series().equals(c.extra().get(Figure.FLOOR_FOR))) {
                return c;
            }
        }
        return null;
    }

    /**
     * The figure of {@code series} comparable to {@code like}, measured or not, or null. Paired
     * floor runs are never returned: they belong to one series' ratio only.
     */
    public static Figure find(List<Figure> figures, String series, Figure like) {
        for (Figure f : figures) {
            if (f.series().equals(series) && f.comparableTo(like) && !f.isPairedFloor()) {
                return f;
            }
        }
        return null;
    }
}
