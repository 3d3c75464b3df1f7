package dev.switchboard.ipc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.bench.peer.ResultFile;
import dev.switchboard.ipc.bench.peer.Workload;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The typed-call figures: overhead over the raw pipe, its floor-corrected form, and the gRPC ratio. */
class TypedComparisonTest {

    private static final Workload RTT = Workload.rtt(List.of(Plan.TYPED_SIZE), 0, 3);

    private static List<Figure> run(RunSpec spec, long ns, long pairedRawNs) {
        ResultFile r = new ResultFile().info("affinity_parent", "0").info("affinity_child", "0")
                .samples("rtt_ns@" + Plan.TYPED_SIZE, new long[] {ns, ns, ns});
        if (pairedRawNs > 0) {
            r.samples(Figures.PAIRED_RAW + Plan.TYPED_SIZE, new long[] {pairedRawNs, pairedRawNs, pairedRawNs});
        }
        return Figures.of(new RunOutcome(spec, r, null, true, 1));
    }

    private static List<Figure> pinnedRun() {
        List<Figure> all = new ArrayList<>();
        all.addAll(run(RunSpec.floorFor(Series.SWITCHBOARD, RTT, Pinning.PINNED), 10_000, 0));
        all.addAll(run(RunSpec.of(Series.SWITCHBOARD, RTT, Pinning.PINNED), 20_000, 0));
        all.addAll(run(RunSpec.floorFor(Series.TYPED_SYNC, RTT, Pinning.PINNED), 11_000, 0));
        all.addAll(run(RunSpec.of(Series.TYPED_SYNC, RTT, Pinning.PINNED), 23_500, 22_000));
        all.addAll(run(RunSpec.floorFor(Series.GRPC_PROTO, RTT, Pinning.PINNED), 10_000, 0));
        all.addAll(run(RunSpec.of(Series.GRPC_PROTO, RTT, Pinning.PINNED), 94_000, 0));
        return Figures.withRatios(all);
    }

    private static Figure get(List<Figure> all, Series s) {
        for (Figure f : all) {
            if (f.series().equals(s.id) && !f.isPairedFloor()) {
                return f;
            }
        }
        throw new AssertionError(s + " missing");
    }

    @Test
    void overheadIsAgainstTheRawPipeMeasuredInterleavedInTheSameProcessesNotTheSeparateRun() {
        List<Figure> all = pinnedRun();
        Figure typed = get(all, Series.TYPED_SYNC);
        assertEquals(22.0, TypedComparison.pairedRaw(typed), 1e-9);
        assertEquals(1.5, TypedComparison.overhead(typed), 1e-9, "23.5 - 22.0, not 23.5 - 20.0 of the separate run");
        assertEquals(4.0, TypedComparison.speedup(get(all, Series.GRPC_PROTO), typed), 1e-9);
    }

    @Test
    void targetsJudgeTheOverheadAndTheGrpcRatioPerPinningMode() {
        List<Targets.Verdict> v = Targets.evaluate(pinnedRun());
        Targets.Verdict overheadPinned = find(v, "Typed sync call 64 B RTT ≤ raw pipe + 2 µs at p50", "pinned");
        assertEquals("met", overheadPinned.status(), "1.5 µs is within 2 µs: " + overheadPinned);
        assertEquals("+1.50 µs (23.50 vs 22.00, interleaved)", overheadPinned.measured());
        assertEquals("met", find(v, "Typed sync call faster than a gRPC unary call with protobuf (same fields)", "pinned").status());
        assertTrue(find(v, "Typed sync call 64 B RTT ≤ raw pipe + 2 µs at p50", "unpinned").status().startsWith("not measured"));
    }

    @Test
    void nothingIsComputedFromAMissingFigureOrWithoutTheInterleavedRawSamples() {
        assertNull(TypedComparison.overhead(null));
        assertNull(TypedComparison.overhead(get(pinnedRun(), Series.SWITCHBOARD)), "no interleaved raw samples");
        assertNull(TypedComparison.speedup(get(pinnedRun(), Series.GRPC_PROTO), null));
    }

    private static Targets.Verdict find(List<Targets.Verdict> v, String target, String mode) {
        return v.stream().filter(x -> x.target().equals(target) && x.mode().equals(mode)).findFirst()
                .orElseThrow(() -> new AssertionError(target + " [" + mode + "] not in " + v));
    }
}
