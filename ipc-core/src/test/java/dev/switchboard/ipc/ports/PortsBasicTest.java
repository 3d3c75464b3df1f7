package dev.switchboard.ipc.ports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.wire.Id128;
import dev.switchboard.ipc.wire.ProtocolException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PortsBasicTest {

    private static TestPayload send(Node node, PortRef from, String text, PortRef... ports) {
        TestPayload p = new TestPayload(text);
        assertEquals(SendResult.SENT, node.sendUserMessage(from, p, List.of(ports)));
        return p;
    }

    private static String read(Node node, PortRef port) {
        ReceivedMessage m = node.getMessage(port);
        return m == null ? null : m.payload().toString();
    }

    @Test
    void pairOnOneNodeDeliversBothWaysInOrderWithoutTheDelegate() {
        Network net = new Network(1, 1, false);
        Node n = net.node(0);
        PortPair pair = n.createPortPair();
        send(n, pair.first(), "a1");
        send(n, pair.first(), "a2");
        send(n, pair.second(), "b1");
        assertEquals(0, net.inFlight(), "local traffic never reaches the delegate");
        assertTrue(net.signalled.contains(pair.second()));
        assertTrue(net.signalled.contains(pair.first()));
        assertEquals(new PortStatus(true, true, false, false, 2), n.getStatus(pair.second()));
        assertEquals("a1", read(n, pair.second()));
        assertEquals("a2", read(n, pair.second()));
        assertNull(read(n, pair.second()));
        assertEquals("b1", read(n, pair.first()));
        assertEquals(2, n.portCount());
        assertEquals(0, n.proxyCount());
    }

    @Test
    void pairAcrossTwoNodesDeliversInOrder() {
        Network net = new Network(2, 2, true);
        PortRef[] pipe = net.connect(0, 1);
        for (int i = 0; i < 10; i++) {
            send(net.node(0), pipe[0], "to1-" + i);
            send(net.node(1), pipe[1], "to0-" + i);
        }
        assertNull(read(net.node(1), pipe[1]), "nothing arrives before the channel delivers it");
        net.settle();
        for (int i = 0; i < 10; i++) {
            assertEquals("to1-" + i, read(net.node(1), pipe[1]));
            assertEquals("to0-" + i, read(net.node(0), pipe[0]));
        }
        assertTrue(net.node(0).getStatus(pipe[0]).peerRemote());
        assertEquals(0, net.proxies());
    }

    @Test
    void closeIsReportedAfterTheLastMessageHasBeenDelivered() {
        Network net = new Network(2, 3, true);
        PortRef[] pipe = net.connect(0, 1);
        send(net.node(0), pipe[0], "m1");
        send(net.node(0), pipe[0], "m2");
        net.node(0).closePort(pipe[0]);
        net.deliver(0, 1);
        PortStatus afterOne = net.node(1).getStatus(pipe[1]);
        assertFalse(afterOne.peerClosed());
        assertTrue(afterOne.receivingMessages());
        net.settle();
        PortStatus done = net.node(1).getStatus(pipe[1]);
        assertTrue(done.peerClosed());
        assertTrue(done.hasMessages(), "closure does not hide what already arrived");
        assertEquals("m1", read(net.node(1), pipe[1]));
        assertEquals("m2", read(net.node(1), pipe[1]));
        assertNull(read(net.node(1), pipe[1]));
        assertFalse(net.node(1).getStatus(pipe[1]).receivingMessages());
        assertEquals(SendResult.PEER_CLOSED, net.node(1).sendUserMessage(pipe[1], new TestPayload("late"), List.of()));
        assertTrue(net.signalled.contains(pipe[1]));
        net.node(1).closePort(pipe[1]);
        net.settle();
        assertEquals(0, net.ports());
    }

    @Test
    void peerClosedWaitsForMessagesStillTravellingThroughAProxy() {
        // a (node 0) talks to b (node 1); b moves to node 2. m1 goes the old way through the proxy
        // left on node 1, m2 and the closure go straight to node 2 and overtake it.
        Network net = new Network(3, 4, true);
        PortRef[] ab = net.connect(0, 1);
        PortRef a = ab[0];
        PortRef[] c12 = net.connect(1, 2);
        assertEquals(SendResult.SENT, net.node(1).sendUserMessage(c12[0], new TestPayload("carry"), List.of(ab[1])));
        send(net.node(0), a, "m1");
        assertTrue(net.deliver(1, 2)); // b arrives at 2 as b'; PortAccepted goes back
        assertTrue(net.deliver(2, 1)); // b is a proxy now: UpdatePrevious and ObserveProxy go back to a (1 -> 0)
        assertTrue(net.deliver(0, 1)); // m1 reaches the proxy, which forwards it (1 -> 2), held back for now
        assertTrue(net.deliver(1, 0)); // UpdatePrevious: a now listens to b'
        assertTrue(net.deliver(1, 0)); // ObserveProxy: a sends to b' directly from now on, acks the proxy
        assertEquals(1, net.inFlight(0, 1), "the ack to the proxy");
        send(net.node(0), a, "m2");
        net.node(0).closePort(a);
        assertEquals(2, net.inFlight(0, 2), "m2 and the closure take the direct route");
        assertTrue(net.deliver(0, 2));
        assertTrue(net.deliver(0, 2));
        PortRef moved = net.node(2).getMessage(c12[1]).ports().get(0);
        PortStatus waiting = net.node(2).getStatus(moved);
        assertFalse(waiting.peerClosed(), "m1 is still on its way through the proxy");
        assertFalse(waiting.hasMessages(), "m2 waits for m1");
        net.settle();
        assertTrue(net.node(2).getStatus(moved).peerClosed());
        assertEquals("m1", read(net.node(2), moved));
        assertEquals("m2", read(net.node(2), moved));
        assertNull(read(net.node(2), moved));
        assertEquals(0, net.proxies());
    }

    @Test
    void portsTravelInsideLocalMessagesWithTheirQueuedMessages() {
        Network net = new Network(1, 5, false);
        Node n = net.node(0);
        PortPair carrier = n.createPortPair();
        PortPair cargo = n.createPortPair();
        send(n, cargo.first(), "queued before the move");
        send(n, carrier.first(), "here", cargo.second());
        PortException inMessage = assertThrows(PortException.class, () -> n.getMessage(cargo.second()));
        assertEquals(PortException.Reason.IN_MESSAGE, inMessage.reason());
        ReceivedMessage m = n.getMessage(carrier.second());
        assertEquals(1, m.ports().size());
        PortRef moved = m.ports().get(0);
        assertEquals("queued before the move", read(n, moved));
        send(n, moved, "back");
        assertEquals("back", read(n, cargo.first()));
    }

    @Test
    void closingAPortClosesThePortsInsideItsUnreadMessagesAndDiscardsPayloads() {
        Network net = new Network(2, 6, true);
        PortRef[] c = net.connect(0, 1);
        PortPair cargo = net.node(0).createPortPair();
        TestPayload carrying = send(net.node(0), c[0], "carrying", cargo.second());
        net.settle();
        net.node(1).closePort(c[1]);
        net.settle();
        assertEquals(1, carrying.discards.get());
        assertTrue(net.node(0).getStatus(cargo.first()).peerClosed(), "the carried end died with the message");
        assertTrue(net.node(0).getStatus(c[0]).peerClosed());
        net.node(0).closePort(cargo.first());
        net.node(0).closePort(c[0]);
        net.settle();
        assertEquals(0, net.ports());
    }

    @Test
    void eventsForAReservedPortWaitUntilItIsInitialized() {
        Network net = new Network(2, 7, true);
        PortRef a = net.node(0).createUninitializedPort();
        PortRef b = net.node(1).createUninitializedPort();
        net.node(0).initializePort(a, net.names.get(1), b.name());
        send(net.node(0), a, "early bird");
        net.settle();
        assertThrows(PortException.class, () -> net.node(1).getMessage(b));
        net.node(1).initializePort(b, net.names.get(0), a.name());
        assertEquals("early bird", read(net.node(1), b));
        assertTrue(net.signalled.contains(b));
        PortException twice = assertThrows(PortException.class, () -> net.node(1).initializePort(b, net.names.get(0), a.name()));
        assertEquals(PortException.Reason.ALREADY_INITIALIZED, twice.reason());
    }

    @Test
    void misuseIsRefusedWithAReasonAndChangesNothing() {
        Network net = new Network(2, 8, false);
        Node n = net.node(0);
        PortPair p = n.createPortPair();
        PortPair q = n.createPortPair();
        assertEquals(PortException.Reason.CANNOT_SEND_SELF,
                assertThrows(PortException.class, () -> n.sendUserMessage(p.first(), new TestPayload("x"), List.of(p.first()))).reason());
        assertEquals(PortException.Reason.CANNOT_SEND_PEER,
                assertThrows(PortException.class, () -> n.sendUserMessage(p.first(), new TestPayload("x"), List.of(p.second()))).reason());
        assertEquals(PortException.Reason.DUPLICATE_PORT,
                assertThrows(PortException.class, () -> n.sendUserMessage(p.first(), new TestPayload("x"), List.of(q.first(), q.first()))).reason());
        List<PortRef> many = new ArrayList<>();
        for (int i = 0; i < 65; i++) {
            many.add(n.createPortPair().first());
        }
        assertEquals(PortException.Reason.TOO_MANY_PORTS,
                assertThrows(PortException.class, () -> n.sendUserMessage(p.first(), new TestPayload("x"), many)).reason());
        assertEquals(PortException.Reason.WRONG_NODE,
                assertThrows(PortException.class, () -> net.node(1).getStatus(p.first())).reason());
        assertEquals(PortException.Reason.UNKNOWN_PORT,
                assertThrows(PortException.class, () -> n.getMessage(new PortRef(n.name(), new Id128(1, 2)))).reason());
        assertNull(n.getMessage(p.second()), "nothing was sent by the refused calls");
        assertEquals(0, n.getStatus(p.second()).queuedMessages());

        // A port that was sent to another node is a proxy now, and then gone.
        PortRef[] c = net.connect(0, 1);
        send(n, c[0], "carry", q.second());
        assertEquals(PortException.Reason.NOT_RECEIVING,
                assertThrows(PortException.class, () -> n.sendUserMessage(q.second(), new TestPayload("x"), List.of())).reason());
        net.settle();
        assertEquals(PortException.Reason.UNKNOWN_PORT,
                assertThrows(PortException.class, () -> n.closePort(q.second())).reason());
    }

    @Test
    void sendingToAClosedPeerKeepsPayloadAndPorts() {
        Network net = new Network(1, 9, false);
        Node n = net.node(0);
        PortPair p = n.createPortPair();
        PortPair cargo = n.createPortPair();
        n.closePort(p.second());
        TestPayload payload = new TestPayload("unsent");
        assertEquals(SendResult.PEER_CLOSED, n.sendUserMessage(p.first(), payload, List.of(cargo.first())));
        assertEquals(0, payload.discards.get());
        send(n, cargo.first(), "still mine");
        assertEquals("still mine", read(n, cargo.second()));
    }

    @Test
    void aMessageForAPortThatIsGoneIsDroppedAndItsPortsClosed() {
        Network net = new Network(2, 10, true);
        PortRef[] c = net.connect(0, 1);
        PortPair cargo = net.node(0).createPortPair();
        net.node(1).closePort(c[1]); // closure still in flight when the message leaves
        TestPayload p = send(net.node(0), c[0], "too late", cargo.second());
        net.settle();
        assertEquals(1, p.discards.get());
        assertTrue(net.node(0).getStatus(cargo.first()).peerClosed());
        assertEquals(0, net.proxies());
    }

    @Test
    void acceptEventRefusesPortsThatDoNotComeFromTheSender() throws Exception {
        Network net = new Network(3, 11, false);
        PortRef[] c = net.connect(0, 1);
        Id128 fresh = new Id128(7, 7);
        PortDescriptor forged = new PortDescriptor(fresh, net.names.get(2), fresh, net.names.get(2), fresh, 1, 1, 0, false);
        Event.UserMessage m = new Event.UserMessage(c[1].name(), c[0].name(), 1, List.of(forged), new TestPayload("x"));
        var e = assertThrows(ProtocolException.class, () -> net.node(1).acceptEvent(net.names.get(0), m));
        assertTrue(e.getMessage().contains("old location is node"), e.getMessage());
        PortDescriptor clash = new PortDescriptor(c[1].name(), net.names.get(2), fresh, net.names.get(0), fresh, 1, 1, 0, false);
        var e2 = assertThrows(ProtocolException.class, () -> net.node(1).acceptEvent(net.names.get(0),
                new Event.UserMessage(c[1].name(), c[0].name(), 1, List.of(clash), new TestPayload("x"))));
        assertTrue(e2.getMessage().contains("already in use"), e2.getMessage());
        assertThrows(IllegalArgumentException.class, () -> net.node(1).acceptEvent(net.names.get(1), m));
        assertEquals(1, net.node(1).portCount(), "nothing was created");
        assertNull(net.node(1).getMessage(c[1]));
    }

    @Test
    void aStatusCallbackArrivesWhenAMessageBecomesReadableAndNotOtherwise() {
        Network net = new Network(2, 12, true);
        PortRef[] c = net.connect(0, 1);
        net.signalled.clear();
        send(net.node(0), c[0], "one");
        assertTrue(net.signalled.isEmpty(), "nothing is readable yet");
        net.settle();
        assertEquals(Set.of(c[1]), net.signalled);
        net.signalled.clear();
        assertEquals("one", read(net.node(1), c[1]));
        assertTrue(net.signalled.isEmpty(), "reading is not news to the reader");
        net.node(0).closePort(c[0]);
        net.settle();
        assertEquals(Set.of(c[1]), net.signalled, "the closure is");
    }
}
