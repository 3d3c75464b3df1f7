package dev.switchboard.ipc.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child (M) that invites a grandchild (G) of its own puts it into this process's graph: a pipe
 * end sent here → M → G works end to end, G is connected to this broker, and G and another child
 * of this process (C) talk over a direct route.
 */
class ShareBrokerTest {

    static final int COUNT = 10_000;

    @Test
    void aGrandchildJoinsTheRootsGraphAndTalksDirectlyToTheRootAndToAnotherChild(@TempDir Path dir) throws Exception {
        int proxiesBefore = GraphSupport.proxies();
        try (GraphLaunch m = GraphLaunch.start("M", "middle"); GraphLaunch c = GraphLaunch.start("C")) {
            m.expect("middle-ready ");
            m.expect("g hello G");

            // root <-> G, the end travelling root -> M -> G
            MessagePipe.Pair rg = MessagePipe.create();
            m.send("g echo", rg.end1());
            MessagePipe mine = rg.end0();
            for (int i = 0; i < 1000; i++) {
                mine.write(GraphSupport.numbered(i));
            }
            for (int i = 0; i < 1000; i++) {
                try (Message msg = mine.read(GraphLaunch.WAIT)) {
                    assertTrue(msg != null, "echo " + i + " from the grandchild did not come back");
                    assertEquals(i, GraphSupport.indexOf(msg), "order of the grandchild's echoes");
                }
            }
            Files.writeString(dir.resolve("f"), "to the grandchild and back");
            mine.write(GraphSupport.text("fd", GraphSupport.fdOf(dir.resolve("f"))));
            try (Message msg = mine.read(GraphLaunch.WAIT)) {
                assertEquals("fd", TestSupport.text(msg));
                assertEquals(1, msg.handleCount());
                assertEquals("to the grandchild and back", GraphSupport.contentOf(msg.takeHandle(0)));
            }
            // G is connected to more than its inviter: to this broker
            String statsG = m.ask("g stats", "g stats ");
            assertTrue(GraphSupport.field(statsG, "peers") >= 2, "G is connected to the root broker as well as to M: " + statsG);

            // C <-> G: introduced by this broker, then direct
            long seedC = System.nanoTime();
            long seedG = seedC * 17 + 3;
            MessagePipe.Pair cg = MessagePipe.create();
            c.send("talk " + COUNT + " " + seedC + " " + seedG + " 100", cg.end0());
            m.send("g talk " + COUNT + " " + seedG + " " + seedC + " 100", cg.end1());
            c.expect("warm");
            m.expect("g warm");
            TestSupport.awaitTrue(Duration.ofSeconds(30), () -> GraphSupport.proxies() <= proxiesBefore,
                    "the proxies here to go away");
            awaitNoProxies(m);
            long relayedHere = GraphSupport.relayed();
            long relayedM = GraphSupport.field(m.stats(), "relayed");
            c.send("go");
            m.send("g go");
            String verdictC = c.expect("", Duration.ofMinutes(3));
            String verdictG = m.expect("g ", Duration.ofMinutes(3));
            relayedHere = GraphSupport.relayed() - relayedHere;
            relayedM = GraphSupport.field(m.stats(), "relayed") - relayedM;
            System.out.printf("share-broker: C %s; G %s; relayed here %d, in M %d%n", verdictC, verdictG, relayedHere, relayedM);
            assertTrue(verdictC.startsWith("ok "), "C: " + verdictC);
            assertTrue(verdictG.startsWith("g ok "), "G: " + verdictG);
            long traffic = 2L * COUNT;
            assertTrue(relayedHere < traffic / 100, relayedHere + " of " + traffic + " C<->G messages relayed here");
            assertTrue(relayedM < traffic / 100, relayedM + " of " + traffic + " C<->G messages relayed by M");
            assertTrue(GraphSupport.field(verdictC, "peers") >= 2, "C is connected to G: " + verdictC);
            assertTrue(GraphSupport.field(verdictG, "peers") >= 3, "G is connected to M, the root and C: " + verdictG);
            assertTrue(m.errors.isEmpty() && c.errors.isEmpty(), "process errors: " + m.errors + " " + c.errors);
            mine.close();
        }
    }

    private static void awaitNoProxies(GraphLaunch m) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            String s = m.stats();
            if (GraphSupport.field(s, "proxies") == 0) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("M keeps proxies: " + s);
            }
            TestSupport.sleep(20);
        }
    }
}
