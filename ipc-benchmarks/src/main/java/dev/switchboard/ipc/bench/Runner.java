package dev.switchboard.ipc.bench;

import dev.switchboard.ipc.bench.peer.PeerMain;
import dev.switchboard.ipc.bench.peer.ResultFile;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts one measuring process per {@link RunSpec}, waits for it with a timeout, and turns its
 * result file, exit status and log into a {@link RunOutcome}. The driver's JVM only waits, so it
 * adds nothing to any measurement but an idle process.
 */
public final class Runner {

    private final Path workDir;
    private final CFloor floor;
    private final String driverAffinity;
    private final Duration timeout;
    private final boolean tasksetAvailable;

    public Runner(Path workDir, CFloor floor, String driverAffinity, Duration timeout) {
        this.workDir = workDir;
        this.floor = floor;
        this.driverAffinity = driverAffinity;
        this.timeout = timeout;
        this.tasksetAvailable = CFloor.firstLine(List.of("taskset", "-V")) != null;
    }

    public RunOutcome run(RunSpec spec) {
        if (spec.series() == Series.C_FLOOR && !floor.available()) {
            return RunOutcome.skipped(spec, floor.unavailableReason());
        }
        if (spec.pinning().pinned && !tasksetAvailable) {
            return RunOutcome.skipped(spec, "taskset (util-linux) not found, so nothing can be pinned");
        }
        Path resultFile = workDir.resolve(spec.tag() + ".result");
        Path log = workDir.resolve(spec.tag() + ".log");
        List<String> cmd = new ArrayList<>(spec.pinning().commandPrefix());
        cmd.addAll(spec.series() == Series.C_FLOOR ? floor.command(spec.workload(), resultFile) : javaCommand(spec, resultFile));
        long started = System.nanoTime();
        try {
            Files.deleteIfExists(resultFile);
            Process p = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .redirectInput(new File("/dev/null"))
                    .start();
            boolean ended = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            double seconds = (System.nanoTime() - started) / 1e9;
            if (!ended) {
                kill(p);
                return new RunOutcome(spec, null, "timed out after " + timeout.toSeconds() + " s (log: " + log + ")", false, seconds);
            }
            if (p.exitValue() != 0 || !Files.exists(resultFile)) {
                return new RunOutcome(spec, null, failure(log, p.exitValue()), false, seconds);
            }
            ResultFile r = ResultFile.read(resultFile);
            String expected = spec.pinning().expectedAffinity(driverAffinity);
            String parent = r.info("affinity_parent");
            String child = r.info("affinity_child");
            boolean verified = expected.equals(parent) && expected.equals(child);
            String caveat = verified ? null
                    : "CPU affinity not as intended (expected " + expected + "): parent threads " + parent + ", child threads " + child;
            return new RunOutcome(spec, r, caveat, verified, seconds);
        } catch (IOException e) {
            return new RunOutcome(spec, null, "could not run: " + e.getMessage(), false, (System.nanoTime() - started) / 1e9);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new RunOutcome(spec, null, "interrupted", false, (System.nanoTime() - started) / 1e9);
        }
    }

    private static List<String> javaCommand(RunSpec spec, Path resultFile) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (Runtime.version().feature() >= 22) {
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(PeerMain.class.getName());
        cmd.add("parent");
        cmd.add(spec.peer());
        cmd.add(resultFile.toString());
        cmd.addAll(spec.workload().toArgs());
        return cmd;
    }

    /** Children first: a killed parent would leave them to be reparented and forgotten. */
    private static void kill(Process p) throws InterruptedException {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
    }

    /** The exception line PeerMain printed after "failed:", and its deepest cause. */
    static String failure(Path log, int exitStatus) {
        List<String> lines;
        try {
            lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "exit status " + exitStatus;
        }
        String first = null;
        String cause = null;
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).strip();
            if (first == null && l.endsWith("failed:") && i + 1 < lines.size()) {
                first = lines.get(i + 1).strip();
            }
            if (l.startsWith("Caused by:")) {
                cause = l.substring("Caused by:".length()).strip();
            }
        }
        if (first == null) {
            first = lines.stream().map(String::strip).filter(s -> !s.isEmpty()).reduce((a, b) -> b)
                    .orElse("no output");
        }
        String msg = "exit status " + exitStatus + ": " + first + (cause != null ? " (caused by " + cause + ")" : "");
        return msg.length() > 400 ? msg.substring(0, 400) + "..." : msg;
    }
}
