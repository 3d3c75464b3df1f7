package dev.switchboard.ipc.ring;

import java.util.concurrent.TimeUnit;

/**
 * Where an end sleeps until the other end signals: a single sticky wake-up, so a signal that
 * arrives between {@code armWait()} and {@link #await} is not lost, it makes the await return at
 * once. Signals that arrive while nobody sleeps collapse into one.
 */
public final class Doorbell implements PeerSignal {

    /** Timeouts from here on (about 73 years) mean no timeout; adding them to the clock would overflow. */
    private static final long FOREVER = Long.MAX_VALUE / 4;

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
     * @param timeout how long at most; {@code Long.MAX_VALUE} waits without limit
     * @param unit its unit
     * @return whether it was rung (false: timed out)
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public synchronized boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        boolean forever = nanos >= FOREVER;
        long deadline = System.nanoTime() + (forever ? 0 : nanos);
        while (!rung) {
            if (forever) {
                wait();
                continue;
            }
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
