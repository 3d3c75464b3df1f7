package dev.switchboard.ipc.spi;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Transport SPI: starts child processes with chosen handles in chosen slots and nothing else inherited. */
public interface ProcessSpawner {

    /**
     * Where a standard stream of the child goes.
     *
     * @param file null to inherit the parent's stream; otherwise the file to write (or read, for stdin)
     * @param append for output files: append instead of truncate
     */
    record Redirect(Path file, boolean append) {
        public static final Redirect INHERIT = new Redirect(null, false);

        public boolean inherit() {
            return file == null;
        }
    }

    /**
     * @param argv program and arguments; the program is looked up on PATH when it has no slash
     * @param env the complete environment of the child
     * @param workingDirectory null for the parent's
     * @param slots child slot number to parent handle; the parent keeps ownership of its handles
     */
    record Request(List<String> argv, Map<String, String> env, Path workingDirectory,
                   Map<Integer, Long> slots, Redirect stdin, Redirect stdout, Redirect stderr) {
        public Request {
            argv = List.copyOf(argv);
            env = Map.copyOf(env);
            slots = Map.copyOf(slots);
        }
    }

    /** A running child. It is reaped by the spawner: no zombie outlives {@link #exitCode()}. */
    interface Spawned {
        long pid();

        /** Completes with the exit status, or 128 + signal number when a signal ended it. */
        CompletableFuture<Integer> exitCode();
    }

    Spawned spawn(Request request) throws IOException;
}
