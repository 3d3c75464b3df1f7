package dev.switchboard.ipc.ports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.wire.Id128;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The thread that hands a node's events to the delegate also hands over what other threads queue
 * meanwhile. A writer that called {@link Node#awaitDelivered} after each send adds at most one
 * send to that thread's work: an I/O thread that took the role while handling an inbound event
 * is not kept at it by a writer faster than delivery (one streaming towards a peer that is gone,
 * whose sends are dropped at once), and the undelivered events do not pile up.
 */
class DeliveryPacingTest {

    private static final Id128 HERE = new Id128(1, 1);
    private static final Id128 THERE = new Id128(2, 2);
    private static final int MESSAGES = 10_000;

    @Test
    @Timeout(60)
    void aWriterAddsAtMostOneSendToTheWorkOfTheThreadThatDelivers() throws Exception {
        CountDownLatch delivererBusy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Thread> io = new AtomicReference<>();
        AtomicInteger forwardedByIo = new AtomicInteger();
        List<Long> forwarded = Collections.synchronizedList(new ArrayList<>());
        Node node = new Node(HERE, new NodeDelegate() {
            @Override
            public void forwardEvent(Id128 to, Event event) {
                if (event instanceof Event.UserMessage m) {
                    forwarded.add(m.sequence());
                    m.payload().discard(); // a channel whose peer is gone: dropped at once
                }
                if (Thread.currentThread() == io.get()) {
                    forwardedByIo.incrementAndGet();
                }
            }

            @Override
            public void portStatusChanged(PortRef port) {
                if (Thread.currentThread() == io.get() && delivererBusy.getCount() > 0) {
                    // the I/O thread holds the deliverer role while it handles this event
                    delivererBusy.countDown();
                    await(release);
                }
            }

            @Override
            public boolean isIoThread() {
                return Thread.currentThread() == io.get();
            }
        });
        PortRef here = node.createUninitializedPort();
        Id128 therePort = new Id128(3, 3);
        node.initializePort(here, THERE, therePort);

        Thread ioThread = new Thread(() -> {
            try {
                node.acceptEvent(THERE, new Event.UserMessage(here.name(), therePort, 1, List.of(), new TestPayload("inbound")));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, "pretend-io");
        io.set(ioThread);
        ioThread.start();
        assertTrue(delivererBusy.await(30, TimeUnit.SECONDS), "the I/O thread took the deliverer role");

        AtomicInteger written = new AtomicInteger();
        Thread writer = new Thread(() -> {
            for (int i = 0; i < MESSAGES; i++) {
                assertEquals(SendResult.SENT, node.sendUserMessage(here, new TestPayload("out " + i), List.of()));
                node.awaitDelivered();
                written.incrementAndGet();
            }
        }, "writer");
        writer.start();
        // the writer either gets through all its sends (no pacing) or waits for the deliverer
        while (written.get() < MESSAGES && !waiting(writer)) {
            Thread.onSpinWait();
        }
        int writtenWhileBusy = written.get();
        int undeliveredWhileBusy = node.undeliveredEvents();
        release.countDown();
        writer.join(TimeUnit.SECONDS.toMillis(30));
        ioThread.join(TimeUnit.SECONDS.toMillis(30));

        assertTrue(writtenWhileBusy <= 1, writtenWhileBusy + " sends returned while another thread was delivering");
        assertTrue(undeliveredWhileBusy <= 1, undeliveredWhileBusy + " events queued behind the busy deliverer");
        assertTrue(forwardedByIo.get() <= 1, "the I/O thread delivered " + forwardedByIo.get() + " of the writer's sends");
        assertEquals(MESSAGES, written.get(), "every send returned once the deliverer was done");
        assertEquals(0, node.undeliveredEvents());
        List<Long> expected = new ArrayList<>();
        for (long s = 1; s <= MESSAGES; s++) {
            expected.add(s);
        }
        assertEquals(expected, forwarded, "every send forwarded once, in order");
    }

    /**
     * A deliverer that is not an I/O thread may run application code (a listener on a direct
     * executor) that needs a lock the writer holds: a writer must not wait for it.
     */
    @Test
    @Timeout(60)
    void aWriterDoesNotWaitForADelivererThatMayRunApplicationCode() throws Exception {
        Object applicationLock = new Object();
        CountDownLatch delivererBusy = new CountDownLatch(1);
        AtomicReference<Thread> listenerThread = new AtomicReference<>();
        Node node = new Node(HERE, new NodeDelegate() {
            @Override
            public void forwardEvent(Id128 to, Event event) {
                if (event instanceof Event.UserMessage m) {
                    m.payload().discard();
                }
            }

            @Override
            public void portStatusChanged(PortRef port) {
                if (Thread.currentThread() == listenerThread.get() && delivererBusy.getCount() > 0) {
                    delivererBusy.countDown();
                    synchronized (applicationLock) { // a listener run inline needs what the writer holds
                        listenerThread.set(null);
                    }
                }
            }
        });
        PortRef here = node.createUninitializedPort();
        Id128 therePort = new Id128(3, 3);
        node.initializePort(here, THERE, therePort);
        AtomicInteger written = new AtomicInteger();
        Thread deliverer;
        synchronized (applicationLock) {
            deliverer = new Thread(() -> {
                try {
                    node.acceptEvent(THERE, new Event.UserMessage(here.name(), therePort, 1, List.of(), new TestPayload("inbound")));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }, "application-thread");
            listenerThread.set(deliverer);
            deliverer.start();
            assertTrue(delivererBusy.await(30, TimeUnit.SECONDS), "the application thread took the deliverer role");
            for (int i = 0; i < 100; i++) {
                assertEquals(SendResult.SENT, node.sendUserMessage(here, new TestPayload("out " + i), List.of()));
                node.awaitDelivered();
                written.incrementAndGet();
            }
        }
        deliverer.join(TimeUnit.SECONDS.toMillis(30));
        assertEquals(100, written.get());
        assertEquals(0, node.undeliveredEvents(), "the deliverer delivered the writer's sends once it had the lock");
    }

    private static boolean waiting(Thread t) {
        Thread.State s = t.getState();
        return s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING || s == Thread.State.BLOCKED;
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
