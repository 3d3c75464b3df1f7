package dev.switchboard.ipc.pickle;

import dev.switchboard.ipc.pickle.PickleException.Reason;
import java.util.HashMap;
import java.util.Map;

/**
 * Refuses set elements and map keys that a peer chose to share one hash code. A hash table keeps
 * colliding keys in a list unless they are {@link Comparable}, so n such keys cost n²/2 equality
 * checks: a 400 KB message of colliding records took 35 s to decode. Comparable keys are exempt,
 * because the table then keeps them in a tree.
 */
final class HashSpread {

    /** Distinct non-comparable keys one message may give the same hash code. */
    static final int MAX_SAME_HASH = 8;

    /** Hash code to the number of keys seen with it; null until a non-comparable key arrives. */
    private Map<Integer, Integer> counts;

    /** Counts {@code key}; fails the read when too many keys share its hash code. */
    void check(PickleReader r, Object key, String what, int index) {
        if (key instanceof Comparable) {
            return;
        }
        if (counts == null) {
            counts = new HashMap<>();
        }
        int seen = counts.merge(key.hashCode(), 1, Integer::sum);
        if (seen > MAX_SAME_HASH) {
            throw r.fail(Reason.INVALID_VALUE, what + " " + index + " shares its hash code with " + MAX_SAME_HASH
                    + " earlier ones (refused: colliding keys make decoding quadratic)");
        }
    }
}
