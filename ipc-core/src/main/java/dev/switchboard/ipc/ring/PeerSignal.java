package dev.switchboard.ipc.ring;

/**
 * How one end wakes the other. The ring calls it only when the other end has said, in the control
 * block, that it is waiting, so a stream in which neither side waits costs no signals at all.
 * Between processes it sends a small message over the pipe that accompanies the ring; in tests it
 * rings a {@link Doorbell} directly.
 */
@FunctionalInterface
public interface PeerSignal {

    /** Wakes the other end. Must not block for long: it is called while reading or writing. */
    void signal();
}
