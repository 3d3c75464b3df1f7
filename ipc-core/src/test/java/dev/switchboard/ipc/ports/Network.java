package dev.switchboard.ipc.ports;

import static org.junit.jupiter.api.Assertions.fail;

import dev.switchboard.ipc.wire.Id128;
import dev.switchboard.ipc.wire.ProtocolException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Nodes in one JVM joined by simulated node channels: one FIFO queue per (source, destination)
 * pair, which is exactly the ordering a real node channel guarantees, and nothing more. Events are
 * delivered only when the test says so, in an order the test (or its random generator) chooses
 * between pairs. Optionally every event is encoded and decoded on its way, so the codec sees the
 * engine's real traffic. Single-threaded.
 */
final class Network {

    final List<Node> nodes = new ArrayList<>();
    final List<Id128> names = new ArrayList<>();
    private final Map<Id128, Integer> index = new HashMap<>();
    private final ArrayDeque<Event>[][] channels;
    private final boolean[] dead;
    private final Random random;
    private final boolean codec;
    private final Map<Long, TestPayload> payloads = new HashMap<>();
    /** Ports whose status changed since the test last looked, in callback order. */
    final Set<PortRef> signalled = new LinkedHashSet<>();
    /** Sees every event a node hands to its delegate, before it is queued (or lost to a dead node). */
    interface ForwardHook {
        void seen(int src, int dst, Event event);
    }

    ForwardHook onForward = (src, dst, e) -> { };
    /** Sees every event just before the destination node accepts it. */
    ForwardHook onDeliver = (src, dst, e) -> { };
    long delivered;

    @SuppressWarnings("unchecked")
    Network(int size, long seed, boolean codec) {
        this.random = new Random(seed);
        this.codec = codec;
        channels = new ArrayDeque[size][size];
        dead = new boolean[size];
        for (int i = 0; i < size; i++) {
            Id128 nodeName = new Id128((0x10L + i) << 56 | (seed & 0xffffffffL), seed);
            names.add(nodeName);
            index.put(nodeName, i);
            for (int j = 0; j < size; j++) {
                channels[i][j] = new ArrayDeque<>();
            }
        }
        for (int i = 0; i < size; i++) {
            int self = i;
            Random names = new Random(seed * 31 + i);
            nodes.add(new Node(this.names.get(i), new NodeDelegate() {
                @Override
                public void forwardEvent(Id128 node, Event event) {
                    forward(self, node, event);
                }

                @Override
                public void portStatusChanged(PortRef port) {
                    signalled.add(port);
                }
            }, () -> new Id128(names.nextLong(), names.nextLong())));
        }
    }

    Node node(int i) {
        return nodes.get(i);
    }

    int indexOf(Id128 node) {
        return index.get(node);
    }

    boolean isDead(int i) {
        return dead[i];
    }

    private void forward(int src, Id128 dstName, Event event) {
        Integer dst = index.get(dstName);
        if (dst == null) {
            fail("event for unknown node " + dstName + ": " + event);
        }
        if (dst == src) {
            fail("node " + src + " sent an event to itself through the delegate: " + event);
        }
        onForward.seen(src, dst, event);
        if (dead[src] || dead[dst]) {
            return; // the channel is gone; so is the event
        }
        channels[src][dst].add(codec ? roundTrip(event) : event);
    }

    private Event roundTrip(Event event) {
        ByteBuffer tail = null;
        if (event instanceof Event.UserMessage m) {
            TestPayload p = (TestPayload) m.payload();
            payloads.put(p.id, p);
            tail = ByteBuffer.allocate(8).putLong(0, p.id);
        }
        try {
            Event decoded = EventCodec.decode(EventCodec.encode(event, tail));
            if (decoded instanceof Event.UserMessage m) {
                long id = ((BytesPayload) m.payload()).bytes().getLong(0);
                decoded = m.withPayload(payloads.remove(id));
            }
            if (!decoded.equals(event)) {
                fail("codec changed " + event + " into " + decoded);
            }
            return decoded;
        } catch (ProtocolException e) {
            throw new AssertionError("codec rejected an event the engine produced: " + event, e);
        }
    }

    /** Creates the first pipe between two nodes the way an invitation would: two reserved ports. */
    PortRef[] connect(int a, int b) {
        PortRef pa = node(a).createUninitializedPort();
        PortRef pb = node(b).createUninitializedPort();
        node(a).initializePort(pa, names.get(b), pb.name());
        node(b).initializePort(pb, names.get(a), pa.name());
        return new PortRef[] {pa, pb};
    }

    int inFlight() {
        int n = 0;
        for (ArrayDeque<Event>[] row : channels) {
            for (ArrayDeque<Event> q : row) {
                n += q.size();
            }
        }
        return n;
    }

    int inFlight(int src, int dst) {
        return channels[src][dst].size();
    }

    /** Delivers the oldest event from {@code src} to {@code dst}; false if there is none. */
    boolean deliver(int src, int dst) {
        Event e = channels[src][dst].poll();
        if (e == null) {
            return false;
        }
        delivered++;
        onDeliver.seen(src, dst, e);
        try {
            node(dst).acceptEvent(names.get(src), e);
        } catch (ProtocolException ex) {
            throw new AssertionError("node " + dst + " rejected an event from node " + src + ": " + e, ex);
        }
        return true;
    }

    /** Delivers the oldest event of a randomly chosen non-empty channel; false if all are empty. */
    boolean deliverOne() {
        int size = channels.length;
        int start = random.nextInt(size * size);
        for (int k = 0; k < size * size; k++) {
            int c = (start + k) % (size * size);
            if (!channels[c / size][c % size].isEmpty()) {
                return deliver(c / size, c % size);
            }
        }
        return false;
    }

    /** Delivers until nothing is in flight, failing if that takes more than {@code limit} events. */
    void settle(long limit) {
        long n = 0;
        while (deliverOne()) {
            if (++n > limit) {
                fail("no quiescence after " + limit + " events; still in flight: " + inFlight() + "\n" + describe());
            }
        }
    }

    void settle() {
        settle(1_000_000);
    }

    /** The node dies: its channels and everything in them vanish, and every other node is told. */
    void kill(int victim) {
        dead[victim] = true;
        for (int i = 0; i < channels.length; i++) {
            channels[victim][i].clear();
            channels[i][victim].clear();
        }
        for (int i = 0; i < nodes.size(); i++) {
            if (!dead[i]) {
                node(i).lostConnectionToNode(names.get(victim));
            }
        }
    }

    int proxies() {
        int n = 0;
        for (int i = 0; i < nodes.size(); i++) {
            if (!dead[i]) {
                n += node(i).proxyCount();
            }
        }
        return n;
    }

    int ports() {
        int n = 0;
        for (int i = 0; i < nodes.size(); i++) {
            if (!dead[i]) {
                n += node(i).portCount();
            }
        }
        return n;
    }

    String describe() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < nodes.size(); i++) {
            b.append(i).append(dead[i] ? " (dead) " : " ").append(node(i).describe());
        }
        return b.toString();
    }
}
