package dev.switchboard.ipc.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PipeClosedException;
import dev.switchboard.ipc.ports.PortRef;
import dev.switchboard.ipc.wire.Limits;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;

/**
 * Readers blocked in {@link MessagePipe#read} across two nodes: frames arrive on the transport's
 * thread, whose port observers run only once each frame has been processed, and wake parked
 * readers. Nothing here depends on timing: a blocked reader is one whose thread state says so,
 * and every wait is for an event that must come.
 */
class MessagePipeWakeupTest {

    private static final Duration LONG = Duration.ofMinutes(5);

    private final InMemoryTransport t = new InMemoryTransport();

    /** Two nodes with a channel between them and one pipe: [0] in a, [1] in b. */
    private MessagePipe[] pipeAcross() throws Exception {
        NodeController a = new NodeController(t);
        NodeController b = new NodeController(t);
        long[] pair = t.createChannelPair();
        NodeChannel ca = NodeChannel.open(t, pair[0], Limits.DEFAULT, a);
        NodeChannel cb = NodeChannel.open(t, pair[1], Limits.DEFAULT, b);
        a.addClient(b.name(), ca, new NodeControllerTest.Sink(), false, false);
        b.joinGraph(a.name(), a.brokerName(), false, cb);
        PortRef pa = a.node().createUninitializedPort();
        PortRef pb = b.node().createUninitializedPort();
        a.node().initializePort(pa, b.name(), pb.name());
        b.node().initializePort(pb, a.name(), pa.name());
        return new MessagePipe[] {MessagePipe.forPort(a, pa, "a"), MessagePipe.forPort(b, pb, "b")};
    }

    private static void awaitBlocked(Thread th) {
        while (th.getState() != Thread.State.TIMED_WAITING && th.getState() != Thread.State.WAITING
                && th.getState() != Thread.State.TERMINATED) {
            Thread.onSpinWait();
        }
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void everyParkedReaderIsWokenAndEachMessageIsReadOnce() throws Exception {
        MessagePipe[] p = pipeAcross();
        int readers = 4;
        int perReader = 50;
        Set<String> got = ConcurrentHashMap.newKeySet();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int r = 0; r < readers; r++) {
            Thread th = new Thread(() -> {
                try {
                    for (int i = 0; i < perReader; i++) {
                        try (Message m = p[1].read(LONG)) {
                            assertTrue(got.add(new String(m.bytes(), StandardCharsets.UTF_8)), "read twice");
                        }
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            });
            th.start();
            threads.add(th);
        }
        for (Thread th : threads) {
            awaitBlocked(th); // the first message reaches readers that are parked, not about to look
        }
        for (int i = 0; i < readers * perReader; i++) {
            p[0].write(Message.of(text("m" + i)));
        }
        for (Thread th : threads) {
            th.join();
        }
        assertEquals(List.of(), errors);
        assertEquals(readers * perReader, got.size());
        p[0].close();
        p[1].close();
    }

    /** A thread blocked in {@code pipe.read}; what ends that read (it should throw) goes to {@code outcome}. */
    private static Thread parkedReader(MessagePipe pipe, LinkedBlockingQueue<Throwable> outcome) throws Exception {
        Thread th = new Thread(() -> {
            try {
                pipe.read(LONG);
                outcome.add(new AssertionError("read returned"));
            } catch (Throwable e) {
                outcome.add(e);
            }
        });
        th.start();
        awaitBlocked(th);
        return th;
    }

    @Test
    void parkedReaderSeesPeerClosed() throws Exception {
        MessagePipe[] p = pipeAcross();
        LinkedBlockingQueue<Throwable> outcome = new LinkedBlockingQueue<>();
        parkedReader(p[1], outcome);
        p[0].close();
        assertInstanceOf(PipeClosedException.class, outcome.take());
        p[1].close();
    }

    @Test
    void closingTheReadingEndWakesItsParkedReader() throws Exception {
        MessagePipe[] p = pipeAcross();
        LinkedBlockingQueue<Throwable> outcome = new LinkedBlockingQueue<>();
        parkedReader(p[1], outcome);
        p[1].close();
        assertInstanceOf(IllegalStateException.class, outcome.take());
        p[0].close();
    }

    @Test
    void interruptingAParkedReaderThrowsInterruptedException() throws Exception {
        MessagePipe[] p = pipeAcross();
        LinkedBlockingQueue<Throwable> outcome = new LinkedBlockingQueue<>();
        Thread th = parkedReader(p[1], outcome);
        th.interrupt();
        assertInstanceOf(InterruptedException.class, outcome.take());
        // the pipe is still usable after the interrupted read
        p[0].write(Message.of(text("after")));
        try (Message m = p[1].read(LONG)) {
            assertEquals("after", new String(m.bytes(), StandardCharsets.UTF_8));
        }
        p[0].close();
        p[1].close();
    }

    @Test
    void listenerOnADirectExecutorThatWritesBackIsServed() throws Exception {
        // The listener runs on the transport's thread (a direct executor) inside the deferred
        // observers, and its write causes further status changes there: they must still be run.
        MessagePipe[] p = pipeAcross();
        Executor direct = Runnable::run;
        p[1].setListener(direct, (pipe, m) -> {
            try (m) {
                pipe.write(Message.of(m.bytes()));
            }
        });
        for (int i = 0; i < 20; i++) {
            p[0].write(Message.of(text("echo" + i)));
            try (Message m = p[0].read(LONG)) {
                assertEquals("echo" + i, new String(m.bytes(), StandardCharsets.UTF_8));
            }
        }
        p[0].close();
        p[1].close();
    }
}
