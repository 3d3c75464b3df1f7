package dev.switchboard.ipc;

import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * One end's readiness listener: run on the user's executor whenever the end may have become
 * ready (data or space arrived, or the other end went away). Edge-triggered: after an operation
 * says {@code SHOULD_WAIT}, the end arms its waiting flag, and the next change calls the listener.
 */
final class Readiness {

    private Executor executor;
    private Runnable listener;

    synchronized void set(Executor executor, Runnable listener) {
        if (this.listener != null) {
            throw new IllegalStateException("a readiness listener is already set");
        }
        this.executor = Objects.requireNonNull(executor, "executor");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    synchronized boolean isSet() {
        return listener != null;
    }

    /** Calls the listener on its executor, if one is set. Never on the caller's thread. */
    void fire() {
        Executor e;
        Runnable r;
        synchronized (this) {
            e = executor;
            r = listener;
        }
        if (r != null) {
            e.execute(r);
        }
    }
}
