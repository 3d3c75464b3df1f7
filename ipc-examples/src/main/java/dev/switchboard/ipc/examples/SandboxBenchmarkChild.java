package dev.switchboard.ipc.examples;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PipeClosedException;
import dev.switchboard.ipc.SharedBuffer;
import dev.switchboard.ipc.broker.IncomingInvitation;
import dev.switchboard.ipc.broker.sandbox.SandboxIpcClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/** The child of {@link SandboxBenchmark}; not meant to be started by hand. Args: requests, kind. */
public final class SandboxBenchmarkChild {

    public static void main(String[] args) throws Exception {
        int requests = Integer.parseInt(args[0]);
        boolean shm = args[1].equals("shm");
        IncomingInvitation invitation = IncomingInvitation.accept(IncomingInvitation.Options.DEFAULT.exitWhenParentDies(1));
        MessagePipe control = invitation.extractMessagePipe("control");
        SandboxIpcClient sandbox = SandboxIpcClient.fromEnvironment();
        for (int i = 0; i < 2000; i++) { // warm-up: JIT, JNA, the host's thread
            one(sandbox, shm, i);
        }
        String cpus = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("Cpus_allowed_list:")).map(l -> l.substring(18).strip()).findFirst().orElse("?");
        control.write(Message.of(cpus.getBytes(StandardCharsets.UTF_8)));
        control.read(Duration.ofSeconds(120)).close(); // "go"

        long[] latencies = new long[requests];
        long start = epochNanos();
        for (int i = 0; i < requests; i++) {
            long t0 = System.nanoTime();
            one(sandbox, shm, i);
            latencies[i] = System.nanoTime() - t0;
        }
        long end = epochNanos();
        ByteBuffer out = ByteBuffer.allocate(16 + 8 * requests).putLong(start).putLong(end);
        for (long l : latencies) {
            out.putLong(l);
        }
        control.write(Message.of(out.array()));
        try {
            control.read(Duration.ofSeconds(120));
        } catch (PipeClosedException done) {
            // the parent has the results and hung up
        }
    }

    private static void one(SandboxIpcClient sandbox, boolean shm, int i) throws Exception {
        if (shm) {
            try (SharedBuffer h = sandbox.makeSharedMemorySegment(4096, false)) {
                if (!h.isValid()) {
                    throw new IllegalStateException();
                }
            }
        } else if (sandbox.localTime(1_700_000_000L + i, "Europe/Berlin").year() != 2023) {
            throw new IllegalStateException("wrong year");
        }
    }

    private static long epochNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
