package dev.switchboard.ipc.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.ports.PortPair;
import dev.switchboard.ipc.ports.PortRef;
import dev.switchboard.ipc.ports.ReceivedMessage;
import dev.switchboard.ipc.ports.SendResult;
import dev.switchboard.ipc.spi.CloseReason;
import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.FrameType;
import dev.switchboard.ipc.wire.Id128;
import dev.switchboard.ipc.wire.Limits;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Node controllers over an in-memory transport: routing, introductions, the broker's rules, handle ownership. */
class NodeControllerTest {

    private final InMemoryTransport t = new InMemoryTransport();
    private final NodeController broker = new NodeController(t);

    /** Records what an inviter hears about its invitee. */
    static final class Sink implements ClientSink {
        final CompletableFuture<String> bad = new CompletableFuture<>();
        final CompletableFuture<CloseReason> gone = new CompletableFuture<>();

        @Override
        public void onBadMessage(String reason) {
            bad.complete(reason);
        }

        @Override
        public void onDisconnected(CloseReason reason) {
            gone.complete(reason);
        }
    }

    /** What an invitation does, minus the INVITE/ACCEPT frames: a channel, roles, one pipe. */
    private PortRef[] invite(NodeController inviter, NodeController invitee, Sink sink, boolean untrusted) throws Exception {
        long[] pair = t.createChannelPair();
        NodeChannel a = NodeChannel.open(t, pair[0], Limits.DEFAULT, inviter);
        NodeChannel b = NodeChannel.open(t, pair[1], Limits.DEFAULT, invitee);
        // the real order: the invitee joins on INVITE, before its ACCEPT makes the inviter add it
        // (and, for a non-broker inviter, send ADD_CLIENT, whose answer reaches the invitee)
        invitee.joinGraph(inviter.name(), inviter.brokerName(), false, b);
        inviter.addClient(invitee.name(), a, sink, untrusted, false);
        PortRef mine = inviter.node().createUninitializedPort();
        PortRef theirs = invitee.node().createUninitializedPort();
        inviter.node().initializePort(mine, invitee.name(), theirs.name());
        invitee.node().initializePort(theirs, inviter.name(), mine.name());
        return new PortRef[] {mine, theirs};
    }

    private PipePayload payload(String text, int handles) {
        long[] hs = new long[handles];
        for (int i = 0; i < handles; i++) {
            hs[i] = t.newHandle();
        }
        return new PipePayload(text.getBytes(), hs, t.ops);
    }

    private static ReceivedMessage await(NodeController c, PortRef port) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            ReceivedMessage m = c.node().getMessage(port);
            if (m != null) {
                return m;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("no message on " + port);
    }

