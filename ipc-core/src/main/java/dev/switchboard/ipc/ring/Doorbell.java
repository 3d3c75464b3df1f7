package dev.switchboard.ipc.ring;

import java.util.concurrent.TimeUnit;

/**
 * Where an end sleeps until the other end signals: a single sticky wake-up, so a signal that
 * arrives between {@code armWait()} and {@link #await} is not lost, it makes the await return at
 * once. Signals that arrive while nobody sleeps collapse into one.
 */
public final class Doorbell implements PeerSignal {

    private boolean rung;

    /** Wakes the sleeper, or the next one to sleep. */
    @Override
    public synchronized void signal() {
        rung = true;
        notifyAll();
    }

    /**
     * Sleeps until rung or until the timeout passes, and takes the wake-up.
     *
     * @return whether it was rung (false: timed out)
     */
    public synchronized boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (!rung) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        rung = false;
        return true;
    }
}
