package dev.switchboard.ipc.ports;

import dev.switchboard.ipc.wire.Id128;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a node must tell the outside world, in the order it decided it, delivered after the
 * node has released its lock.
 *
 * <p>Why one shared queue and a single deliverer: if each thread delivered the events it produced
 * itself after unlocking, two threads could overtake each other and a peer node would see this
 * node's events out of order, which the algorithm cannot tolerate (node channels are FIFO and the
 * engine relies on it). So producers append under the node lock, and whichever thread finds no
 * one delivering drains the queue; a thread that re-enters the node from a delegate callback just
 * appends and returns, and the outer drain loop picks its items up. Hence delegate calls never
 * overlap for one node and never happen under its lock.
 *
 * <p>The thread that drains delivers what other threads append meanwhile, so a producer that is
 * faster than delivery could keep it draining for ever, and the queue growing: an I/O thread that
 * took the role while handling a frame would serve nothing else, and could not even read the
 * closure that would stop a writer towards a peer that is gone. A producer that may wait
 * therefore calls {@link #awaitDelivered} after its call into the node: while an I/O thread
 * drains, it waits until that run is over, so it adds at most one call's events to the run. A
 * run on any other thread is not waited for: it may run application code (a listener on a direct
 * executor) that needs a lock the producer holds; it does not serve other channels, and a writer
 * that outpaces it is stopped by the channel's back-pressure or by the peer's closure, which an
 * I/O thread that is not kept busy does read.
 */
final class Outbox {

    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);

    private sealed interface Item permits Forward, Status, Discard {}

    private record Forward(Id128 node, Event event) implements Item {}

    private record Status(PortRef port) implements Item {}

    private record Discard(UserPayload payload) implements Item {}

    /** A queue that grew past this many slots is replaced once empty: a burst must not pin its peak for good. */
    private static final int SHRINK_ABOVE = 1024;

    private final NodeDelegate delegate;
    private ArrayDeque<Item> items = new ArrayDeque<>();
    private int itemsPeak;
    private boolean draining;
    /** The thread that drains, while {@link #draining}. */
    private Thread drainer;
    /** Whether the run in progress is an I/O thread's, which producers wait for ({@link NodeDelegate#isIoThread}). */
    private boolean drainerIsIo;
    /** Counts drain runs, so that a waiter can tell the run it waits for from a later one. */
    private long runs;
    /** Threads in {@link #awaitDelivered}; the drainer notifies only when there are any. */
    private int waiters;

    Outbox(NodeDelegate delegate) {
        this.delegate = delegate;
    }

    synchronized void forward(Id128 node, Event event) {
        add(new Forward(node, event));
    }

    synchronized void statusChanged(PortRef port) {
        add(new Status(port));
    }

    synchronized void discard(UserPayload payload) {
        add(new Discard(payload));
    }

    private void add(Item item) {
        items.add(item);
        itemsPeak = Math.max(itemsPeak, items.size());
    }

    /** Delivers everything queued, unless another thread (or an outer frame of this one) already is. */
    void drain() {
        boolean io = delegate.isIoThread(); // asked outside the monitor: the delegate's business
        synchronized (this) {
            if (draining) {
                return;
            }
            draining = true;
            drainer = Thread.currentThread();
            drainerIsIo = io;
            runs++;
        }
        while (true) {
            Item item;
            synchronized (this) {
                item = items.poll();
                if (item == null) {
                    endRun();
                    return;
                }
            }
            // A delegate that throws must not stop later items: the engine's state already assumes
            // they were delivered. An Error still propagates, after giving up the drainer role so
            // that a later call can resume.
            boolean handled = false;
            try {
                deliver(item);
                handled = true;
            } catch (RuntimeException e) {
                LOG.warn("ports callback failed for {}", item, e);
                handled = true;
            } finally {
                if (!handled) {
                    synchronized (this) {
                        endRun();
                    }
                }
            }
        }
    }

    /** Gives up the drainer role. Called holding this object's monitor. */
    private void endRun() {
        draining = false;
        drainer = null;
        drainerIsIo = false;
        if (items.isEmpty() && itemsPeak > SHRINK_ABOVE) {
            items = new ArrayDeque<>();
            itemsPeak = 0;
        }
        if (waiters > 0) {
            notifyAll();
        }
    }

    /**
     * If an I/O thread is draining, waits until its run is over (which delivers what this thread
     * queued before), then delivers whatever a run that ended early (an Error in a callback) left
     * behind. Returns at once otherwise: no other thread drains (this thread's own call delivered
     * its events), or the one that does is not an I/O thread (see the class comment).
     *
     * <p>Only for a thread that may wait, outside any lock that a node callback takes.
     *
     * @return false if interrupted while waiting (the interrupt flag is set again)
     */
    boolean awaitDelivered() {
        synchronized (this) {
            if (!draining || !drainerIsIo || drainer == Thread.currentThread()) {
                return true;
            }
            long run = runs;
            waiters++;
            try {
                while (draining && runs == run) {
                    wait();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } finally {
                waiters--;
            }
        }
        drain();
        return true;
    }

    /** For tests: events queued and not yet delivered. */
    synchronized int queued() {
        return items.size();
    }

    private void deliver(Item item) {
        if (item instanceof Forward f) {
            delegate.forwardEvent(f.node(), f.event());
        } else if (item instanceof Status s) {
            delegate.portStatusChanged(s.port());
        } else if (item instanceof Discard d) {
            d.payload().discard();
        }
    }
}
