package dev.switchboard.ipc.ports;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeMap;

/**
 * A port's incoming user messages, released strictly in sequence order. Messages can arrive out
 * of order while a route changes (the old path through a proxy and the new direct path race), so
 * the queue holds them by sequence number and only the next expected one comes out.
 *
 * <p>Invariant kept by the callers: every held sequence number is at least {@link #nextSequence()},
 * and none repeats.
 */
final class MessageQueue {

    private final TreeMap<Long, QueuedMessage> bySequence = new TreeMap<>();
    private long nextSequence;

    MessageQueue(long nextSequence) {
        this.nextSequence = nextSequence;
    }

    /** Sequence number of the next message to come out. */
    long nextSequence() {
        return nextSequence;
    }

    /** Whether {@code sequence} may enter: not already released and not already held. */
    boolean canHold(long sequence) {
        return sequence >= nextSequence && !bySequence.containsKey(sequence);
    }

    void add(QueuedMessage m) {
        bySequence.put(m.sequence(), m);
    }

    boolean hasNext() {
        return bySequence.containsKey(nextSequence);
    }

    /** The next message in sequence, or null if it has not arrived. */
    QueuedMessage poll() {
        QueuedMessage m = bySequence.remove(nextSequence);
        if (m != null) {
            nextSequence++;
        }
        return m;
    }

    int size() {
        return bySequence.size();
    }

    /** How many messages could come out one after the other right now. */
    long contiguous() {
        long n = nextSequence;
        while (bySequence.containsKey(n)) {
            n++;
        }
        return n - nextSequence;
    }

    /** Removes and returns every held message numbered above {@code last}. */
    List<QueuedMessage> removeAfter(long last) {
        Collection<QueuedMessage> tail = bySequence.tailMap(last, false).values();
        List<QueuedMessage> removed = new ArrayList<>(tail);
        tail.clear();
        return removed;
    }

    /** Removes and returns everything held. */
    List<QueuedMessage> removeAll() {
        List<QueuedMessage> removed = new ArrayList<>(bySequence.values());
        bySequence.clear();
        return removed;
    }
}
