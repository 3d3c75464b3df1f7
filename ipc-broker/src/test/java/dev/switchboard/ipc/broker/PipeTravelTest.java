package dev.switchboard.ipc.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Message pipes that travel between real processes: a pipe made here whose ends go to two
 * children, which then talk over it directly; fds on a moved pipe; an end that moves on from the
 * child that got it, to another child and back here, while the other end keeps writing.
 */
class PipeTravelTest {

    static final int COUNT = 100_000;
    static final Duration VERDICT = Duration.ofMinutes(5);

    /** The first launch creates process-wide singletons (I/O loop, reaper, node); keep them out of fd counts. */
    @BeforeAll
    static void warmUp() throws Exception {
        try (GraphLaunch l = GraphLaunch.start("warm-up")) {
            assertEquals("x", l.ask("say x", "x"));
        }
    }

    @Test
    void endsSentToTwoChildrenCarryAHundredThousandMessagesEachWayDirectlyBetweenThem() throws Exception {
        long seedA = System.nanoTime();
        long seedB = seedA * 31 + 7;
        try (GraphLaunch a = GraphLaunch.start("A"); GraphLaunch b = GraphLaunch.start("B")) {
            int proxiesBefore = GraphSupport.proxies();
            long relayedBefore = GraphSupport.relayed();

            // watch this node's proxies while the ends leave: they prove the route starts here
            AtomicInteger maxProxies = new AtomicInteger(proxiesBefore);
            AtomicBoolean sampling = new AtomicBoolean(true);
            Thread sampler = new Thread(() -> {
                while (sampling.get()) {
                    maxProxies.accumulateAndGet(GraphSupport.proxies(), Math::max);
                    TestSupport.sleep(1);
                }
            });
            sampler.start();

            MessagePipe.Pair p = MessagePipe.create();
            a.send("talk " + COUNT + " " + seedA + " " + seedB + " 200", p.end0());
            maxProxies.accumulateAndGet(GraphSupport.proxies(), Math::max);
            b.send("talk " + COUNT + " " + seedB + " " + seedA + " 200", p.end1());
            maxProxies.accumulateAndGet(GraphSupport.proxies(), Math::max);

            // warm-up: 200 messages each way, whatever route they take
            assertEquals("warm", a.expect("warm"));
            assertEquals("warm", b.expect("warm"));
            // the ends left proxies here; once A and B are introduced the route bypasses them
            TestSupport.awaitTrue(Duration.ofSeconds(30), () -> GraphSupport.proxies() <= proxiesBefore,
                    "the proxies this process kept for the A-B pipe to go away (now " + GraphSupport.proxies() + ")");
            sampling.set(false);
            sampler.join();
            long relayedWarm = GraphSupport.relayed() - relayedBefore;
            System.out.printf("travel: proxies here peaked at %d (baseline %d); %d warm-up messages relayed here%n",
                    maxProxies.get(), proxiesBefore, relayedWarm);
            assertTrue(maxProxies.get() > proxiesBefore,
                    "sending the ends must leave proxies here (the route starts through this process); peak "
                            + maxProxies.get() + ", baseline " + proxiesBefore);

            long relayed0 = GraphSupport.relayed();
            long received0 = GraphSupport.received();
            long start = System.nanoTime();
            a.send("go");
            b.send("go");
            String verdictA = a.expect("", VERDICT);
            String verdictB = b.expect("", VERDICT);
            long ms = (System.nanoTime() - start) / 1_000_000;
            long relayed = GraphSupport.relayed() - relayed0;
            long received = GraphSupport.received() - received0;
            System.out.printf("travel: %,d messages each way A<->B in %d ms; relayed here %d, received here %d; A: %s; B: %s%n",
                    COUNT, ms, relayed, received, verdictA, verdictB);
            assertTrue(verdictA.startsWith("ok "), "A: " + verdictA);
            assertTrue(verdictB.startsWith("ok "), "B: " + verdictB);
            long traffic = 2L * COUNT;
            assertTrue(relayed < traffic / 100,
                    relayed + " of " + traffic + " A<->B messages were relayed by this process after the introduction");
            assertTrue(received < traffic / 100,
                    received + " user messages reached this process while A and B talked: their traffic passes through it");
            // each child talks to this process and, directly, to the other
            assertTrue(GraphSupport.field(verdictA, "peers") >= 2, "A is connected to B: " + verdictA);
            assertTrue(GraphSupport.field(verdictB, "peers") >= 2, "B is connected to A: " + verdictB);
            assertTrue(GraphSupport.field(verdictA, "relayed") < traffic / 100, "A relayed: " + verdictA);
            assertTrue(GraphSupport.field(verdictB, "relayed") < traffic / 100, "B relayed: " + verdictB);
            assertTrue(a.errors.isEmpty() && b.errors.isEmpty(), "process errors: " + a.errors + " " + b.errors);
        }
    }

