package dev.switchboard.ipc.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.MessagePipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 on either side: the survivor's pipes report peer-closed within a second. */
class ProcessDeathTest {

    private static final long ONE_SECOND_NANOS = TimeUnit.SECONDS.toNanos(1);

    @Test
    void killedChildClosesEveryParentPipeAndFiresTheErrorCallbackWithinOneSecond() throws Exception {
        try (Launch l = Launch.java(Children.Chatter.class, List.of("control", "data"))) {
            assertTrue(TestSupport.readText(l.pipe("control"), Duration.ofSeconds(30)).startsWith("started"));
            List<CompletableFuture<Long>> closedAt = l.pipes.values().stream().map(ProcessDeathTest::peerClosedAt).toList();
            TestSupport.sleep(100); // mid-stream: the child is writing
            long killedAt = System.nanoTime();
            new ProcessBuilder("kill", "-9", Long.toString(l.child.pid())).start().waitFor();
            for (CompletableFuture<Long> f : closedAt) {
                long ns = f.get(5, TimeUnit.SECONDS) - killedAt;
                assertTrue(ns < ONE_SECOND_NANOS, "peer-closed after " + ns / 1e6 + " ms");
            }
            ProcessError e = l.error.get(5, TimeUnit.SECONDS);
            long ns;
            synchronized (l.errorAtNanos) {
                ns = l.errorAtNanos.get(0) - killedAt;
            }
            assertTrue(ns < ONE_SECOND_NANOS, "error callback after " + ns / 1e6 + " ms");
            assertEquals(ProcessError.Kind.DISCONNECTED, e.kind());
            assertEquals(l.child, e.process());
            assertEquals(128 + 9, l.child.onExit().get(5, TimeUnit.SECONDS), "exit status of a SIGKILLed child");
        }
    }

    /** Drains the pipe on a thread of its own; completes with System.nanoTime() when peer-closed is seen. */
    static CompletableFuture<Long> peerClosedAt(MessagePipe pipe) {
        CompletableFuture<Long> f = new CompletableFuture<>();
        pipe.setListener(Launch.CALLBACKS, new MessagePipe.Listener() {
            @Override
            public void onMessage(MessagePipe p, dev.switchboard.ipc.Message m) {
                m.close();
            }

            @Override
            public void onPeerClosed(MessagePipe p) {
                f.complete(System.nanoTime());
            }
        });
        return f;
    }

    @Test
    void killedParentClosesEveryChildPipeWithinOneSecond(@TempDir Path dir) throws Exception {
        Path result = dir.resolve("result");
        Path out = dir.resolve("middle.out");
        ChildProcess middle = ChildProcessLauncher.forJava(Children.MiddleParent.class)
                .args(result.toString(), "false").redirectOutput(out).start();
        long orphanPid = awaitReady(out);
        long killedAtMillis = System.currentTimeMillis();
        new ProcessBuilder("kill", "-9", Long.toString(middle.pid())).start().waitFor();
        TestSupport.awaitTrue(Duration.ofSeconds(10), () -> Files.exists(result) && sizeOf(result) > 0, "the orphan's report");
        long closedAtMillis = Long.parseLong(Files.readString(result).split(" ")[1]);
        long ms = closedAtMillis - killedAtMillis;
        assertTrue(ms < 1000, "child saw peer-closed " + ms + " ms after its parent was killed");
        ProcessHandle.of(orphanPid).ifPresent(p -> p.onExit().join());
    }

    @Test
    void childWithTheExitPolicyExitsWhenItsParentIsKilled(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("middle.out");
        ChildProcess middle = ChildProcessLauncher.forJava(Children.MiddleParent.class)
                .args(dir.resolve("unused").toString(), "true").redirectOutput(out).start();
        long orphanPid = awaitReady(out);
        ProcessHandle orphan = ProcessHandle.of(orphanPid).orElseThrow();
        long killedAt = System.nanoTime();
        new ProcessBuilder("kill", "-9", Long.toString(middle.pid())).start().waitFor();
        orphan.onExit().get(10, TimeUnit.SECONDS);
        long ns = System.nanoTime() - killedAt;
        assertTrue(ns < 3 * ONE_SECOND_NANOS, "orphan exited " + ns / 1e6 + " ms after its parent was killed");
    }

    private static long awaitReady(Path out) {
        TestSupport.awaitTrue(Duration.ofSeconds(30), () -> {
            try {
                return Files.exists(out) && Files.readString(out).startsWith("ready ");
            } catch (java.io.IOException e) {
                return false;
            }
        }, "the middle process to report ready");
        try {
            return Long.parseLong(Files.readString(out).trim().split(" ")[1]);
        } catch (java.io.IOException e) {
            throw new RuntimeException(e);
        }
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            return 0;
        }
    }
}
