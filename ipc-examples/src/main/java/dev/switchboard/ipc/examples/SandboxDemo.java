package dev.switchboard.ipc.examples;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PlatformChannel;
import dev.switchboard.ipc.SharedBuffer;
import dev.switchboard.ipc.SharedMapping;
import dev.switchboard.ipc.broker.ChildProcess;
import dev.switchboard.ipc.broker.ChildProcessLauncher;
import dev.switchboard.ipc.broker.OutgoingInvitation;
import dev.switchboard.ipc.broker.sandbox.SandboxIpcHost;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The sandbox IPC channel next to a message pipe (docs/sandbox-ipc.md). The parent runs a
 * {@link SandboxIpcHost} and launches {@link SandboxDemoChild} with the host's socket in slot 4
 * and a platform channel in slot 3. The child asks the host, synchronously, for the local time and
 * for a shared-memory segment, writes into the segment, and sends the segment back over the
 * message pipe; the parent maps it and reads what the child wrote.
 */
public final class SandboxDemo {

    private static final Duration WAIT = Duration.ofSeconds(30);

    public static void main(String[] args) throws Exception {
        try (SandboxIpcHost host = SandboxIpcHost.start(SandboxIpcHost.Options.DEFAULT.maxSegmentBytes(1 << 20))) {
            PlatformChannel channel = PlatformChannel.create();
            ChildProcess child = ChildProcessLauncher.forJava(SandboxDemoChild.class)
                    .passEndpoint(channel.takeRemoteEndpoint())
                    .passSandboxChannel(host)
                    .start();
            say("launched child JVM, pid " + child.pid() + ": message channel in fd 3, sandbox socket in fd 4");

            OutgoingInvitation invitation = new OutgoingInvitation();
            MessagePipe results = invitation.attachMessagePipe("results");
            invitation.send(child, channel.takeLocalEndpoint(), error -> {
                say("process error: " + error.reason());
                error.process().destroyForcibly();
            });

            try (Message m = results.read(WAIT)) {
                if (m == null) {
                    throw new IllegalStateException("the child sent nothing within " + WAIT);
                }
                say("child says: '" + new String(m.bytes(), StandardCharsets.UTF_8) + "'");
                try (SharedBuffer segment = m.takeSharedBuffer(0); SharedMapping mapping = segment.map()) {
                    ByteBuffer map = mapping.buffer();
                    byte[] text = new byte[map.getInt(0)];
                    map.get(4, text);
                    say("mapped the " + segment.size() + "-byte segment; it holds: '"
                            + new String(text, StandardCharsets.UTF_8) + "'");
                }
            }
            SandboxIpcHost.Stats stats = host.stats();
            say("sandbox host served " + stats.served() + " request(s), refused " + stats.refused()
                    + ", dropped " + stats.rejectedTotal());
            results.close();
            say("closed the pipe; child exited with status " + child.onExit().get());
        }
    }

    private static void say(String s) {
        System.out.println("[parent] " + s);
        System.out.flush();
    }
}
