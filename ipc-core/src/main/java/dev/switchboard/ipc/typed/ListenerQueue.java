package dev.switchboard.ipc.typed;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A channel's messages and callbacks for its listener, run on the listener's executor one at a
 * time, in order. While the thread running them is blocked in a sync call, the peer's sync
 * requests are handed to that call ({@link Pending#reentrant}) to run nested on the blocked
 * thread; everything else waits here until the call returns.
 */
final class ListenerQueue {

    private static final Logger log = LoggerFactory.getLogger(ListenerQueue.class);

    private final Executor executor;
    private final Consumer<IncomingMessage> dispatcher;
    /** One task object for every schedule, instead of a new one per message. */
    private final Runnable runTask = this::run;
    private final Object lock = new Object();
    // guarded by lock
    private final ArrayDeque<Object> queue = new ArrayDeque<>();
    private int queuedSync;
    private boolean running;
    private Thread runner;
    /** The innermost sync call the runner is blocked in, or null. */
    private Pending blockedCall;

    ListenerQueue(Executor executor, Consumer<IncomingMessage> dispatcher) {
        this.executor = executor;
        this.dispatcher = dispatcher;
    }

    /** Queues a message; a sync request goes straight to the blocked runner's call, if any. */
    void add(IncomingMessage m) {
        synchronized (lock) {
            if (m.isSync() && blockedCall != null) {
                blockedCall.offerReentrant(m);
                return;
            }
            queue.add(m);
            if (m.isSync()) {
                queuedSync++;
            }
            if (running) {
                return;
            }
            running = true;
        }
        schedule();
    }

    /** Queues a callback (bad-message report, peer closed, a future to complete), in order with the messages. */
    void post(Runnable task) {
        synchronized (lock) {
            queue.add(task);
            if (running) {
                return;
            }
            running = true;
        }
        schedule();
    }

    /**
     * Called by a thread about to block in a sync call. When it is the runner, it takes the peer's
     * sync requests (those queued now and those arriving until {@link #leaveWait}) and returns true.
     */
    boolean enterWait(Pending p) {
        synchronized (lock) {
            if (runner != Thread.currentThread()) {
                return false;
            }
            p.outer = blockedCall;
            blockedCall = p;
            if (queuedSync > 0) {
                for (Iterator<Object> it = queue.iterator(); it.hasNext(); ) {
                    Object o = it.next();
                    if (o instanceof IncomingMessage m && m.isSync()) {
                        it.remove();
                        queuedSync--;
                        p.reentrant.add(m);
                    }
                }
            }
            return true;
        }
    }

    /** The call returned: sync requests it did not get to go to the outer call, or back to the front of the queue. */
    void leaveWait(Pending p) {
        synchronized (lock) {
            blockedCall = p.outer;
            List<IncomingMessage> left = new ArrayList<>(p.reentrant);
            p.reentrant.clear();
            if (left.isEmpty()) {
                return;
            }
            if (p.outer != null) {
                p.outer.reentrant.addAll(left);
            } else {
                for (int i = left.size() - 1; i >= 0; i--) {
                    queue.addFirst(left.get(i));
                    queuedSync++;
                }
            }
        }
    }

    /** Removes the queued messages (callbacks stay) and returns them, for closing. */
    List<IncomingMessage> dropMessages() {
        List<IncomingMessage> dropped = new ArrayList<>();
        synchronized (lock) {
            for (Iterator<Object> it = queue.iterator(); it.hasNext(); ) {
                if (it.next() instanceof IncomingMessage m) {
                    dropped.add(m);
                    it.remove();
                }
            }
            queuedSync = 0;
        }
        return dropped;
    }

    private void schedule() {
        try {
            executor.execute(runTask);
        } catch (RejectedExecutionException e) {
            synchronized (lock) {
                running = false;
            }
            log.warn("listener executor rejected delivery; messages stay queued", e);
        }
    }

    private void run() {
        synchronized (lock) {
            runner = Thread.currentThread();
        }
        boolean finished = false;
        try {
            runItems();
            finished = true;
        } finally {
            if (!finished) {
                // an Error escaped a callback: hand the rest of the queue to a fresh task
                boolean again;
                synchronized (lock) {
                    runner = null;
                    again = !queue.isEmpty();
                    running = again;
                }
                if (again) {
                    schedule();
                }
            }
        }
    }

    private void runItems() {
        while (true) {
            Object item;
            synchronized (lock) {
                item = queue.poll();
                if (item == null) {
                    running = false;
                    runner = null;
                    return;
                }
                if (item instanceof IncomingMessage m && m.isSync()) {
                    queuedSync--;
                }
            }
            if (item instanceof IncomingMessage m) {
                dispatcher.accept(m);
            } else {
                try {
                    ((Runnable) item).run();
                } catch (RuntimeException e) {
                    log.warn("listener callback threw", e);
                }
            }
        }
    }
}
