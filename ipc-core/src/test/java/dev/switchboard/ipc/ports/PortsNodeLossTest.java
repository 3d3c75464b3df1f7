package dev.switchboard.ipc.ports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What a process death does to the pipes that ran through it, and to those that did not. */
class PortsNodeLossTest {

    private static void write(Network net, int node, PortRef port, String text, PortRef... carried) {
        assertEquals(SendResult.SENT, net.node(node).sendUserMessage(port, new TestPayload(text), List.of(carried)));
    }

    private static String read(Network net, int node, PortRef port) {
        ReceivedMessage m = net.node(node).getMessage(port);
        return m == null ? null : m.payload().toString();
    }

    private static void assertClosedAfter(Network net, int node, PortRef port, String... readable) {
        PortStatus s = net.node(node).getStatus(port);
        assertTrue(s.peerClosed(), "peer closed: " + s);
        for (String text : readable) {
            assertEquals(text, read(net, node, port));
        }
        assertNull(read(net, node, port));
        assertFalse(net.node(node).getStatus(port).receivingMessages());
        assertEquals(SendResult.PEER_CLOSED, net.node(node).sendUserMessage(port, new TestPayload("x"), List.of()));
    }

    @Test
    void aPeerOnTheLostNodeIsClosedAfterWhatAlreadyArrived() {
        Network net = new Network(2, 1, true);
        PortRef[] pipe = net.connect(0, 1);
        write(net, 1, pipe[1], "m1");
        write(net, 1, pipe[1], "m2");
        write(net, 1, pipe[1], "lost with the node");
        net.deliver(1, 0);
        net.deliver(1, 0);
        net.signalled.clear();
        net.kill(1);
        assertTrue(net.signalled.contains(pipe[0]));
        assertClosedAfter(net, 0, pipe[0], "m1", "m2");
        net.node(0).closePort(pipe[0]);
        assertEquals(0, net.ports());
    }

    /** The end moved 1 -> 2; node 1 dies while the parent still sends through the proxy there. */
    @Test
    void aRouteThroughAProxyOnTheLostNodeClosesBothEnds() {
        Network net = new Network(3, 2, true);
        PortRef[] c01 = net.connect(0, 1);
        PortRef[] c12 = net.connect(1, 2);
        PortPair pipe = net.node(0).createPortPair();
        write(net, 0, c01[0], "carry", pipe.second());
        net.settle();
        PortRef at1 = net.node(1).getMessage(c01[1]).ports().get(0);
        write(net, 1, c12[0], "carry on", at1);
        net.deliver(1, 2); // the end exists on 2
        net.deliver(2, 1); // PortAccepted: the old end on 1 is now a proxy
        write(net, 0, pipe.first(), "through the proxy");
        net.deliver(0, 1); // reaches the proxy, which forwards it; that copy dies with node 1
        PortRef at2 = net.node(2).getMessage(c12[1]).ports().get(0);
        write(net, 2, at2, "from 2");
        net.kill(1);
        net.settle();
        assertClosedAfter(net, 2, at2);
        assertClosedAfter(net, 0, pipe.first());
        assertEquals(0, net.proxies(), net.describe());
        net.node(2).closePort(at2);
        net.node(0).closePort(pipe.first());
        net.node(0).closePort(c01[0]);
        net.node(2).closePort(c12[1]);
        net.settle();
        assertEquals(0, net.ports(), net.describe());
    }

    @Test
    void aPortInFlightToTheLostNodeTakesItsPipeWithIt() {
        Network net = new Network(2, 3, true);
        PortRef[] c = net.connect(0, 1);
        PortPair pipe = net.node(0).createPortPair();
        write(net, 0, pipe.first(), "queued for the traveller");
        write(net, 0, c[0], "carry", pipe.second());
        net.kill(1);
        assertClosedAfter(net, 0, pipe.first());
        assertEquals(0, net.proxies());
        assertClosedAfter(net, 0, c[0]);
        net.node(0).closePort(pipe.first());
        net.node(0).closePort(c[0]);
        assertEquals(0, net.ports(), net.describe());
    }

    @Test
    void pipesThatNeverTouchedTheLostNodeCarryOn() {
        Network net = new Network(3, 4, true);
        PortRef[] c02 = net.connect(0, 2);
        PortRef[] c01 = net.connect(0, 1);
        PortPair moved = net.node(0).createPortPair();
        write(net, 0, c02[0], "carry", moved.second());
        write(net, 0, c02[0], "in flight");
        write(net, 2, c02[1], "towards 0");
        net.kill(1);
        net.settle();
        assertTrue(net.node(0).getStatus(c01[0]).peerClosed());
        assertEquals("carry", net.node(2).getMessage(c02[1]).payload().toString());
        assertEquals("in flight", read(net, 2, c02[1]));
        assertEquals("towards 0", read(net, 0, c02[0]));
        assertFalse(net.node(0).getStatus(c02[0]).peerClosed());
        assertFalse(net.node(0).getStatus(moved.first()).peerClosed());
        assertEquals(0, net.proxies());
    }

    @Test
    void eventsFromALostNodeAreIgnoredAndTheirPayloadsDiscarded() throws Exception {
        Network net = new Network(2, 5, false);
        PortRef[] pipe = net.connect(0, 1);
        net.node(0).lostConnectionToNode(net.names.get(1));
        net.node(0).lostConnectionToNode(net.names.get(1)); // idempotent
        TestPayload late = new TestPayload("late");
        net.node(0).acceptEvent(net.names.get(1), new Event.UserMessage(pipe[0].name(), pipe[1].name(), 1, List.of(), late));
        assertEquals(1, late.discards.get());
        assertClosedAfter(net, 0, pipe[0]);
        assertThrows(IllegalArgumentException.class, () -> net.node(0).lostConnectionToNode(net.names.get(0)));
    }

    /** A node that learns of the loss late still closes routes that reach it afterwards. */
    @Test
    void aRouteLearnedAfterTheLossIsClosedToo() throws Exception {
        Network net = new Network(3, 6, false);
        PortRef[] c02 = net.connect(0, 2);
        PortRef[] c12 = net.connect(1, 2);
        PortPair pipe = net.node(1).createPortPair();
        write(net, 1, c12[0], "carry", pipe.second()); // one end goes 1 -> 2; its peer stays on 1
        net.settle();
        PortRef at2 = net.node(2).getMessage(c12[1]).ports().get(0);
        write(net, 2, c02[1], "carry on", at2); // 2 -> 0: the new port's peer lives on node 1
        net.node(0).lostConnectionToNode(net.names.get(1)); // node 0 learns first
        net.deliver(2, 0);
        PortRef at0 = net.node(0).getMessage(c02[0]).ports().get(0);
        assertClosedAfter(net, 0, at0);
    }
}
