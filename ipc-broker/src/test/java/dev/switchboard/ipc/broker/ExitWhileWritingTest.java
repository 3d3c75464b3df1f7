package dev.switchboard.ipc.broker;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PipeClosedException;
import dev.switchboard.ipc.PlatformChannel;
import dev.switchboard.ipc.node.NodeController;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A child writes its last messages, closes and exits while a thread of the parent writes to it as
 * fast as it can; a well-behaved child does round trips all the while. Once the parent's writes
 * fail (EPIPE) they are dropped at once, so nothing slows the writer: if the I/O thread happened
 * to be handing this node's events to the channels when it did, it went on handing over the
 * writer's messages for as long as the writer wrote, reading nothing (neither the exiting child's
 * last messages, whose closure would have stopped the writer, nor anyone else's echo), while the
 * undelivered events filled the heap. Each child here is a fresh chance for that to happen.
 *
 * <p>The most events waiting at once is printed, not asserted: with the I/O thread free, an
 * application thread that is delivering (this test's reader, say) can still be kept at it by the
 * writer until the child's closure is read, a few milliseconds later (up to about ten thousand
 * events seen under load; millions when the I/O thread was the one kept busy).
 */
class ExitWhileWritingTest {

    private static final int CHILDREN = 6;
    private static final int LAST_MESSAGES = 2_000;
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @BeforeAll
    static void needsPython() throws Exception {
        boolean python;
        try {
            python = new ProcessBuilder("python3", "-c", "import socket, array").redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException e) {
            python = false;
        }
        Assumptions.assumeTrue(python, "the exiting children are Python 3 scripts; python3 is not on PATH");
    }

    @Test
    @Timeout(300)
    void theWriterSeesPeerClosedEveryLastMessageArrivesAndTheIoThreadKeepsServing() throws Exception {
        Path script = Path.of("src", "test", "python", "hostile_soak_child.py").toAbsolutePath();
        assertTrue(Files.isRegularFile(script), script + " (tests run in the ipc-broker directory)");
        try (Launch good = Launch.java(Children.Echo.class, List.of("control"))) {
            good.pipe("control").write(TestSupport.text("warm"));
            assertEquals("warm", TestSupport.readText(good.pipe("control"), Duration.ofSeconds(60)));
            AtomicInteger undeliveredPeak = new AtomicInteger();
            Thread sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    undeliveredPeak.accumulateAndGet(NodeController.get().node().undeliveredEvents(), Math::max);
                    try {
                        Thread.sleep(1); // a pile-up lasts for as long as the writer writes: seconds
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "undelivered-sampler");
            sampler.setDaemon(true);
            sampler.start();
            RoundTrips roundTrips = new RoundTrips(good.pipe("control"), Duration.ofSeconds(2)).start();
            List<String> problems = new ArrayList<>();
            for (int i = 0; i < CHILDREN; i++) {
                String problem = exitWhileParentWrites(script, i);
                if (problem != null) {
                    problems.add("child " + i + ": " + problem);
                }
            }
            RoundTrips.Summary summary = roundTrips.stop();
            sampler.interrupt();
            sampler.join();
            System.out.println("good child: " + summary + "; most undelivered events at once: " + undeliveredPeak.get());
            assertAll(summary.toString(),
                    () -> assertEquals(List.of(), problems),
                    () -> assertNull(summary.stoppedBecause(), "the round trips went on to the end"),
                    () -> assertEquals(List.of(), summary.missed(), "round trips of the good child over 2 s"));
        }
    }

    /** One child: what went wrong, or null. */
    private static String exitWhileParentWrites(Path script, int index) throws Exception {
        ErrorLog errors = new ErrorLog();
        PlatformChannel channel = PlatformChannel.create();
        OutgoingInvitation invitation = new OutgoingInvitation();
        MessagePipe pipe = invitation.attachMessagePipe("hostile");
        ChildProcess child = ChildProcessLauncher.forCommand(List.of("python3", script.toString(), "exit-at-once", Integer.toString(LAST_MESSAGES)))
                .passEndpoint(channel.takeRemoteEndpoint())
                .appendOutput(Launch.childLog(ExitWhileWritingTest.class))
                .appendError(Launch.childLog(ExitWhileWritingTest.class))
                .start();
        invitation.send(child, channel.takeLocalEndpoint(), errors, Launch.CALLBACKS);
        AtomicReference<RuntimeException> writerEnd = new AtomicReference<>();
        AtomicInteger writes = new AtomicInteger();
        byte[] chunk = new byte[16 * 1024];
        Thread writer = new Thread(() -> {
            try {
                while (true) {
                    pipe.write(Message.of(chunk));
                    writes.incrementAndGet();
                }
            } catch (RuntimeException e) {
                writerEnd.set(e); // PipeClosedException once the child's closure is read
            }
        }, "exiting-child-writer-" + index);
        writer.setDaemon(true);
        writer.start();
        try {
            for (int i = 0; i < LAST_MESSAGES; i++) {
                Message m;
                try {
                    m = pipe.read(DEADLINE);
                } catch (PipeClosedException e) {
                    return "peer-closed after " + i + " of its " + LAST_MESSAGES + " last messages";
                }
                if (m == null) {
                    return "last message " + i + " did not arrive within " + DEADLINE.toSeconds() + " s (the writer had written "
                            + writes.get() + " messages)";
                }
                try (m) {
                    String text = TestSupport.text(m);
                    if (!text.equals("last " + i)) {
                        return "last message " + i + " arrived as '" + text + "'";
                    }
                }
            }
            try {
                Message extra = pipe.read(DEADLINE);
                if (extra != null) {
                    extra.close();
                    return "a message after the last one instead of peer-closed";
                }
                return "no peer-closed within " + DEADLINE.toSeconds() + " s after the last message";
            } catch (PipeClosedException expected) {
                // every message, then peer-closed
            }
            writer.join(DEADLINE.toMillis());
            if (writer.isAlive()) {
                return "the writer still writes " + DEADLINE.toSeconds() + " s after peer-closed (" + writes.get() + " messages)";
            }
            if (!(writerEnd.get() instanceof PipeClosedException)) {
                return "the writer ended with " + writerEnd.get() + " instead of PipeClosedException";
            }
            return null;
        } finally {
            pipe.close();
            writer.join(DEADLINE.toMillis());
            child.destroyForcibly();
            child.onExit().get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        }
    }
}
