package dev.switchboard.ipc.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The one command: runs every series, then writes docs/benchmarks.md, docs/benchmarks.json and
 * the charts.
 *
 * <pre>
 * java -jar ipc-benchmarks/target/switchboard-benchmarks.jar [--quick | --full | --smoke] [--out DIR]
 *      [--sections rtt,stream,fds,setup,scale,jmh] [--only switchboard,c-socketpair,...] [--keep]
 * </pre>
 *
 * --sections and --only exist for working on one series; a report meant to be read comes from a
 * run of everything, since every ratio needs its floor from the same run.
 */
public final class BenchMain {

    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        Mode mode = Mode.QUICK;
        Path outDir = Path.of("docs");
        Set<String> sections = new LinkedHashSet<>(Plan.SECTIONS);
        Set<String> only = new TreeSet<>();
        boolean keep = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> mode = Mode.QUICK;
                case "--full" -> mode = Mode.FULL;
                case "--smoke" -> mode = Mode.SMOKE;
                case "--out" -> outDir = Path.of(value(args, ++i, "--out"));
                case "--sections" -> sections = csv(value(args, ++i, "--sections"), Plan.SECTIONS);
                case "--only" -> only = csv(value(args, ++i, "--only"),
                        Arrays.stream(Series.values()).map(s -> s.id).toList());
                case "--keep" -> keep = true;
                case "-h", "--help" -> {
                    usage();
                    return;
                }
                default -> {
                    System.err.println("unknown argument: " + args[i]);
                    usage();
                    System.exit(2);
                }
            }
        }
        if (!Files.isDirectory(outDir)) {
            System.err.println(outDir.toAbsolutePath() + " is not a directory. Run from the repository root "
                    + "(the report goes to docs/) or pass --out DIR.");
            System.exit(2);
        }
        System.exit(run(mode, outDir, sections, only, keep, args));
    }

    private static int run(Mode mode, Path outDir, Set<String> sections, Set<String> only, boolean keep,
                           String[] args) throws Exception {
        long started = System.nanoTime();
        Path work = Files.createTempDirectory("switchboard-bench-");
        List<String> notes = new ArrayList<>();
        String driverAffinity = MachineInfo.driverAffinity();
        if (!driverAffinity.contains("-") && !driverAffinity.contains(",")) {
            notes.add("the driver itself may only use CPU " + driverAffinity + ", so \"unpinned\" runs are not unpinned;"
                    + " start the benchmark without taskset");
        }
        Map<String, String> machine = MachineInfo.collect(driverAffinity);
        double loadAtStart = MachineInfo.loadOneMinute();
        CFloor floor = CFloor.compile(work);
        machine.put("c_compiler", floor.available() ? floor.compilerVersion() + " (cc -O2)" : "none: " + floor.unavailableReason());
        if (!floor.available()) {
            notes.add("C floor skipped: " + floor.unavailableReason() + "; no ratio to the floor can be given");
        }

        List<RunSpec> plan = Plan.of(mode, sections, only);
        System.out.printf(Locale.ROOT, "%s mode: %d measuring runs%s; logs in %s%n", mode.name(), plan.size(),
                sections.contains("jmh") ? " + JMH" : "", work);
        Runner runner = new Runner(work, floor, driverAffinity, mode.runTimeout());
        List<Figure> figures = new ArrayList<>();
        boolean anyFailed = false;
        for (int i = 0; i < plan.size(); i++) {
            RunSpec spec = plan.get(i);
            System.out.printf(Locale.ROOT, "[%2d/%d] %-40s ", i + 1, plan.size(), spec.tag());
            System.out.flush();
            RunOutcome o = runner.run(spec);
            List<Figure> fs = Figures.of(o);
            figures.addAll(fs);
            anyFailed |= !o.ok() && spec.series() != Series.C_FLOOR;
            System.out.println(summary(o, fs));
        }
        figures = Figures.withRatios(figures);

        List<MicroResult> micro = List.of();
        String microProblem = sections.contains("jmh") ? null : "not selected (--sections)";
        if (sections.contains("jmh")) {
            System.out.print("JMH micro benchmarks ... ");
            System.out.flush();
            try {
                micro = MicroBenchmarks.run(mode, work.resolve("jmh.log"));
                System.out.println(micro.size() + " results");
            } catch (Exception e) {
                microProblem = "JMH failed: " + e.getMessage() + " (log: " + work.resolve("jmh.log") + ")";
                anyFailed = true;
                System.out.println(microProblem);
            }
        }

        List<Targets.Verdict> targets = Targets.evaluate(figures);
        Set<String> charts = new TreeSet<>();
        try {
            for (int size : Mode.RTT_SIZES) {
                if (Charts.latency(figures, size, outDir.resolve(Charts.latencyFile(size)))) {
                    charts.add(Charts.latencyFile(size));
                }
            }
            if (Charts.scale(figures, outDir.resolve(Charts.SCALE_FILE))) {
                charts.add(Charts.SCALE_FILE);
            }
        } catch (IOException | RuntimeException | Error e) {
            notes.add("charts not drawn: " + e);
        }

        String command = "java -jar ipc-benchmarks/target/switchboard-benchmarks.jar" + (args.length == 0 ? "" : " " + String.join(" ", args));
        double wall = (System.nanoTime() - started) / 1e9;
        String pinningNote = "pinned: the measuring process starts under `taskset -c 0` and its child inherits the mask; "
                + "unpinned: CPUs " + driverAffinity + ". Each run's `Cpus_allowed_list` of every thread of both "
                + "processes is checked (see caveats for any mismatch).";
        String busy = busyWarning(loadAtStart, MachineInfo.loadOneMinute());
        String md = Report.render(new Report.Input(mode, command, machine, pinningNote, busy, figures, micro,
                microProblem, targets, charts, notes, wall, MachineInfo.loadAverage()));
        Files.writeString(outDir.resolve("benchmarks.md"), md, StandardCharsets.UTF_8);
        Files.writeString(outDir.resolve("benchmarks.json"),
                JsonReport.render(mode.name(), machine, figures, micro, targets), StandardCharsets.UTF_8);
        System.out.printf(Locale.ROOT, "wrote %s, %s and %d chart(s) in %.0f s%n", outDir.resolve("benchmarks.md"),
                outDir.resolve("benchmarks.json"), charts.size(), wall);
        for (Targets.Verdict v : targets) {
            System.out.println("  " + v.target() + " [" + v.mode() + "]: " + v.measured() + " -> " + v.status());
        }
        if (keep || anyFailed) {
            System.out.println("run logs kept in " + work);
        } else {
            deleteTree(work);
        }
        return 0;
    }

    /**
     * Other work on the machine shows up as long tails and inflated medians in every series.
     * The ratios within the run stay more meaningful than the absolute numbers, but a reader
     * must be told.
     */
    static String busyWarning(double loadAtStart, double loadAtEnd) {
        int cpus = Runtime.getRuntime().availableProcessors();
        double worst = Math.max(loadAtStart, loadAtEnd);
        if (Double.isNaN(worst) || worst < cpus) {
            return null;
        }
        return String.format(Locale.ROOT, "The machine was busy with other work during this run (1-minute load "
                + "average %.1f at start, %.1f at end, on %d CPUs). Expect inflated medians and long p99 tails in "
                + "every series; compare ratios within this report rather than absolute numbers.",
                loadAtStart, loadAtEnd, cpus);
    }

    private static String summary(RunOutcome o, List<Figure> fs) {
        String time = String.format(Locale.ROOT, "%5.1f s  ", o.seconds());
        if (!o.ok()) {
            return time + "NOT MEASURED: " + Targets.shorten(o.problem());
        }
        StringBuilder sb = new StringBuilder(time);
        for (Figure f : fs) {
            if (f.measured()) {
                sb.append(f.payloadBytes() != null ? Report.size(f.payloadBytes()) + " " : "")
                        .append(f.metric()).append(" p50 ").append(Report.fixed(f.p50())).append("  ");
            }
        }
        if (!o.affinityVerified()) {
            sb.append(" [").append(o.problem()).append("]");
        }
        return sb.toString().strip();
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            System.err.println(flag + " needs a value");
            System.exit(2);
        }
        return args[i];
    }

    private static Set<String> csv(String value, List<String> allowed) {
        Set<String> out = new LinkedHashSet<>();
        for (String s : value.split(",")) {
            String t = s.trim();
            if (!allowed.contains(t)) {
                System.err.println("'" + t + "' is not one of " + allowed);
                System.exit(2);
            }
            out.add(t);
        }
        return out;
    }

    private static void usage() {
        System.out.println("""
                usage: java -jar switchboard-benchmarks.jar [--quick | --full | --smoke] [--out DIR]
                           [--sections rtt,stream,fds,setup,scale,jmh] [--only SERIES,...] [--keep]

                  --quick     default; under three minutes on two cores
                  --full      more iterations, scale up to 64 children
                  --smoke     seconds; checks that every series runs, numbers mean nothing
                  --out DIR   where benchmarks.md, benchmarks.json and the charts go (default: docs)
                  --sections  run only these parts (for development)
                  --only      run only these series: switchboard, c-socketpair, junixsocket, jdk-uds,
                              grpc-uds, jeromq-ipc, typed-sync, grpc-proto (for development;
                              ratios need c-socketpair, the typed overhead needs switchboard)
                  --keep      keep the per-run logs and raw samples (kept anyway when a run fails)
                """);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
