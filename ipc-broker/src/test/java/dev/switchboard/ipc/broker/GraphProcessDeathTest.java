package dev.switchboard.ipc.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.MessagePipe;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * kill -9 a child that holds pipe ends whose peers are in another child and here: both survivors
 * see peer-closed within a second, the broker drops the dead node and keeps serving the other
 * child (a fresh pipe here, and an introduction to a new child).
 */
class GraphProcessDeathTest {

    private static final long ONE_SECOND_NANOS = TimeUnit.SECONDS.toNanos(1);

    @Test
    void killedChildsPipesCloseInTheOtherChildAndHereWithinOneSecondAndTheBrokerServesOn() throws Exception {
        try (GraphLaunch a = GraphLaunch.start("A"); GraphLaunch b = GraphLaunch.start("B")) {
            // A holds two ends: one whose peer stays here, one whose peer goes to B
            MessagePipe.Pair here = MessagePipe.create();
            MessagePipe.Pair ab = MessagePipe.create();
            a.send("echo", here.end1(), ab.end0());
            b.send("watch", ab.end1());
            MessagePipe mine = here.end0();
            mine.write(GraphSupport.text("hello A"));
            assertEquals("hello A", TestSupport.readText(mine, GraphLaunch.WAIT));
            assertEquals("watching", b.expect("watching"), "B pinged A through its end");
            int peersBefore = GraphSupport.peers();

            CompletableFuture<Long> closedHere = ProcessDeathTest.peerClosedAt(mine);
            long killedAtMillis = System.currentTimeMillis();
            long killedAt = System.nanoTime();
            // SIGKILL, as kill -9 sends it, but from here: timing a forked /bin/kill on a loaded
            // machine would measure process creation, not how fast the survivors hear of the death
            a.child.toHandle().orElseThrow().destroyForcibly();

            long ns = closedHere.get(5, TimeUnit.SECONDS) - killedAt;
            assertTrue(ns < ONE_SECOND_NANOS, "peer-closed here after " + ns / 1e6 + " ms");
            String closed = b.expect("closed ", Duration.ofSeconds(5));
            long ms = Long.parseLong(closed.split(" ")[1]) - killedAtMillis;
            assertTrue(ms < 1000, "peer-closed in B after " + ms + " ms");
            System.out.printf("graph death: peer-closed here after %.1f ms, in B after %d ms%n", ns / 1e6, ms);

            ProcessError e = a.firstError(Duration.ofSeconds(5));
            assertTrue(e != null, "A's invitation reports the death");
            assertEquals(ProcessError.Kind.DISCONNECTED, e.kind(), e.reason());
            assertEquals(a.child, e.process());
            assertEquals(128 + 9, a.child.onExit().get(5, TimeUnit.SECONDS));
            TestSupport.awaitTrue(Duration.ofSeconds(5), () -> GraphSupport.peers() == peersBefore - 1,
                    "the broker to drop A's node: peers " + peersBefore + " -> " + GraphSupport.peers());

            // B is still served: a fresh pipe to here ...
            MessagePipe.Pair fresh = MessagePipe.create();
            b.send("echo", fresh.end1());
            for (int i = 0; i < 100; i++) {
                fresh.end0().write(GraphSupport.text("fresh " + i));
            }
            for (int i = 0; i < 100; i++) {
                assertEquals("fresh " + i, TestSupport.readText(fresh.end0(), GraphLaunch.WAIT));
            }
            // ... and an introduction to a child that did not exist when A died
            try (GraphLaunch c = GraphLaunch.start("C")) {
                MessagePipe.Pair bc = MessagePipe.create();
                c.send("echo", bc.end1());
                b.send("ping 100", bc.end0());
                assertEquals("pinged ok", b.expect("pinged ", GraphLaunch.WAIT));
                String statsB = b.stats();
                assertTrue(GraphSupport.field(statsB, "peers") >= 2, "B is connected to C (and here): " + statsB);
                assertTrue(c.errors.isEmpty(), "C: " + c.errors);
            }
            assertNull(b.firstError(Duration.ZERO), "B's invitation reports nothing");
            assertTrue(b.child.isAlive());
            mine.close();
            fresh.end0().close();
        }
    }
}
