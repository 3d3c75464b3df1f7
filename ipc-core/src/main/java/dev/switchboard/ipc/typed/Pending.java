package dev.switchboard.ipc.typed;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A request waiting for its reply: either a thread blocked in a sync call (which parks on its own
 * and is unparked by whoever delivers the reply) or a future.
 */
final class Pending {

    final int typeId;
    final long requestId;
    /** The blocked caller, or null for an asynchronous call. */
    final Thread waiter;
    final CompletableFuture<Object> future;
    /** Sync requests to run on the waiting thread, because it is the channel's blocked dispatcher. */
    final ConcurrentLinkedQueue<IncomingMessage> reentrant = new ConcurrentLinkedQueue<>();
    /** The dispatcher's previous (outer) wait, while this one is nested inside it. */
    Pending outer;

    private volatile boolean done;
    private Object value;
    private String errorReason;
    private String closedReason;

    Pending(int typeId, long requestId, Thread waiter, CompletableFuture<Object> future) {
        this.typeId = typeId;
        this.requestId = requestId;
        this.waiter = waiter;
        this.future = future;
    }

    boolean isDone() {
        return done;
    }

    Object value() {
        return value;
    }

    String errorReason() {
        return errorReason;
    }

    String closedReason() {
        return closedReason;
    }

    /** Publishes the outcome (the volatile write orders the fields before it) and wakes the waiter. */
    void complete(Object value, String errorReason, String closedReason) {
        this.value = value;
        this.errorReason = errorReason;
        this.closedReason = closedReason;
        this.done = true;
        if (waiter != null) {
            java.util.concurrent.locks.LockSupport.unpark(waiter);
        }
    }

    void offerReentrant(IncomingMessage m) {
        reentrant.add(m);
        java.util.concurrent.locks.LockSupport.unpark(waiter);
    }
}
