package dev.switchboard.ipc.transport.unix;

import dev.switchboard.ipc.spi.ProcessSpawner.Redirect;
import dev.switchboard.ipc.spi.ProcessSpawner.Request;
import dev.switchboard.ipc.spi.ProcessSpawner.Spawned;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Python (stdlib only) child launched with the transport's own spawner, holding the far end of
 * a fresh socketpair in fd 3: a peer written from docs/protocol.md that misbehaves on purpose.
 */
final class HostileChild implements AutoCloseable {

    private static final PosixSpawner SPAWNER = new PosixSpawner();

    /**
     * argv: fds per write, writes, hex bytes. One write sends all the bytes; more writes send one
     * byte each. Each write carries that many copies of /dev/null (none when 0). Then the child
     * reads until the parent closes the connection, and exits; a parent that hangs up early (its
     * writes fail) is what the tests expect, not an error.
     */
    static final String SEND_THEN_WAIT = String.join("\n",
            "import array, os, socket, sys",
            "s = socket.socket(fileno=3)",
            "n, writes, data = int(sys.argv[1]), int(sys.argv[2]), bytes.fromhex(sys.argv[3])",
            "fd = os.open('/dev/null', os.O_RDONLY)",
            "anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [fd] * n))] if n else []",
            "try:",
            "    for i in range(writes):",
            "        s.sendmsg([data[i:i + 1] if writes > 1 else data], anc)",
            "    while s.recv(4096): pass",
            "except (BrokenPipeError, ConnectionResetError): pass  # the parent has dropped us: expected",
            "os._exit(0)");

    /** The parent's end of the socketpair; the caller takes it (usually into a UnixFrameChannel). */
    final long parentEnd;
    final Spawned process;
    private final Path stderr;

    private HostileChild(long parentEnd, Spawned process, Path stderr) {
        this.parentEnd = parentEnd;
        this.process = process;
        this.stderr = stderr;
    }

    /**
     * Starts {@code python3 -c script args...}; the child's stdout and stderr go to files in
     * {@code dir} (surefire owns the test JVM's stdout).
     */
    static HostileChild start(Path dir, String script, String... args) throws IOException {
        long[] pair = UnixSocketPairs.create();
        Path err = Files.createTempFile(dir, "child", ".err");
        List<String> argv = new ArrayList<>(List.of("python3", "-c", script));
        argv.addAll(List.of(args));
        try {
            Spawned p = SPAWNER.spawn(new Request(argv, Map.of("PATH", System.getenv("PATH")), null,
                    Map.of(3, pair[1]), new Redirect(Path.of("/dev/null"), false), new Redirect(err, true), new Redirect(err, true)));
            return new HostileChild(pair[0], p, err);
        } catch (IOException | RuntimeException e) {
            LibC.close((int) pair[0]);
            throw e;
        } finally {
            LibC.close((int) pair[1]); // the child has its own copy in fd 3
        }
    }

    /**
     * Spawns and reaps one child, so that what the spawner creates on first use (its reaper's
     * wake-up fd and thread) exists before a test counts fds.
     */
    static void warmUp(Path dir) throws Exception {
        try (HostileChild c = start(dir, "pass")) {
            LibC.close((int) c.parentEnd);
            c.awaitExit();
        }
    }

    /** Waits for the child to exit and returns its status; fails with its stderr when it is not 0. */
    int awaitExit() throws Exception {
        int status = process.exitCode().get(20, TimeUnit.SECONDS);
        if (status != 0) {
            throw new AssertionError("child exited with " + status + ": " + Files.readString(stderr));
        }
        return status;
    }

    @Override
    public void close() throws Exception {
        if (!process.exitCode().isDone()) {
            ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroyForcibly);
        }
        process.exitCode().get(20, TimeUnit.SECONDS);
    }
}
