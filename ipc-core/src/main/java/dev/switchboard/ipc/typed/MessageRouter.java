package dev.switchboard.ipc.typed;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends each message to the listener of its routing id: {@link #CONTROL} goes to the control
 * listener, other ids to the route added for them; a message for an id without a route is not
 * handled. Per route, messages keep their order (the channel delivers in order). Itself an
 * {@link IpcListener}, to give to {@link IpcChannel#over} or to nest. Thread-safe.
 */
public final class MessageRouter implements IpcListener {

    /** The routing id of control messages: those for the endpoint itself. */
    public static final int CONTROL = Integer.MAX_VALUE;
    /** Never a route; for "no route yet". */
    public static final int NONE = -2;

    private final IpcListener control;
    private final Map<Integer, IpcListener> routes = new ConcurrentHashMap<>();
    private final AtomicInteger next = new AtomicInteger();

    /**
     * A router without routes yet.
     *
     * @param control the listener of {@link #CONTROL} messages, bad-message reports and filter errors
     */
    public MessageRouter(IpcListener control) {
        this.control = Objects.requireNonNull(control, "control");
    }

    /**
     * A fresh routing id. Allocate ids on one side of a channel only, so that the two sides never
     * pick the same one.
     *
     * @return 1, 2, ... in order
     * @throws IllegalStateException after {@code Integer.MAX_VALUE - 1} ids
     */
    public int nextRoutingId() {
        int id = next.incrementAndGet();
        if (id <= 0 || id == CONTROL) {
            throw new IllegalStateException("routing ids exhausted");
        }
        return id;
    }

    /**
     * Routes messages with {@code routingId} to {@code listener}.
     *
     * @param routingId the route's id, agreed with the peer
     * @param listener the route's listener, called on the channel's listener executor
     * @throws IllegalArgumentException when the id already has a route, or is CONTROL or NONE
     */
    public void addRoute(int routingId, IpcListener listener) {
        Objects.requireNonNull(listener, "listener");
        if (routingId == CONTROL || routingId == NONE) {
            throw new IllegalArgumentException("routing id " + routingId + " is reserved");
        }
        IpcListener prev = routes.putIfAbsent(routingId, listener);
        if (prev != null) {
            throw new IllegalArgumentException("routing id " + routingId + " already has a route (" + prev + ")");
        }
    }

    /**
     * Removes the route of {@code routingId}; later messages for it are not handled.
     *
     * @param routingId the route's id
     * @return whether there was one
     */
    public boolean removeRoute(int routingId) {
        return routes.remove(routingId) != null;
    }

    /**
     * The listener of a routing id.
     *
     * @param routingId a route's id or {@link #CONTROL}
     * @return the listener, or null when the id has no route
     */
    public IpcListener route(int routingId) {
        return routingId == CONTROL ? control : routes.get(routingId);
    }

    @Override
    public boolean onMessage(IncomingMessage message) {
        IpcListener l = route(message.routingId());
        return l != null && l.onMessage(message);
    }

    /** Bad messages and filter errors go to the control listener; peer-closed to it and every route. */
    @Override
    public void onBadMessage(BadMessage report) {
        control.onBadMessage(report);
    }

    @Override
    public void onPeerClosed() {
        control.onPeerClosed();
        for (IpcListener l : routes.values()) {
            l.onPeerClosed();
        }
    }

    @Override
    public void onFilterError(MessageFilter filter, RuntimeException error) {
        control.onFilterError(filter, error);
    }
}
