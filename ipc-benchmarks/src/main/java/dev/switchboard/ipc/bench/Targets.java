package dev.switchboard.ipc.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The targets, evaluated against this run's figures only. A target whose inputs were not
 * measured says so; nothing is inferred from another run.
 */
public final class Targets {

    /** One target in one pinning mode (or "-" where pinning does not apply). */
    public record Verdict(String target, String mode, String measured, String status) {}

    private static final int RTT_SIZE = 64;
    private static final int BANDWIDTH_SIZE = 1 << 20;

    private Targets() {}

    public static List<Verdict> evaluate(List<Figure> figures) {
        List<Verdict> out = new ArrayList<>();
        for (Pinning p : Pinning.values()) {
            Figure sb = get(figures, Series.SWITCHBOARD, "rtt_us", RTT_SIZE, p);
            out.add(floorVerdict("Switchboard 64 B RTT ≤ 1.3× C floor", p, sb, 1.3, true, "%.2f×", 1));
        }
        for (Pinning p : Pinning.values()) {
            Figure grpc = get(figures, Series.GRPC_UDS, "rtt_us", RTT_SIZE, p);
            Figure sb = get(figures, Series.SWITCHBOARD, "rtt_us", RTT_SIZE, p);
            out.add(ratioVerdict("Switchboard 64 B RTT ≥ 5× lower than gRPC over UDS", p, grpc, sb, 5.0, false,
                    "gRPC/Switchboard = %.1f×"));
        }
        for (Pinning p : Pinning.values()) {
            out.add(overheadVerdict(p, get(figures, Series.TYPED_SYNC, "rtt_us", Plan.TYPED_SIZE, p)));
        }
        for (Pinning p : Pinning.values()) {
            Figure grpc = get(figures, Series.GRPC_PROTO, "rtt_us", Plan.TYPED_SIZE, p);
            Figure typed = get(figures, Series.TYPED_SYNC, "rtt_us", Plan.TYPED_SIZE, p);
            out.add(ratioVerdict("Typed sync call faster than a gRPC unary call with protobuf (same fields)", p, grpc,
                    typed, 1.0, false, "gRPC/typed = %.2f×"));
        }
        for (Pinning p : Pinning.values()) {
            Figure sb = get(figures, Series.SWITCHBOARD, "gib_per_s", BANDWIDTH_SIZE, p);
            out.add(floorVerdict("1 MiB bandwidth ≥ 60% of C floor", p, sb, 0.6, false, "%.0f%%", 100));
        }
        out.add(threadsVerdict(figures));
        return out;
    }

    /**
     * Overhead of the typed call over the raw pipe at p50, in µs, both measured interleaved in the
     * same processes; the bound is 2 µs.
     */
    private static Verdict overheadVerdict(Pinning p, Figure typed) {
        String target = "Typed sync call " + Plan.TYPED_SIZE + " B RTT ≤ raw pipe + 2 µs at p50";
        Double overhead = TypedComparison.overhead(typed);
        if (overhead == null) {
            return new Verdict(target, p.label(), "-", "not measured" + reason(typed, null));
        }
        String measured = String.format(Locale.ROOT, "%+.2f µs (%.2f vs %.2f, interleaved)", overhead, typed.p50(),
                TypedComparison.pairedRaw(typed));
        return new Verdict(target, p.label(), measured, overhead <= 2.0 ? "met" : "not met");
    }

    /** Uses the figure's own ratio, i.e. against the floor run paired with it (see {@link Plan}). */
    private static Verdict floorVerdict(String target, Pinning p, Figure f, double bound, boolean atMost,
                                        String format, double displayScale) {
        if (f == null || f.ratioToFloor() == null) {
            return new Verdict(target, p.label(), "-", "not measured" + reason(f, null));
        }
        return verdict(target, p, f.ratioToFloor(), bound, atMost, format, displayScale);
    }

    private static Verdict ratioVerdict(String target, Pinning p, Figure num, Figure den, double bound,
                                        boolean atMost, String format) {
        if (num == null || den == null || !num.measured() || !den.measured()) {
            return new Verdict(target, p.label(), "-", "not measured" + reason(num, den));
        }
        return verdict(target, p, num.p50() / den.p50(), bound, atMost, format, 1);
    }

    private static Verdict verdict(String target, Pinning p, double r, double bound, boolean atMost, String format,
                                   double displayScale) {
        boolean met = atMost ? r <= bound : r >= bound;
        return new Verdict(target, p.label(), String.format(Locale.ROOT, format, r * displayScale), met ? "met" : "not met");
    }

    /**
     * A broker with a thread per child would add about one thread per added child; Switchboard's
     * design adds none. Met when going from the smallest to the largest N adds fewer threads than
     * one per eight added children (room for JIT compiler threads the JVM starts under load).
     */
    private static Verdict threadsVerdict(List<Figure> figures) {
        String target = "64 children on one broker without a thread per child";
        Figure smallest = null;
        Figure largest = null;
        for (Figure f : figures) {
            if (f.children() == null || !f.measured() || !f.extra().containsKey("broker_threads")) {
                continue;
            }
            if (smallest == null || f.children() < smallest.children()) {
                smallest = f;
            }
            if (largest == null || f.children() > largest.children()) {
                largest = f;
            }
        }
        if (largest == null) {
            return new Verdict(target, "unpinned", "-", "not measured");
        }
        int tSmall = (Integer) smallest.extra().get("broker_threads");
        int tLarge = (Integer) largest.extra().get("broker_threads");
        String measured = String.format(Locale.ROOT, "%d threads at N=%d, %d at N=%d",
                tSmall, smallest.children(), tLarge, largest.children());
        if (largest.children() < 64) {
            return new Verdict(target, "unpinned", measured, "not measured at N=64 (largest N here: " + largest.children() + ")");
        }
        int added = largest.children() - smallest.children();
        boolean met = (tLarge - tSmall) * 8 < added;
        return new Verdict(target, "unpinned", measured, met ? "met" : "not met");
    }

    private static String reason(Figure a, Figure b) {
        for (Figure f : new Figure[] {a, b}) {
            if (f != null && !f.measured() && f.problem() != null) {
                return " (no " + f.series() + " number; see caveats)";
            }
        }
        return "";
    }

    static String shorten(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }

    private static Figure get(List<Figure> figures, Series s, String metric, int size, Pinning p) {
        for (Figure f : figures) {
            if (f.series().equals(s.id) && !f.isPairedFloor() && f.metric().equals(metric) && f.children() == null
                    && Integer.valueOf(size).equals(f.payloadBytes()) && Boolean.valueOf(p.pinned).equals(f.pinned())) {
                return f;
            }
        }
        return null;
    }
}
