package dev.switchboard.ipc.ports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pipe ends that travel between processes while the other end keeps talking. */
class PortsMoveTest {

    private static final int PARENT = 0;
    private static final int A = 1;
    private static final int B = 2;
    private static final int C = 3;

    private static void write(Network net, int node, PortRef port, String text, PortRef... carried) {
        assertEquals(SendResult.SENT, net.node(node).sendUserMessage(port, new TestPayload(text), List.of(carried)));
    }

    /** Reads everything readable; the ports of carrier messages are collected into {@code ports}. */
    private static List<String> readAll(Network net, int node, PortRef port, List<PortRef> ports) {
        List<String> texts = new ArrayList<>();
        ReceivedMessage m;
        while ((m = net.node(node).getMessage(port)) != null) {
            texts.add(m.payload().toString());
            ports.addAll(m.ports());
        }
        return texts;
    }

    private static PortRef receivePort(Network net, int node, PortRef carrier) {
        List<PortRef> ports = new ArrayList<>();
        readAll(net, node, carrier, ports);
        assertEquals(1, ports.size());
        return ports.get(0);
    }

    /**
     * The brief's scenario: the parent keeps writing to its end while the other end goes from A to
     * B to C (and writes back at every stop). Events are delivered a few at a time, in random
     * order across channels, so messages really do overtake each other on the way.
     */
    @Test
    void anEndMovesAToBToCWhileTheParentKeepsWriting() {
        for (long seed = 0; seed < 200; seed++) {
            Network net = new Network(4, seed, seed % 2 == 0);
            PortRef[] pa = net.connect(PARENT, A);
            PortRef[] ab = net.connect(A, B);
            PortRef[] bc = net.connect(B, C);
            PortPair pipe = net.node(PARENT).createPortPair();
            PortRef parentEnd = pipe.first();
            int written = 0;
            int writtenBack = 0;
            List<String> atTheEnd = new ArrayList<>();

            write(net, PARENT, pa[0], "take this", pipe.second());
            net.settle();
            PortRef end = receivePort(net, A, pa[1]);
            int at = A;
            PortRef[][] hops = {ab, bc};
            int[] nextNode = {B, C};
            for (int hop = 0; hop < 2; hop++) {
                write(net, at, end, "back " + writtenBack++);
                write(net, PARENT, parentEnd, "m" + written++);
                atTheEnd.addAll(readAll(net, at, end, new ArrayList<>()));
                write(net, at, hops[hop][0], "take this", end);
                for (int i = 0; i < 6; i++) {
                    write(net, PARENT, parentEnd, "m" + written++);
                    net.deliverOne();
                    net.deliverOne();
                }
                while (net.inFlight(at, nextNode[hop]) > 0) {
                    net.deliver(at, nextNode[hop]);
                }
                at = nextNode[hop];
                end = receivePort(net, at, hops[hop][1]);
            }
            for (int i = 0; i < 5; i++) {
                write(net, PARENT, parentEnd, "m" + written++);
                write(net, C, end, "back " + writtenBack++);
                net.deliverOne();
            }
            net.settle();
            atTheEnd.addAll(readAll(net, C, end, new ArrayList<>()));
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < written; i++) {
                expected.add("m" + i);
            }
            assertEquals(expected, atTheEnd, "seed " + seed);
            List<String> back = readAll(net, PARENT, parentEnd, new ArrayList<>());
            List<String> expectedBack = new ArrayList<>();
            for (int i = 0; i < writtenBack; i++) {
                expectedBack.add("back " + i);
            }
            assertEquals(expectedBack, back, "seed " + seed);
            assertEquals(0, net.proxies(), "seed " + seed + ": no proxy outlives the moves\n" + net.describe());
            // What is left: the two pipe ends and the three carrier pipes.
            assertEquals(2 + 6, net.ports(), "seed " + seed);
            assertTrue(net.node(C).getStatus(end).peerRemote());
        }
    }

    @Test
    void bothEndsMoveAtOnce() {
        for (long seed = 0; seed < 200; seed++) {
            Network net = new Network(3, seed, seed % 2 == 1);
            PortRef[] c01 = net.connect(0, 1);
            PortRef[] c02 = net.connect(0, 2);
            PortPair pipe = net.node(0).createPortPair();
            write(net, 0, pipe.first(), "before 1");
            write(net, 0, pipe.second(), "before 2");
            write(net, 0, c01[0], "x", pipe.first());
            write(net, 0, c02[0], "y", pipe.second());
            net.settle();
            PortRef at1 = receivePort(net, 1, c01[1]);
            PortRef at2 = receivePort(net, 2, c02[1]);
            write(net, 1, at1, "after 1");
            write(net, 2, at2, "after 2");
            net.settle();
            assertEquals(List.of("before 1", "after 1"), readAll(net, 2, at2, new ArrayList<>()), "seed " + seed);
            assertEquals(List.of("before 2", "after 2"), readAll(net, 1, at1, new ArrayList<>()), "seed " + seed);
            assertEquals(0, net.proxies(), "seed " + seed);
            assertEquals(2 + 4, net.ports(), "seed " + seed);
        }
    }

    /** A port with unread messages, one of which carries another port, moves twice; nothing is lost. */
    @Test
    void aMovingPortTakesItsQueueAndThePortsInsideIt() {
        Network net = new Network(3, 99, true);
        PortRef[] c01 = net.connect(0, 1);
        PortRef[] c12 = net.connect(1, 2);
        PortPair pipe = net.node(0).createPortPair();
        PortPair inner = net.node(0).createPortPair();
        write(net, 0, inner.first(), "inside inner");
        write(net, 0, pipe.first(), "one");
        write(net, 0, pipe.first(), "two, carrying", inner.second());
        write(net, 0, c01[0], "move", pipe.second());
        net.settle();
        PortRef at1 = receivePort(net, 1, c01[1]);
        write(net, 1, c12[0], "move again", at1);
        net.settle();
        PortRef at2 = receivePort(net, 2, c12[1]);
        List<PortRef> carried = new ArrayList<>();
        assertEquals(List.of("one", "two, carrying"), readAll(net, 2, at2, carried));
        assertEquals(1, carried.size());
        assertEquals(List.of("inside inner"), readAll(net, 2, carried.get(0), new ArrayList<>()));
        write(net, 2, carried.get(0), "from far away");
        net.settle();
        assertEquals(List.of("from far away"), readAll(net, 0, inner.first(), new ArrayList<>()));
        assertEquals(0, net.proxies());
    }

    @Test
    void anEndBouncesBetweenTwoNodesAHundredTimes() {
        Network net = new Network(2, 5, false);
        PortRef[] c = net.connect(0, 1);
        PortPair pipe = net.node(0).createPortPair();
        PortRef end = pipe.second();
        int at = 0;
        for (int i = 0; i < 100; i++) {
            write(net, 0, pipe.first(), "m" + i);
            write(net, at, c[at], "move", end);
            net.settle();
            at = 1 - at;
            end = receivePort(net, at, c[at]);
            assertEquals(List.of("m" + i), readAll(net, at, end, new ArrayList<>()));
            assertEquals(0, net.proxies());
        }
        assertNull(net.node(at).getMessage(end));
        assertEquals(4, net.ports());
    }
}
