package dev.switchboard.ipc.broker;

import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PlatformChannel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

/** A child JVM launched with an invitation carrying named pipes, and what its error handler saw. */
final class Launch implements AutoCloseable {

    static final Executor CALLBACKS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-callback");
        t.setDaemon(true);
        return t;
    });

    final ChildProcess child;
    final Map<String, MessagePipe> pipes = new LinkedHashMap<>();
    final CompletableFuture<ProcessError> error = new CompletableFuture<>();
    final List<Long> errorAtNanos = new ArrayList<>();

    private Launch(ChildProcess child) {
        this.child = child;
    }

    static Launch java(Class<?> main, List<String> pipeNames, String... args) throws IOException {
        PlatformChannel channel = PlatformChannel.create();
        ChildProcess child = ChildProcessLauncher.forJava(main)
                .jvmOptions("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")
                .passEndpoint(channel.takeRemoteEndpoint())
                .args(args)
                .appendOutput(childLog(main))
                .appendError(childLog(main))
                .start();
        return invite(child, channel, pipeNames);
    }

    static Launch invite(ChildProcess child, PlatformChannel channel, List<String> pipeNames) {
        Launch l = new Launch(child);
        OutgoingInvitation inv = new OutgoingInvitation();
        for (String name : pipeNames) {
            l.pipes.put(name, inv.attachMessagePipe(name));
        }
        inv.send(child, channel.takeLocalEndpoint(), e -> {
            synchronized (l.errorAtNanos) {
                l.errorAtNanos.add(System.nanoTime());
            }
            l.error.complete(e);
        }, CALLBACKS);
        return l;
    }

    /**
     * Children write here, not to the test JVM's stdout, which is surefire's channel to Maven.
     * The file is kept for diagnosis.
     */
    static Path childLog(Class<?> main) throws IOException {
        Path dir = Path.of("target", "child-logs");
        Files.createDirectories(dir);
        return dir.resolve(main.getSimpleName() + ".log");
    }

    MessagePipe pipe(String name) {
        return pipes.get(name);
    }

    @Override
    public void close() throws Exception {
        pipes.values().forEach(MessagePipe::close);
        child.destroyForcibly();
        child.onExit().get();
    }
}