    @Test
    void fdsOnAPipeThatMovesArriveIntactBeforeDuringAndAfterTheMove(@TempDir Path dir) throws Exception {
        Map<Integer, String> before = TestSupport.openFds();
        try (GraphLaunch a = GraphLaunch.start("A")) {
            String[] stages = {"before", "during", "after"};
            for (String s : stages) {
                Files.writeString(dir.resolve(s), "content written " + s + " the move");
            }
            MessagePipe.Pair p = MessagePipe.create();
            MessagePipe mine = p.end0();
            // queued in the other end while it is still here: travels with it
            mine.write(GraphSupport.text("before", GraphSupport.fdOf(dir.resolve("before"))));
            a.send("echo", p.end1());
            // right behind the end, while it is being accepted and this process proxies
            mine.write(GraphSupport.text("during", GraphSupport.fdOf(dir.resolve("during"))));
            checkEcho(mine, dir, "before");
            checkEcho(mine, dir, "during");
            // after the move has settled
            mine.write(GraphSupport.text("after", GraphSupport.fdOf(dir.resolve("after"))));
            checkEcho(mine, dir, "after");
            // and a plain message: no fd appears from nowhere
            mine.write(GraphSupport.text("plain"));
            try (Message back = mine.read(GraphLaunch.WAIT)) {
                assertEquals("plain", TestSupport.text(back));
                assertEquals(0, back.handleCount());
            }
            mine.close();
            assertNull(a.firstError(Duration.ZERO), "no process error");
        }
        TestSupport.assertFdCountReturnsTo(before.size(), before);
    }

    private static void checkEcho(MessagePipe mine, Path dir, String stage) throws Exception {
        try (Message back = mine.read(GraphLaunch.WAIT)) {
            assertTrue(back != null, "the echo of '" + stage + "' did not come back");
            assertEquals(stage, TestSupport.text(back));
            assertEquals(1, back.handleCount(), "fds on the echo of '" + stage + "'");
            assertEquals(0, back.pipeCount());
            assertEquals(Files.readString(dir.resolve(stage)), GraphSupport.contentOf(back.takeHandle(0)),
                    "the fd sent " + stage + " the move, back from the child");
        }
    }

