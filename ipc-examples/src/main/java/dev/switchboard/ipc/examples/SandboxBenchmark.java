package dev.switchboard.ipc.examples;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PlatformChannel;
import dev.switchboard.ipc.broker.ChildProcess;
import dev.switchboard.ipc.broker.ChildProcessLauncher;
import dev.switchboard.ipc.broker.OutgoingInvitation;
import dev.switchboard.ipc.broker.sandbox.SandboxIpcHost;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Measures the sandbox channel: N children each make R blocking requests one after another, all
 * children at once (they warm up, report ready over a message pipe, and start on the parent's
 * "go"). Prints requests per second over the whole run and the p50/p99 round trip of a request.
 *
 * <pre>
 * java -cp switchboard-demo.jar dev.switchboard.ipc.examples.SandboxBenchmark CHILDREN REQUESTS [localtime|shm]
 * taskset -c 0 java ...   # pinned: every process on one core (children inherit the affinity)
 * </pre>
 *
 * Not a test: numbers depend on the machine and on what else runs on it.
 */
public final class SandboxBenchmark {

    private static final Duration WAIT = Duration.ofSeconds(120);

    public static void main(String[] args) throws Exception {
        int children = Integer.parseInt(args[0]);
        int requests = Integer.parseInt(args[1]);
        String kind = args.length > 2 ? args[2] : "localtime";
        try (SandboxIpcHost host = SandboxIpcHost.start()) {
            List<ChildProcess> procs = new ArrayList<>();
            List<MessagePipe> pipes = new ArrayList<>();
            for (int i = 0; i < children; i++) {
                PlatformChannel channel = PlatformChannel.create();
                ChildProcess child = ChildProcessLauncher.forJava(SandboxBenchmarkChild.class)
                        .jvmOptions("-Xmx64m", "-XX:+UseSerialGC")
                        .passEndpoint(channel.takeRemoteEndpoint())
                        .passSandboxChannel(host)
                        .args(String.valueOf(requests), kind)
                        .start();
                OutgoingInvitation invitation = new OutgoingInvitation();
                pipes.add(invitation.attachMessagePipe("control"));
                invitation.send(child, channel.takeLocalEndpoint(), e -> System.err.println("child error: " + e.reason()));
                procs.add(child);
            }
            String cpus = null;
            for (MessagePipe p : pipes) {
                try (Message ready = p.read(WAIT)) {
                    cpus = new String(ready.bytes(), StandardCharsets.UTF_8);
                }
            }
            for (MessagePipe p : pipes) {
                p.write(Message.of("go".getBytes(StandardCharsets.UTF_8)));
            }
            long[] all = new long[children * requests];
            long first = Long.MAX_VALUE;
            long last = Long.MIN_VALUE;
            int at = 0;
            for (MessagePipe p : pipes) {
                try (Message result = p.read(WAIT)) {
                    ByteBuffer b = ByteBuffer.wrap(result.bytes());
                    first = Math.min(first, b.getLong());
                    last = Math.max(last, b.getLong());
                    for (int i = 0; i < requests; i++) {
                        all[at++] = b.getLong();
                    }
                }
                p.close();
            }
            for (ChildProcess c : procs) {
                c.onExit().get();
            }
            Arrays.sort(all);
            double seconds = (last - first) / 1e9;
            System.out.printf("%s: %d child(ren) x %d requests, child CPUs %s: %.0f requests/s, p50 %.1f us, p99 %.1f us"
                            + " (host: served %d, other %d)%n",
                    kind, children, requests, cpus, all.length / seconds, all[all.length / 2] / 1e3,
                    all[(int) (all.length * 0.99)] / 1e3, host.stats().served(),
                    host.stats().refused() + host.stats().failed() + host.stats().rejectedTotal());
        }
    }
}
