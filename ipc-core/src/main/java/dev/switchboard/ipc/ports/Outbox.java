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
 */
final class Outbox {

    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);

    private sealed interface Item permits Forward, Status, Discard {}

    private record Forward(Id128 node, Event event) implements Item {}

    private record Status(PortRef port) implements Item {}

    private record Discard(UserPayload payload) implements Item {}

    private final NodeDelegate delegate;
    private final ArrayDeque<Item> items = new ArrayDeque<>();
    private boolean draining;

    Outbox(NodeDelegate delegate) {
        this.delegate = delegate;
    }

    synchronized void forward(Id128 node, Event event) {
        items.add(new Forward(node, event));
    }

    synchronized void statusChanged(PortRef port) {
        items.add(new Status(port));
    }

    synchronized void discard(UserPayload payload) {
        items.add(new Discard(payload));
    }

    /** Delivers everything queued, unless another thread (or an outer frame of this one) already is. */
    void drain() {
        synchronized (this) {
            if (draining) {
                return;
            }
            draining = true;
        }
        while (true) {
            Item item;
            synchronized (this) {
                item = items.poll();
                if (item == null) {
                    draining = false;
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
                        draining = false;
                    }
                }
            }
        }
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
