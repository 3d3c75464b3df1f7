package dev.switchboard.ipc.ports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.wire.Id128;
import dev.switchboard.ipc.wire.ProtocolException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two nodes whose delegates deliver synchronously into each other, driven by several threads at
 * once: the delegate re-enters the engine from inside a callback, from every thread. Nothing may
 * deadlock, and every pipe still delivers in order.
 */
class PortsConcurrencyTest {

    private static final int PIPES = 4;
    private static final int MESSAGES = 2_000;

    @Test
    @Timeout(30)
    void threadsWritingReadingAndMovingConcurrentlyKeepEveryPipeInOrder() throws Exception {
        Node[] nodes = new Node[2];
        Id128[] names = {new Id128(1, 1), new Id128(2, 2)};
        ConcurrentHashMap<PortRef, Boolean> signals = new ConcurrentHashMap<>();
        for (int i = 0; i < 2; i++) {
            int self = i;
            nodes[i] = new Node(names[i], new NodeDelegate() {
                @Override
                public void forwardEvent(Id128 node, Event event) {
                    try {
                        nodes[1 - self].acceptEvent(names[self], event);
                    } catch (ProtocolException e) {
                        throw new AssertionError(e);
                    }
                }

                @Override
                public void portStatusChanged(PortRef port) {
                    signals.put(port, true);
                }
            });
        }
        PortRef a = nodes[0].createUninitializedPort();
        PortRef b = nodes[1].createUninitializedPort();
        nodes[0].initializePort(a, names[1], b.name());
        nodes[1].initializePort(b, names[0], a.name());
        // Carry one end of each data pipe to node 1 over the bootstrap pipe.
        PortRef[] writers = new PortRef[PIPES];
        for (int p = 0; p < PIPES; p++) {
            PortPair pair = nodes[0].createPortPair();
            writers[p] = pair.first();
            assertEquals(SendResult.SENT, nodes[0].sendUserMessage(a, new TestPayload("pipe " + p), List.of(pair.second())));
        }
        PortRef[] readers = new PortRef[PIPES];
        for (int p = 0; p < PIPES; p++) {
            readers[p] = nodes[1].getMessage(b).ports().get(0);
        }
        // A wanderer bounces between the nodes over a second pipe while the others run.
        PortPair wander = nodes[0].createPortPair();
        PortRef[] hop = new PortRef[2];
        PortPair hopPair = nodes[0].createPortPair();
        hop[0] = hopPair.first();
        assertEquals(SendResult.SENT, nodes[0].sendUserMessage(a, new TestPayload("hop"), List.of(hopPair.second())));
        hop[1] = nodes[1].getMessage(b).ports().get(0);

        ExecutorService pool = Executors.newFixedThreadPool(2 * PIPES + 1);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<Integer>>> received = new ArrayList<>();
        for (int p = 0; p < PIPES; p++) {
            PortRef w = writers[p];
            PortRef r = readers[p];
            pool.submit(() -> {
                start.await();
                for (int i = 0; i < MESSAGES; i++) {
                    nodes[0].sendUserMessage(w, new TestPayload(Integer.toString(i)), List.of());
                }
                return null;
            });
            received.add(pool.submit(() -> {
                start.await();
                List<Integer> got = new ArrayList<>();
                while (got.size() < MESSAGES) {
                    ReceivedMessage m = nodes[1].getMessage(r);
                    if (m == null) {
                        Thread.onSpinWait();
                    } else {
                        got.add(Integer.parseInt(m.payload().toString()));
                    }
                }
                return got;
            }));
        }
        Future<Integer> moves = pool.submit(() -> {
            start.await();
            PortRef end = wander.second();
            int at = 0;
            int n = 0;
            for (; n < 200; n++) {
                nodes[at].sendUserMessage(hop[at], new TestPayload("move"), List.of(end));
                ReceivedMessage m;
                while ((m = nodes[1 - at].getMessage(hop[1 - at])) == null) {
                    Thread.onSpinWait();
                }
                at = 1 - at;
                end = m.ports().get(0);
            }
            nodes[at].sendUserMessage(end, new TestPayload("home"), List.of());
            return n;
        });
        start.countDown();
        for (int p = 0; p < PIPES; p++) {
            List<Integer> got = received.get(p).get(20, TimeUnit.SECONDS);
            for (int i = 0; i < MESSAGES; i++) {
                assertEquals(i, got.get(i), "pipe " + p);
            }
        }
        assertEquals(200, moves.get(20, TimeUnit.SECONDS));
        assertEquals("home", nodes[0].getMessage(wander.first()).payload().toString());
        pool.shutdown();
        assertTrue(pool.awaitTermination(5, TimeUnit.SECONDS));
        assertEquals(0, nodes[0].proxyCount() + nodes[1].proxyCount());
        assertTrue(signals.keySet().containsAll(List.of(readers)));
    }
}