    /**
     * q starts here (50 messages queued in it), moves to A, which reads 300 and sends it to C over
     * a direct A-C pipe; C reads 1500 and sends it back here, where the rest is read. p writes
     * throughout, and keeps writing for a while after q is back; every 100th message carries an fd.
     * Whoever holds q writes "b K" back every 10th message.
     */
    @Test
    void anEndMovesFromChildToChildAndBackWhileTheOtherEndWritesAndNothingIsLostOrReordered(@TempDir Path dir) throws Exception {
        Map<Integer, String> before = TestSupport.openFds();
        try (GraphLaunch a = GraphLaunch.start("A"); GraphLaunch c = GraphLaunch.start("C")) {
            MessagePipe.Pair ac = MessagePipe.create();
            a.send("peer", ac.end0());
            c.send("peer", ac.end1());
            a.expect("peered");
            c.expect("peered");

            MessagePipe.Pair pq = MessagePipe.create();
            MessagePipe p = pq.end0();
            AtomicInteger written = new AtomicInteger();
            for (int i = 0; i < 50; i++) {
                writeNumbered(p, i, dir);
                written.incrementAndGet();
            }
            a.send("hold 300:peer,1500:parent 0", pq.end1());

            AtomicBoolean back = new AtomicBoolean();
            AtomicReference<Throwable> writeFailure = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    int extra = 0;
                    for (int i = 50; extra < 500; i++) {
                        writeNumbered(p, i, dir);
                        written.incrementAndGet();
                        if (back.get()) {
                            extra++;
                        }
                        if (i % 10 == 0) {
                            TestSupport.sleep(1);
                        }
                    }
                } catch (Throwable t) {
                    writeFailure.set(t);
                }
            }, "travel-writer");
            writer.start();

            String heldA = a.expect("held ");
            String heldC = c.expect("held ");
            MessagePipe q;
            String tail;
            try (Message m = c.expectMessage("hold ", GraphLaunch.WAIT)) {
                tail = TestSupport.text(m);
                assertEquals(1, m.pipeCount(), "C sent the end back: " + tail);
                q = m.takePipe(0);
            }
            int writtenWhenBack = written.get();
            back.set(true);
            writer.join(120_000);
            assertNull(writeFailure.get(), "writing on p");
            int n = written.get();
            System.out.printf("travel: A %s; C %s; %s; %d written, %d of them after q came back%n",
                    heldA, heldC, tail, n, n - writtenWhenBack);

            assertEquals("none", GraphSupport.fields(heldA).get("problem"), heldA);
            assertEquals("none", GraphSupport.fields(heldC).get("problem"), heldC);
            assertEquals(0, GraphSupport.field(heldA, "first"), heldA);
            assertEquals(300, GraphSupport.field(heldA, "count"), heldA);
            assertEquals(300, GraphSupport.field(heldC, "first"), heldC);
            assertEquals(1500, GraphSupport.field(heldC, "count"), heldC);

            // the rest, read here from q
            for (int i = 1800; i < n; i++) {
                try (Message m = q.read(GraphLaunch.WAIT)) {
                    assertTrue(m != null, "message " + i + " of " + n + " did not arrive");
                    assertEquals(i, GraphSupport.indexOf(m), "message order on q");
                    if (i % 100 == 0) {
                        assertEquals(1, m.handleCount(), "message " + i + " carries an fd");
                        assertEquals("fd-" + i, GraphSupport.contentOf(m.takeHandle(0)));
                    } else {
                        assertEquals(0, m.handleCount());
                    }
                }
            }
            // what A and C wrote back on q, in order, each once
            String[] words = tail.split(" ");
            int backCount = Integer.parseInt(words[2]);
            assertEquals((300 + 1500) / 10, backCount, tail);
            for (int k = 0; k < backCount; k++) {
                assertEquals("b " + k, TestSupport.readText(p, GraphLaunch.WAIT), "message " + k + " written back on q");
            }
            TestSupport.sleep(200);
            assertNull(p.poll(), "nothing more on p");
            assertNull(q.poll(), "nothing more on q");
            // both ends here now, and p and q still talk
            p.write(GraphSupport.text("last"));
            assertEquals("last", TestSupport.readText(q, GraphLaunch.WAIT));
            q.write(GraphSupport.text("really last"));
            assertEquals("really last", TestSupport.readText(p, GraphLaunch.WAIT));
            p.close();
            q.close();
            assertTrue(a.errors.isEmpty() && c.errors.isEmpty(), "process errors: " + a.errors + " " + c.errors);
        }
        TestSupport.assertFdCountReturnsTo(before.size(), before);
    }

    private static void writeNumbered(MessagePipe p, int i, Path dir) throws Exception {
        if (i % 100 == 0) {
            Path f = dir.resolve("fd-" + i);
            Files.writeString(f, "fd-" + i);
            p.write(GraphSupport.numbered(i, GraphSupport.fdOf(f)));
        } else {
            p.write(GraphSupport.numbered(i));
        }
    }
}