    private static void awaitTrue(BooleanSupplier b, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!b.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out: " + what);
            }
            Thread.onSpinWait();
        }
    }

    private void settle() throws Exception {
        t.io.submit(() -> {}).get(5, TimeUnit.SECONDS);
    }

    @AfterEach
    void noHandleLeaks() throws Exception {
        settle();
        t.io.shutdown();
        assertTrue(t.open.stream().allMatch(h -> channelHandle(h)), "handles left open: " + t.open);
        assertEquals(List.of(), t.doubleCloses, "handles closed twice");
    }

    /** Channel endpoints stay open with their controllers; every other handle must be gone. */
    private boolean channelHandle(long h) {
        return t.isChannel(h);
    }

    @Test
    void messagesWithHandlesCrossAndTheirHandlesChangeOwnerExactlyOnce() throws Exception {
        NodeController child = new NodeController(t);
        PortRef[] p = invite(broker, child, new Sink(), false);
        for (int i = 0; i < 50; i++) {
            assertEquals(SendResult.SENT, broker.node().sendUserMessage(p[0], payload("m" + i, i % 3), List.of()));
        }
        for (int i = 0; i < 50; i++) {
            ReceivedMessage m = await(child, p[1]);
            PipePayload pp = (PipePayload) m.payload();
            assertArrayEquals(("m" + i).getBytes(), pp.bytes());
            assertEquals(broker.name(), pp.sourceNode());
            long[] hs = pp.takeHandles();
            assertEquals(i % 3, hs.length);
            for (long h : hs) {
                t.ops.close(h);
            }
        }
        assertEquals(50, child.stats().userMessagesReceived());
    }

    @Test
    void aPipeWhoseEndsGoToTwoClientsGetsThemIntroducedAndStopsFlowingThroughTheBroker() throws Exception {
        NodeController a = new NodeController(t);
        NodeController b = new NodeController(t);
        PortRef[] toA = invite(broker, a, new Sink(), false);
        PortRef[] toB = invite(broker, b, new Sink(), false);
        PortPair pipe = broker.node().createPortPair();
        broker.node().sendUserMessage(toA[0], payload("end0", 0), List.of(pipe.first()));
        broker.node().sendUserMessage(toB[0], payload("end1", 0), List.of(pipe.second()));
        PortRef atA = await(a, toA[1]).ports().get(0);
        PortRef atB = await(b, toB[1]).ports().get(0);
        for (int i = 0; i < 200; i++) {
            a.node().sendUserMessage(atA, payload("a" + i, 1), List.of());
            b.node().sendUserMessage(atB, payload("b" + i, 0), List.of());
        }
        for (int i = 0; i < 200; i++) {
            PipePayload fromA = (PipePayload) await(b, atB).payload();
            assertArrayEquals(("a" + i).getBytes(), fromA.bytes());
            for (long h : fromA.takeHandles()) {
                t.ops.close(h);
            }
            assertArrayEquals(("b" + i).getBytes(), ((PipePayload) await(a, atA).payload()).bytes());
        }
        // Introductions are lazy: the proxies may collapse after the last message, and then A
        // asks for a channel to B only when it next has something for B.
        awaitTrue(() -> broker.stats().proxies() == 0, "the broker's proxies removed");
        long relayed = broker.stats().userMessagesRelayed();
        for (int i = 0; i < 100; i++) {
            a.node().sendUserMessage(atA, payload("late" + i, 0), List.of());
        }
        for (int i = 0; i < 100; i++) {
            assertArrayEquals(("late" + i).getBytes(), ((PipePayload) await(b, atB).payload()).bytes());
        }
        awaitTrue(() -> a.stats().peers() == 2 && b.stats().peers() == 2, "A and B introduced");
        assertEquals(relayed, broker.stats().userMessagesRelayed(), "after the introduction nothing passes through the broker");
    }

    @Test
    void anUntrustedClientThatSendsHandlesIsReportedAndDropped() throws Exception {
        NodeController u = new NodeController(t);
        Sink sink = new Sink();
        PortRef[] p = invite(broker, u, sink, true);
        u.node().sendUserMessage(p[1], payload("here, an fd", 1), List.of());
        assertTrue(sink.bad.get(5, TimeUnit.SECONDS).contains("untrusted process sent 1 OS handles and 0 pipe ends"));
        awaitTrue(() -> broker.stats().peers() == 0, "the untrusted client disconnected");
    }

    @Test
    void anUntrustedClientMayAskOnlyForNodesItWasGivenAPipeTo() throws Exception {
        NodeController u = new NodeController(t);
        Sink sink = new Sink();
        invite(broker, u, sink, true);
        u.requestIntroductionForTest(Id128.random());
        assertTrue(sink.bad.get(5, TimeUnit.SECONDS).contains("which it was never given a pipe to"));
    }

    @Test
    void aTrustedClientAskingForAnUnknownNodeGetsADefinedNo() throws Exception {
        NodeController c = new NodeController(t);
        Sink sink = new Sink();
        PortRef[] p = invite(broker, c, sink, false);
        Id128 nobody = Id128.random();
        c.requestIntroductionForTest(nobody);
        settle();
        settle();
        assertTrue(!sink.bad.isDone() && !sink.gone.isDone(), "no violation, no disconnect");
        broker.node().sendUserMessage(p[0], payload("still here", 0), List.of());
        assertArrayEquals("still here".getBytes(), ((PipePayload) await(c, p[1]).payload()).bytes());
    }

    @Test
    void introductionRequestsGoOnlyToTheBrokerAndIntroductionsComeOnlyFromIt() throws Exception {
        NodeController c = new NodeController(t);
        Sink sink = new Sink();
        invite(broker, c, sink, false);
        // the broker sends its client a frame only a client may send to a broker
        NodeChannel toClient = channelTo(broker, c.name());
        toClient.send(new FrameBody.NodeFrame(FrameType.REQUEST_INTRODUCTION, Id128.random()));
        awaitTrue(() -> c.stats().peers() == 0, "the client dropped the channel");
        assertEquals(CloseReason.Kind.PEER_CLOSED, sink.gone.get(5, TimeUnit.SECONDS).kind());
    }

    @Test
    void aHandleOnARefusedFrameIsClosedExactlyOnce() throws Exception {
        NodeController c = new NodeController(t);
        Sink sink = new Sink();
        invite(broker, c, sink, false);
        // CLIENT_ADDED for a node the client never invited: refused, its handle closed once
        channelTo(broker, c.name()).send(new FrameBody.NodeFrame(FrameType.CLIENT_ADDED, Id128.random()), new long[] {t.newHandle()});
        awaitTrue(() -> c.stats().peers() == 0, "the client dropped the channel");
        assertEquals(CloseReason.Kind.PEER_CLOSED, sink.gone.get(5, TimeUnit.SECONDS).kind());
    }

    @Test
    void aClientAddedByAnotherInviterIsAMemberOnlyOnceItSaysHelloAndIntroductionsToItWaitForThat() throws Exception {
        NodeController c = new NodeController(t);
        NodeController d = new NodeController(t);
        NodeController g = new NodeController(t);
        invite(broker, c, new Sink(), false);
        invite(broker, d, new Sink(), false);
        settle();
        int brokerPeers = broker.stats().peers();
        invite(c, g, new Sink(), false); // C sends ADD_CLIENT(G); G's CLIENT_HELLO follows a round trip later
        // D's request and C's ADD_CLIENT travel on different channels: ask only once the broker
        // has heard of G, so that the request cannot overtake the registration
        awaitTrue(() -> knows(broker, g.name()), "the broker registered G");
        d.requestIntroductionForTest(g.name()); // usually reaches the broker while G is still pending
        awaitTrue(() -> g.stats().peers() == 3 && d.stats().peers() == 2,
                "D introduced to G once G connected (G: " + g.stats().peers() + " peers, D: " + d.stats().peers() + ")");
        assertEquals(brokerPeers + 1, broker.stats().peers(), "G is a member of the broker's graph");
    }

    @Test
    void losingAClientClosesRoutesThroughItEverywhere() throws Exception {
        NodeController a = new NodeController(t);
        NodeController b = new NodeController(t);
        Sink sinkA = new Sink();
        PortRef[] toA = invite(broker, a, sinkA, false);
        PortRef[] toB = invite(broker, b, new Sink(), false);
        PortPair pipe = broker.node().createPortPair();
        broker.node().sendUserMessage(toA[0], payload("end0", 0), List.of(pipe.first()));
        broker.node().sendUserMessage(toB[0], payload("end1", 0), List.of(pipe.second()));
        await(a, toA[1]);
        PortRef atB = await(b, toB[1]).ports().get(0);
        channelTo(a, broker.name()).close(); // A "dies": the broker sees its end of the channel go
        assertNotNull(sinkA.gone.get(5, TimeUnit.SECONDS));
        awaitTrue(() -> !hasClientRecord(broker, a.name()), "the broker forgets the lost client (its sink and invitation)");
        awaitTrue(() -> b.node().getStatus(atB).peerClosed(), "B's end reports peer-closed");
        awaitTrue(() -> b.node().getStatus(toB[1]).receivingMessages(), "B's own pipe to the broker still works");
    }

    /** Whether {@code c} still keeps a client record for {@code node}. */
    private static boolean hasClientRecord(NodeController c, Id128 node) {
        try {
            var clientsField = NodeController.class.getDeclaredField("clients");
            clientsField.setAccessible(true);
            var lockField = NodeController.class.getDeclaredField("lock");
            lockField.setAccessible(true);
            synchronized (lockField.get(c)) {
                return ((java.util.Map<?, ?>) clientsField.get(c)).containsKey(node);
            }
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** Whether {@code c} has {@code node} as a pending client or as a peer. */
    private static boolean knows(NodeController c, Id128 node) {
        try {
            var pendingField = NodeController.class.getDeclaredField("pendingClients");
            pendingField.setAccessible(true);
            var lockField = NodeController.class.getDeclaredField("lock");
            lockField.setAccessible(true);
            synchronized (lockField.get(c)) {
                return ((java.util.Map<?, ?>) pendingField.get(c)).containsKey(node) || channelTo(c, node) != null;
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static NodeChannel channelTo(NodeController c, Id128 peer) throws Exception {
        var f = NodeController.class.getDeclaredField("peers");
        f.setAccessible(true);
        var lockField = NodeController.class.getDeclaredField("lock");
        lockField.setAccessible(true);
        synchronized (lockField.get(c)) {
            @SuppressWarnings("unchecked")
            var peers = (java.util.Map<Id128, NodeChannel>) f.get(c);
            return peers.get(peer);
        }
    }
}
