package dev.switchboard.ipc.bench.peer;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PlatformChannel;
import dev.switchboard.ipc.broker.ChildProcess;
import dev.switchboard.ipc.broker.ChildProcessLauncher;
import dev.switchboard.ipc.broker.IncomingInvitation;
import dev.switchboard.ipc.broker.OutgoingInvitation;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Set-up cost, split in two so that JVM start does not hide what Switchboard adds:
 *
 * <ul>
 *   <li>{@code jvm_start_ns}: from just before {@link ChildProcessLauncher#start()} to the first
 *       line of the child's {@code main}.
 *   <li>{@code setup_ns}: from just before {@link OutgoingInvitation#send} to the moment the
 *       child's first {@code read} returns the parent's first message. The parent only sends once
 *       the child has reached {@code main}, so JVM start is excluded; Switchboard's own class
 *       loading and I/O thread start in the child are included, as a real first message pays them.
 * </ul>
 *
 * Both ends are {@link System#nanoTime()} readings taken in different processes, which is sound
 * on Linux: HotSpot reads CLOCK_MONOTONIC, one clock for the whole machine. The child reports
 * its readings over the pipe (first message) and a ready file (main entry).
 */
final class SwitchboardSetup {

    static final String NAME = PeerMain.SETUP;

    private SwitchboardSetup() {}

    static ResultFile measure(Workload w, Path workDir) throws Exception {
        long[] setup = new long[w.measured()];
        long[] jvm = new long[w.measured()];
        String childAffinity = "unknown";
        for (int i = 0; i < w.warmup() + w.measured(); i++) {
            Path ready = workDir.resolve("ready-" + i);
            PlatformChannel channel = PlatformChannel.create();
            long launched = System.nanoTime();
            ChildProcess child = ChildProcessLauncher.forJava(PeerMain.class)
                    .args("child", NAME, ready.toString())
                    .passEndpoint(channel.takeRemoteEndpoint())
                    .start();
            long mainEntered = awaitReadyFile(ready, child);

            OutgoingInvitation invitation = new OutgoingInvitation();
            MessagePipe pipe = invitation.attachMessagePipe(SwitchboardSeries.PIPE);
            long sent = System.nanoTime();
            invitation.send(child, channel.takeLocalEndpoint(), error -> {
                System.err.println("switchboard: " + error.kind() + ": " + error.reason());
                error.process().destroyForcibly();
            });
            pipe.write(Message.of(new byte[] {1}));
            long firstReadable;
            try (Message reply = pipe.read(SwitchboardSeries.WAIT)) {
                if (reply == null) {
                    throw new IOException("child " + child.pid() + " did not report its first message");
                }
                firstReadable = ByteBuffer.wrap(reply.bytes()).getLong();
            }
            if (i >= w.warmup()) {
                setup[i - w.warmup()] = firstReadable - sent;
                jvm[i - w.warmup()] = mainEntered - launched;
            }
            childAffinity = Affinity.ofProcess(child.pid());
            pipe.close();
            child.onExit().get(10, TimeUnit.SECONDS);
        }
        return new ResultFile()
                .info("affinity_parent", Affinity.ofSelf())
                .info("affinity_child", childAffinity)
                .samples("setup_ns", setup)
                .samples("jvm_start_ns", jvm);
    }

    /** Child side: report main entry, accept, report the first message, wait for the parent to close. */
    static void child(String readyFile, long mainEntered) throws Exception {
        Path ready = Path.of(readyFile);
        Path tmp = ready.resolveSibling(ready.getFileName() + ".tmp");
        Files.writeString(tmp, Long.toString(mainEntered), StandardCharsets.US_ASCII);
        Files.move(tmp, ready, StandardCopyOption.ATOMIC_MOVE);

        IncomingInvitation invitation = IncomingInvitation.accept(
                IncomingInvitation.Options.DEFAULT.exitWhenParentDies(1));
        MessagePipe pipe = invitation.extractMessagePipe(SwitchboardSeries.PIPE);
        Message first = pipe.read(SwitchboardSeries.WAIT);
        long readable = System.nanoTime();
        if (first == null) {
            throw new IOException("no first message within " + SwitchboardSeries.WAIT);
        }
        first.close();
        pipe.write(Message.of(ByteBuffer.allocate(Long.BYTES).putLong(readable).array()));
        SwitchboardSeries.awaitPeerClosed(pipe);
    }

    /** Polling only delays the start of the timed part, never its measurement. */
    private static long awaitReadyFile(Path ready, ChildProcess child) throws IOException {
        long deadline = System.nanoTime() + SwitchboardSeries.WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                return Long.parseLong(Files.readString(ready, StandardCharsets.US_ASCII).trim());
            } catch (NoSuchFileException e) {
                if (!child.isAlive()) {
                    throw new IOException("child " + child.pid() + " exited before reaching main");
                }
                LockSupport.parkNanos(1_000_000);
            }
        }
        child.destroyForcibly();
        throw new IOException("child " + child.pid() + " did not reach main within " + SwitchboardSeries.WAIT);
    }
}
