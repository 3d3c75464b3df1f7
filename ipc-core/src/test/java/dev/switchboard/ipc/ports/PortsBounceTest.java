package dev.switchboard.ipc.ports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * PipeBounceTest in memory: X stays on P and writes all the time; Y goes to A, then bounces
 * between A and B over an A-B pipe; every holder reads what arrived, writes "b HOP" back on Y
 * and passes Y on. Writes, reads and event deliveries interleave at random.
 */
class PortsBounceTest {

    private static final int P = 0;
    private static final int A = 1;
    private static final int B = 2;

    @Test
    void anEndBouncesBetweenTwoNodesWhileTheOtherEndKeepsWriting() {
        int seeds = Integer.getInteger("bounce.seeds", 300);
        int hops = Integer.getInteger("bounce.hops", 60);
        int writePct = Integer.getInteger("bounce.writePct", 5);
        for (long seed = 0; seed < seeds; seed++) {
            run(seed, hops, writePct);
        }
    }

    @Test
    void aThousandBouncesWhileTheOtherEndWritesAtFourTimesTheRate() {
        for (long seed = 1000; seed < 1005; seed++) {
            run(seed, 1000, 20);
        }
    }

    private static final int IN_FLIGHT_LIMIT = 256;

    /** {@code writePct}: how often (in % of steps, below 25) X writes, while little is in flight. */
    private static void run(long seed, int hops, int writePct) {
        Random r = new Random(seed ^ 0x5DEECE66DL);
        Network net = new Network(3, seed, false);
        PortRef[] pa = net.connect(P, A);
        PortRef[] ab = net.connect(A, B);
        PortPair xy = net.node(P).createPortPair();
        PortRef x = xy.first();
        if (Boolean.getBoolean("bounce.trace")) {
            net.onDeliver = (src, dst, e) -> {
                if (!(e instanceof Event.UserMessage um && um.payload().toString().startsWith("m"))) {
                    System.out.println("deliver " + src + "->" + dst + " " + e);
                }
            };
        }
        int written = 0;
        for (int i = 0; i < 20; i++) {
            send(net, P, x, "m" + written++);
        }
        send(net, P, pa[0], "take", xy.second());
        // the carrier each node reads Y from
        PortRef[] carrier = {null, pa[1], ab[1]};
        // A receives from P first, then from B on ab[0]
        boolean firstHop = true;
        int hop = 0;
        int holder = A;
        List<String> ySeen = new ArrayList<>();
        PortRef lastY = null;
        long steps = 0;
        while (hop <= hops) {
            if (++steps > 200_000) {
                fail("seed " + seed + ": no move in 200,000 steps, stuck at hop " + hop + "\n" + net.describe());
            }
            int c = r.nextInt(100);
            // The writer is held back while much is in flight, as a full socket would hold back a
            // real one; unthrottled, the random scheduler's equal share per channel starves the
            // channels that carry forwarded messages, whatever the engine does.
            if (c < writePct && net.inFlight() < IN_FLIGHT_LIMIT) {
                send(net, P, x, "m" + written++);
                continue;
            }
            if (c < 25) {
                // the holder's user thread: take Y if it arrived
                PortRef from = holder == A ? (firstHop ? pa[1] : ab[0]) : ab[1];
                ReceivedMessage m = net.node(holder).getMessage(from);
                if (m != null) {
                    assertEquals(1, m.ports().size());
                    PortRef y = m.ports().get(0);
                    lastY = y;
                    ReceivedMessage got;
                    while ((got = net.node(holder).getMessage(y)) != null) {
                        ySeen.add(got.payload().toString());
                    }
                    send(net, holder, y, "b " + hop);
                    hop++;
                    steps = 0;
                    if (hop > hops) {
                        break;
                    }
                    PortRef to = holder == A ? ab[0] : ab[1];
                    send(net, holder, to, "take", y);
                    firstHop = false;
                    holder = holder == A ? B : A;
                }
                continue;
            }
            if (!net.deliverOne()) {
                send(net, P, x, "m" + written++);
            }
        }
        // The proxies left behind by the moves must go while the end keeps moving; if they pile up,
        // every message from X is forwarded through all of them and the system drowns (the stall
        // PipeBounceTest saw: ~88 proxies each on A and B at hop ~190).
        int proxies = net.proxies();
        if (proxies > 30) {
            fail("seed " + seed + ": " + proxies + " proxies after " + hops + " hops\n" + net.describe());
        }
        net.settle(20_000_000);
        List<String> back = new ArrayList<>();
        ReceivedMessage m;
        while ((m = net.node(P).getMessage(x)) != null) {
            back.add(m.payload().toString());
        }
        if (back.size() != hops + 1) {
            fail("seed " + seed + ": X read " + back.size() + " of " + (hops + 1) + " replies: " + back + "\n" + net.describe());
        }
        for (int h = 0; h <= hops; h++) {
            assertEquals("b " + h, back.get(h), "seed " + seed);
        }
        assertEquals(0, net.proxies(), "seed " + seed + "\n" + net.describe());
        // Y's last holder reads the rest: every message X wrote, once, in write order.
        ReceivedMessage rest;
        while ((rest = net.node(holder).getMessage(lastY)) != null) {
            ySeen.add(rest.payload().toString());
        }
        assertEquals(written, ySeen.size(), "seed " + seed + ": messages Y read");
        for (int i = 0; i < written; i++) {
            assertEquals("m" + i, ySeen.get(i), "seed " + seed);
        }
    }

    private static void send(Network net, int node, PortRef port, String text, PortRef... carried) {
        assertNotNull(port);
        assertEquals(SendResult.SENT, net.node(node).sendUserMessage(port, new TestPayload(text), List.of(carried)));
    }
}
