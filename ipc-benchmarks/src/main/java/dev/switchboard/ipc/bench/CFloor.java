package dev.switchboard.ipc.bench;

import dev.switchboard.ipc.bench.peer.Workload;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The C floor program (resource {@code floor.c}), compiled at run time with the machine's own
 * {@code cc -O2} so that it measures this kernel and CPU, never a binary built elsewhere.
 */
public final class CFloor {

    private final Path binary;
    private final String unavailable;
    private final String compiler;

    private CFloor(Path binary, String unavailable, String compiler) {
        this.binary = binary;
        this.unavailable = unavailable;
        this.compiler = compiler;
    }

    /** Compiles into {@code dir}; never throws: a missing compiler becomes a skip reason. */
    public static CFloor compile(Path dir) {
        try {
            Path source = dir.resolve("floor.c");
            try (InputStream in = CFloor.class.getResourceAsStream("floor.c")) {
                if (in == null) {
                    return new CFloor(null, "floor.c is missing from the benchmark jar", null);
                }
                Files.copy(in, source);
            }
            String version = firstLine(List.of("cc", "--version"));
            if (version == null) {
                return new CFloor(null, "no C compiler: `cc --version` did not run, so the C floor is skipped", null);
            }
            Path binary = dir.resolve("floor");
            Path log = dir.resolve("cc.log");
            Process cc = new ProcessBuilder("cc", "-O2", "-o", binary.toString(), source.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!cc.waitFor(60, TimeUnit.SECONDS) || cc.exitValue() != 0) {
                cc.destroyForcibly();
                return new CFloor(null, "cc -O2 floor.c failed: " + Files.readString(log).strip(), version);
            }
            return new CFloor(binary, null, version);
        } catch (IOException e) {
            return new CFloor(null, "cannot build the C floor: " + e.getMessage(), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new CFloor(null, "interrupted while compiling the C floor", null);
        }
    }

    public boolean available() {
        return binary != null;
    }

    /** Why the floor is skipped, when it is. */
    public String unavailableReason() {
        return unavailable;
    }

    /** First line of {@code cc --version}, or null. */
    public String compilerVersion() {
        return compiler;
    }

    /** The floor's command line for {@code w}; its argument order is in floor.c's header. */
    public List<String> command(Workload w, Path resultFile) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.toString());
        switch (w.kind()) {
            case RTT -> {
                cmd.addAll(List.of("rtt", resultFile.toString(), String.valueOf(w.warmup()), String.valueOf(w.measured())));
                w.sizes().forEach(s -> cmd.add(String.valueOf(s)));
            }
            case STREAM -> {
                cmd.addAll(List.of("stream", resultFile.toString(), String.valueOf(w.warmup()), String.valueOf(w.measured())));
                for (int i = 0; i < w.sizes().size(); i++) {
                    cmd.add(w.sizes().get(i) + ":" + w.batch(i));
                }
            }
            case FDS -> cmd.addAll(List.of("fds", resultFile.toString(), String.valueOf(w.warmup()),
                    String.valueOf(w.measured()), String.valueOf(w.batch(0))));
            default -> throw new IllegalArgumentException("the C floor has no " + w.kind() + " workload");
        }
        return cmd;
    }

    static String firstLine(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            return out.lines().findFirst().orElse("").strip();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
