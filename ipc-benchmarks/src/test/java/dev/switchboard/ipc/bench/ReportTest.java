package dev.switchboard.ipc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.bench.peer.ResultFile;
import dev.switchboard.ipc.bench.peer.Workload;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReportTest {

    private static List<Figure> figures() {
        Workload w = Workload.rtt(List.of(64), 0, 2);
        List<Figure> all = new ArrayList<>();
        all.addAll(Figures.of(new RunOutcome(RunSpec.of(Series.C_FLOOR, w, Pinning.PINNED),
                new ResultFile().samples("rtt_ns@64", new long[] {10_000, 11_000}), null, true, 1)));
        all.addAll(Figures.of(new RunOutcome(RunSpec.of(Series.SWITCHBOARD, w, Pinning.PINNED), null,
                "exit status 1: no \"transport\" | here", false, 1)));
        return Figures.withRatios(all);
    }

    @Test
    void markdownNamesEveryMissingNumberAndItsReason() {
        List<Figure> fs = figures();
        Map<String, String> machine = new LinkedHashMap<>();
        machine.put("machine", "test box");
        String md = Report.render(new Report.Input(Mode.QUICK, "java -jar x.jar", machine, "pinned: test", "busy box", fs,
                List.of(), "not selected", Targets.evaluate(fs), Set.of(), List.of(), 1.0, "0.00"));
        assertTrue(md.contains("| (b) C socketpair + fork (floor) | 10.0 | 11.0 | — |"), md);
        assertTrue(md.contains("| (a) Switchboard message pipe | — | — | — |"), md);
        assertTrue(md.contains("not measured (switchboard, pinned): exit status 1: no \"transport\" \\| here [rtt_us 64 B]"), md);
        assertTrue(md.contains("| test box |"), md);
        assertTrue(md.contains("> **Warning:** busy box"), md);
    }

    @Test
    void aSeriesFasterThanItsFloorIsFlagged() {
        Workload w = Workload.rtt(List.of(64), 0, 1);
        List<Figure> fs = new ArrayList<>();
        fs.addAll(Figures.of(new RunOutcome(RunSpec.of(Series.C_FLOOR, w, Pinning.UNPINNED),
                new ResultFile().samples("rtt_ns@64", new long[] {60_000}), null, true, 1)));
        fs.addAll(Figures.of(new RunOutcome(RunSpec.of(Series.JUNIXSOCKET, w, Pinning.UNPINNED),
                new ResultFile().samples("rtt_ns@64", new long[] {5_000}), null, true, 1)));
        fs = Figures.withRatios(fs);
        String md = Report.render(new Report.Input(Mode.QUICK, "x", Map.of(), "p", null, fs, List.of(), null,
                List.of(), Set.of(), List.of(), 1.0, "0"));
        assertTrue(md.contains("caveat (junixsocket 64 B unpinned): faster than its floor run (0.08×)"), md);
    }

    @Test
    void jsonHasTheFieldsTheIssueAsksFor() {
        String json = JsonReport.render("quick", Map.of("machine", "box"), figures(), List.of(),
                List.of(new Targets.Verdict("t", "pinned", "-", "not measured")));
        for (String field : List.of("\"series\": \"c-socketpair\"", "\"metric\": \"rtt_us\"", "\"payload_bytes\": 64",
                "\"pinned\": true", "\"p50\": 10", "\"p99\": 11", "\"ratio_to_floor\": null", "\"children\": null",
                "\"note\": \"exit status 1: no \\\"transport\\\" | here\"")) {
            assertTrue(json.contains(field), field + " in\n" + json);
        }
        assertEquals(count(json, '{'), count(json, '}'));
        assertEquals(count(json, '['), count(json, ']'));
    }

    @Test
    void sizesAndNumbersReadLikeAHumanWroteThem() {
        assertEquals("64 B", Report.size(64));
        assertEquals("4 KiB", Report.size(4096));
        assertEquals("16 MiB", Report.size(16 << 20));
        assertEquals("3.39", Report.fixed(3.391));
        assertEquals("12.6", Report.fixed(12.62));
        assertEquals("1,405", Report.fixed(1405.2));
    }

    private static long count(String s, char c) {
        return s.chars().filter(x -> x == c).count();
    }
}
