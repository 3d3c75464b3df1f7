package dev.switchboard.ipc.ports;

import dev.switchboard.ipc.wire.Id128;

/**
 * Internal: how a {@link Node} reaches the outside world. The node calls these methods on whichever thread
 * called into it, never while holding its lock, never concurrently for one node, and in the order
 * it produced the calls. An implementation may call back into any node, including this one, from
 * inside a callback.
 */
public interface NodeDelegate {

    /**
     * Carry {@code event} to node {@code node}, which must see the events this node sends it in the
     * order they were sent (a node channel's FIFO order). Ownership of a
     * {@link Event.UserMessage}'s payload passes to the delegate. If the node is unreachable, drop
     * the event and, once, tell every node that still runs (including this one) with
     * {@link Node#lostConnectionToNode}.
     */
    void forwardEvent(Id128 node, Event event);

    /**
     * Something a reader of {@code port} cares about changed: a message became readable, or the
     * peer became closed. Call {@link Node#getStatus} / {@link Node#getMessage} to see what.
     * Spurious calls are possible; missed changes are not.
     */
    void portStatusChanged(PortRef port);

    /**
     * Whether the calling thread is an I/O thread handling input. Such a thread must not be kept
     * delivering other threads' events for long (it serves every channel), and while it delivers
     * it runs no application code ({@link #portStatusChanged} only notes the port until its
     * callback is over), so a writer can safely wait for it: see {@link Node#awaitDelivered}.
     *
     * @return false unless the delegate knows the calling thread to be one
     */
    default boolean isIoThread() {
        return false;
    }
}
