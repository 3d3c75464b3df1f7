package dev.switchboard.ipc.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import java.time.Duration;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * One end (X) stays here and writes numbered messages without pause; the other (Y) goes to child
 * A, then bounces between A and B over a direct A-B pipe 1,000 times, then comes back here. Each
 * holder reads whatever has arrived when it gets Y and writes "b HOP" back. Read in bounce order,
 * the numbers are 0..N-1, each once; X reads b0..b1000 in order. X writes about one message
 * every two milliseconds, so messages are in flight through the proxies at every move. Run with
 * {@code -DargLine=-Dgraph.debug=true} to have the children log every hop.
 */
class PipeBounceTest {

    static final int HOPS = 1000;

    @Test
    void anEndBouncedAThousandTimesBetweenTwoChildrenLosesAndReordersNothing() throws Exception {
        int proxiesBefore = GraphSupport.proxies();
        try (GraphLaunch a = GraphLaunch.start("A"); GraphLaunch b = GraphLaunch.start("B")) {
            MessagePipe.Pair ab = MessagePipe.create();
            a.send("peer", ab.end0());
            b.send("peer", ab.end1());
            a.expect("peered");
            b.expect("peered");

            MessagePipe.Pair xy = MessagePipe.create();
            MessagePipe x = xy.end0();
            AtomicInteger written = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> writeFailure = new AtomicReference<>();
            for (int i = 0; i < 20; i++) {
                x.write(GraphSupport.numbered(written.getAndIncrement()));
            }
            long start = System.nanoTime();
            a.send("y 0 " + HOPS, xy.end1());
            Thread writer = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        // Bursts of 4 every 2 ms: about 2,000 messages/s while the end moves every
                        // few milliseconds, so proxies pile up unless they collapse as fast. (Not
                        // more: on a 2-core machine under other load, a writer that outruns the
                        // forwarding through a proxy chain floods the channels the collapse needs;
                        // docs/ports.md §5.)
                        for (int i = 0; i < 4; i++) {
                            x.write(GraphSupport.numbered(written.get()));
                            written.incrementAndGet();
                        }
                        TestSupport.sleep(2);
                    }
                } catch (Throwable t) {
                    writeFailure.set(t);
                }
            }, "bounce-writer");
            writer.start();

            MessagePipe y;
            String backText;
            try (Message m = a.expectMessage("y-back ", Duration.ofSeconds(90))) {
                backText = TestSupport.text(m);
                y = m.takePipe(0);
            } catch (AssertionError stuck) {
                // where did it stop? each holder says which hops it saw, and logs its ports
                stop.set(true);
                System.out.println("bounce stuck; this node's ports:\n" + dev.switchboard.ipc.node.NodeController.get().node().describe()
                        + "channels:\n" + dev.switchboard.ipc.node.NodeController.get().describeChannels());
                a.send("describe");
                b.send("describe");
                a.send("report");
                b.send("report");
                throw new AssertionError(stuck.getMessage() + "; " + written.get() + " written; proxies here "
                        + GraphSupport.proxies() + "; A: " + diagnosis(a) + "; B: " + diagnosis(b), stuck);
            }
            long bounceMs = (System.nanoTime() - start) / 1_000_000;
            stop.set(true);
            writer.join(60_000);
            assertNull(writeFailure.get(), "writing on X");
            int n = written.get();
            assertEquals("y-back " + HOPS, backText);

            // what each holder read, hop by hop
            String reportA = a.ask("report", "report ");
            String reportB = b.ask("report", "report ");
            assertEquals("none", GraphSupport.fields(reportA).get("problem"), "A: " + reportA);
            assertEquals("none", GraphSupport.fields(reportB).get("problem"), "B: " + reportB);
            TreeMap<Integer, int[]> hops = new TreeMap<>();
            addHops(hops, reportA, 0);
            addHops(hops, reportB, 1);
            assertEquals(HOPS + 1, hops.size(), "hops 0.." + HOPS + ", each held once");
            assertEquals(0, hops.firstKey());
            assertEquals(HOPS, hops.lastKey());
            int next = 0;
            int nonEmpty = 0;
            for (var e : hops.entrySet()) {
                int first = e.getValue()[0];
                int count = e.getValue()[1];
                if (count > 0) {
                    assertEquals(next, first, "hop " + e.getKey() + " starts where the previous holder stopped");
                    next += count;
                    nonEmpty++;
                }
            }
            // the rest, here
            int readHere = 0;
            for (int i = next; i < n; i++) {
                try (Message m = y.read(GraphLaunch.WAIT)) {
                    assertTrue(m != null, "message " + i + " of " + n + " did not arrive");
                    assertEquals(i, GraphSupport.indexOf(m), "order of what is read here at the end");
                    readHere++;
                }
            }
            // what the holders wrote back, in hop order
            for (int h = 0; h <= HOPS; h++) {
                assertEquals("b " + h, TestSupport.readText(x, GraphLaunch.WAIT), "written back at hop " + h);
            }
            TestSupport.sleep(200);
            assertNull(y.poll(), "nothing after message " + (n - 1));
            assertNull(x.poll(), "nothing after b" + HOPS);
            System.out.printf("bounce: %d hops in %d ms; %d messages, %d hops read some, %d read here at the end%n",
                    HOPS, bounceMs, n, nonEmpty, readHere);
            assertTrue(nonEmpty > HOPS / 10, "the holders found messages on only " + nonEmpty + " hops: X was not writing throughout");

            // no proxy stays behind: not in the children, not here
            assertEquals(0, GraphSupport.field(reportA, "proxies"), "A: " + reportA);
            assertEquals(0, GraphSupport.field(reportB, "proxies"), "B: " + reportB);
            TestSupport.awaitTrue(Duration.ofSeconds(10), () -> GraphSupport.proxies() <= proxiesBefore, "no proxies here");
            x.write(GraphSupport.text("both here"));
            assertEquals("both here", TestSupport.readText(y, GraphLaunch.WAIT));
            x.close();
            y.close();
            assertTrue(a.errors.isEmpty() && b.errors.isEmpty(), "process errors: " + a.errors + " " + b.errors);
        }
    }

    /** A holder's report, for a failure message; never fails itself. */
    private static String diagnosis(GraphLaunch holder) {
        try {
            return holder.expect("report ", Duration.ofSeconds(30));
        } catch (Throwable t) {
            return "(no report: " + t.getMessage() + ")";
        }
    }

    /** "hops=H:FIRST:COUNT,..." from a holder; A holds the even hops, B the odd ones. */
    private static void addHops(TreeMap<Integer, int[]> hops, String report, int parity) {
        String list = GraphSupport.fields(report).get("hops");
        assertTrue(list != null && !list.isEmpty(), "no hops in " + report);
        for (String h : list.split(",")) {
            String[] f = h.split(":");
            int hop = Integer.parseInt(f[0]);
            assertEquals(parity, hop % 2, "hop " + hop + " held by the wrong child: the end did not alternate");
            int[] prev = hops.put(hop, new int[] {Integer.parseInt(f[1]), Integer.parseInt(f[2])});
            assertNull(prev, "hop " + hop + " held twice");
        }
    }
}
