package dev.switchboard.ipc.ports;

import dev.switchboard.ipc.wire.Id128;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The events a port set aside because they came from a port that is not (yet) its previous one,
 * in arrival order per sender. Kept per sender so that taking the next event of the current
 * previous port costs the same however many others wait: while a chain of proxies collapses, the
 * port at its end can hold tens of thousands of messages from the port that already bypasses
 * the chain, and a scan per event would turn that into quadratic work on the I/O thread.
 */
final class EarlyEvents {

    private record Sender(Id128 node, Id128 port) {}

    private Map<Sender, ArrayDeque<Inbound>> bySender; // most ports never need one
    private int size;

    void add(Inbound in) {
        if (bySender == null) {
            bySender = new LinkedHashMap<>();
        }
        bySender.computeIfAbsent(new Sender(in.source(), in.event().from()), s -> new ArrayDeque<>()).add(in);
        size++;
    }

    /** The oldest event set aside from {@code node/port}, removed; null if there is none. */
    Inbound pollFrom(Id128 node, Id128 port) {
        if (size == 0) {
            return null;
        }
        Sender s = new Sender(node, port);
        ArrayDeque<Inbound> q = bySender.get(s);
        if (q == null) {
            return null;
        }
        Inbound in = q.poll();
        if (q.isEmpty()) {
            bySender.remove(s);
        }
        size--;
        return in;
    }

    /** Removes and returns every event that came from {@code node}. */
    List<Inbound> removeFromNode(Id128 node) {
        List<Inbound> removed = new ArrayList<>();
        if (size == 0) {
            return removed;
        }
        for (Iterator<Map.Entry<Sender, ArrayDeque<Inbound>>> it = bySender.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Sender, ArrayDeque<Inbound>> e = it.next();
            if (e.getKey().node().equals(node)) {
                removed.addAll(e.getValue());
                it.remove();
            }
        }
        size -= removed.size();
        return removed;
    }

    /** Removes and returns everything. */
    List<Inbound> removeAll() {
        List<Inbound> removed = new ArrayList<>(size);
        if (size > 0) {
            bySender.values().forEach(removed::addAll);
            bySender.clear();
            size = 0;
        }
        return removed;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }
}
