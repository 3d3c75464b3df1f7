package dev.switchboard.ipc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.bench.peer.ResultFile;
import dev.switchboard.ipc.bench.peer.Workload;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FiguresTest {

    private static final Workload RTT = Workload.rtt(List.of(64), 0, 3);

    private static RunOutcome rtt(Series s, Pinning p, long... ns) {
        ResultFile r = new ResultFile().info("affinity_parent", "0").info("affinity_child", "0").samples("rtt_ns@64", ns);
        return new RunOutcome(RunSpec.of(s, RTT, p), r, null, true, 1);
    }

    @Test
    void ratiosCompareOnlyTheSamePinningMode() {
        List<Figure> all = new ArrayList<>();
        all.addAll(Figures.of(rtt(Series.C_FLOOR, Pinning.PINNED, 10_000, 10_000, 10_000)));
        all.addAll(Figures.of(rtt(Series.C_FLOOR, Pinning.UNPINNED, 40_000, 40_000, 40_000)));
        all.addAll(Figures.of(rtt(Series.SWITCHBOARD, Pinning.PINNED, 12_000, 13_000, 99_000)));
        all.addAll(Figures.of(rtt(Series.SWITCHBOARD, Pinning.UNPINNED, 44_000, 44_000, 44_000)));
        all = Figures.withRatios(all);

        Figure pinned = find(all, Series.SWITCHBOARD, true);
        assertEquals(13.0, pinned.p50());
        assertEquals(99.0, pinned.p99());
        assertEquals(1.3, pinned.ratioToFloor(), 1e-9);
        assertEquals(1.1, find(all, Series.SWITCHBOARD, false).ratioToFloor(), 1e-9);
        assertNull(find(all, Series.C_FLOOR, true).ratioToFloor(), "the floor has no ratio to itself");

        List<Targets.Verdict> v = Targets.evaluate(all);
        assertEquals("met", v.get(0).status(), "1.30× is within ≤ 1.3×");
        assertEquals("met", v.get(1).status());
        assertTrue(v.get(2).status().startsWith("not measured"), "no gRPC run, so no verdict: " + v.get(2));
    }

    @Test
    void aSeriesIsComparedWithTheFloorRunMadeRightBeforeIt() {
        ResultFile slowFloor = new ResultFile().samples("rtt_ns@64", new long[] {20_000, 20_000, 20_000});
        List<Figure> all = new ArrayList<>();
        all.addAll(Figures.of(rtt(Series.C_FLOOR, Pinning.UNPINNED, 10_000, 10_000, 10_000)));
        all.addAll(Figures.of(new RunOutcome(RunSpec.floorFor(Series.SWITCHBOARD, RTT, Pinning.UNPINNED), slowFloor,
                null, true, 1)));
        all.addAll(Figures.of(rtt(Series.SWITCHBOARD, Pinning.UNPINNED, 26_000, 26_000, 26_000)));
        all.addAll(Figures.of(rtt(Series.JUNIXSOCKET, Pinning.UNPINNED, 12_000, 12_000, 12_000)));
        all = Figures.withRatios(all);

        Figure sb = find(all, Series.SWITCHBOARD, false);
        assertEquals(1.3, sb.ratioToFloor(), 1e-9, "against its own floor run (20 µs), not the section's (10 µs)");
        assertEquals(20.0, sb.extra().get("floor_p50"));
        assertEquals(1.2, find(all, Series.JUNIXSOCKET, false).ratioToFloor(), 1e-9, "no floor run of its own");
        assertEquals(10.0, Figures.find(all, Series.C_FLOOR.id, sb).p50(), "the floor row is the section's run");
    }

    @Test
    void aFailedRunStillYieldsItsFiguresWithTheReason() {
        RunOutcome failed = new RunOutcome(RunSpec.of(Series.GRPC_UDS, Workload.rtt(List.of(64, 4096), 0, 3),
                Pinning.PINNED), null, "exit status 1: boom", false, 1);
        List<Figure> fs = Figures.of(failed);
        assertEquals(2, fs.size());
        for (Figure f : fs) {
            assertNull(f.p50());
            assertEquals("exit status 1: boom", f.problem());
        }
    }

    @Test
    void streamBatchesBecomeGibPerSecondAboveFourKib() {
        Workload w = Workload.stream(List.of(64, 1 << 20), List.of(1000, 1024), 0, 1);
        ResultFile r = new ResultFile().samples("batch_ns@64", new long[] {1_000_000})
                .samples("batch_ns@1048576", new long[] {1_000_000_000});
        List<Figure> fs = Figures.of(new RunOutcome(RunSpec.of(Series.C_FLOOR, w, Pinning.UNPINNED), r, null, true, 1));
        assertEquals("msgs_per_s", fs.get(0).metric());
        assertEquals(1_000_000, fs.get(0).p50(), 1e-6);
        assertEquals("gib_per_s", fs.get(1).metric());
        assertEquals(1.0, fs.get(1).p50(), 1e-9, "1024 × 1 MiB in one second");
        assertNull(fs.get(1).p99());
    }

    private static Figure find(List<Figure> all, Series s, boolean pinned) {
        return all.stream().filter(f -> f.series().equals(s.id) && f.pinned() == pinned).findFirst().orElseThrow();
    }
}
