package dev.switchboard.ipc.bench.peer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM for the baseline series, started with plain {@link ProcessBuilder} (the baselines
 * must not depend on Switchboard's launcher). It runs {@link PeerMain} in child mode from the
 * same class path. Its stdin is a pipe held by the parent: when the parent closes it or dies, the
 * child exits, so no run can leave an orphan behind. Its stdout carries one line, {@code READY},
 * for servers that must listen before the parent connects.
 */
final class JavaChild implements AutoCloseable {

    static final String READY = "READY";
    static final String WATCH_STDIN = "bench.watchStdin";

    private final Process process;
    private final BufferedReader stdout;

    private JavaChild(Process process) {
        this.process = process;
        this.stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    static JavaChild start(String series, String address, Workload w) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (Runtime.version().feature() >= 22) {
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        cmd.add("-D" + WATCH_STDIN + "=true");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(PeerMain.class.getName());
        cmd.add("child");
        cmd.add(series);
        cmd.add(address);
        cmd.addAll(w.toArgs());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        return new JavaChild(pb.start());
    }

    long pid() {
        return process.pid();
    }

    /** Waits for the child's READY line. */
    void awaitReady() throws IOException {
        String line = stdout.readLine();
        if (!READY.equals(line)) {
            throw new IOException("child pid " + process.pid() + " did not get ready (said: " + line + ")");
        }
    }

    /** Called by the child once it accepts connections. */
    static void announceReady() {
        System.out.println(READY);
        System.out.flush();
    }

    /** Called by the child at start: exit as soon as the parent closes our stdin or dies. */
    static void exitWhenParentGoes() {
        Thread t = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // nothing is ever written; only end of stream matters
                }
            } catch (IOException e) {
                // same as end of stream
            }
            System.exit(0);
        }, "parent-watch");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws Exception {
        process.getOutputStream().close();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
