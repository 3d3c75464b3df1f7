package dev.switchboard.ipc.bench.peer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What one measuring process does, passed on its command line (and its child's) as
 * {@code key=value} words so that the parent, the child and the C floor agree on every count.
 *
 * @param kind what is measured
 * @param sizes payload sizes in bytes, measured one after the other on one connection
 * @param batches for {@link Kind#STREAM} and {@link Kind#FDS}: messages per timed batch, one per size
 * @param warmup untimed round trips ({@link Kind#RTT}; per child for {@link Kind#SCALE}) or
 *     batches/launches (others) before measuring
 * @param measured timed round trips, batches or launches
 * @param children for {@link Kind#SCALE}: child processes on the one broker
 * @param windowMillis for {@link Kind#SCALE}: the timed window
 */
public record Workload(Kind kind, List<Integer> sizes, List<Integer> batches, int warmup, int measured,
                       int children, long windowMillis) {

    public enum Kind {
        /** Ping-pong: the parent sends a payload, the child echoes it. One sample per round trip. */
        RTT,
        /** One-way: the parent sends a batch, the child acknowledges it with one byte. One sample per batch. */
        STREAM,
        /** One-way 1-byte messages each carrying one descriptor. One sample per batch. */
        FDS,
        /** A fresh child per sample: JVM start, then invitation to first readable message. */
        SETUP,
        /** Many children ping-pong on one broker for a fixed window. */
        SCALE
    }

    public Workload {
        sizes = List.copyOf(sizes);
        batches = List.copyOf(batches);
        if ((kind == Kind.STREAM || kind == Kind.FDS) && batches.size() != sizes.size()) {
            throw new IllegalArgumentException(kind + " needs one batch per size: " + sizes + " / " + batches);
        }
    }

    public static Workload rtt(List<Integer> sizes, int warmup, int measured) {
        return new Workload(Kind.RTT, sizes, List.of(), warmup, measured, 0, 0);
    }

    public static Workload stream(List<Integer> sizes, List<Integer> batches, int warmup, int measured) {
        return new Workload(Kind.STREAM, sizes, batches, warmup, measured, 0, 0);
    }

    public static Workload fds(int batch, int warmup, int measured) {
        return new Workload(Kind.FDS, List.of(1), List.of(batch), warmup, measured, 0, 0);
    }

    public static Workload setup(int warmup, int measured) {
        return new Workload(Kind.SETUP, List.of(1), List.of(), warmup, measured, 0, 0);
    }

    public static Workload scale(int children, int payload, int warmupRoundTrips, long windowMillis) {
        return new Workload(Kind.SCALE, List.of(payload), List.of(), warmupRoundTrips, 0, children, windowMillis);
    }

    public int batch(int sizeIndex) {
        return batches.get(sizeIndex);
    }

    public List<String> toArgs() {
        List<String> a = new ArrayList<>();
        a.add("kind=" + kind.name().toLowerCase());
        a.add("sizes=" + join(sizes));
        if (!batches.isEmpty()) {
            a.add("batches=" + join(batches));
        }
        a.add("warmup=" + warmup);
        a.add("measured=" + measured);
        a.add("children=" + children);
        a.add("windowMillis=" + windowMillis);
        return a;
    }

    /** Reads the words {@link #toArgs()} wrote, ignoring words without '='. */
    public static Workload parse(List<String> args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq > 0) {
                m.put(a.substring(0, eq), a.substring(eq + 1));
            }
        }
        return new Workload(
                Kind.valueOf(require(m, "kind").toUpperCase()),
                ints(require(m, "sizes")),
                ints(m.getOrDefault("batches", "")),
                Integer.parseInt(require(m, "warmup")),
                Integer.parseInt(require(m, "measured")),
                Integer.parseInt(m.getOrDefault("children", "0")),
                Long.parseLong(m.getOrDefault("windowMillis", "0")));
    }

    private static String require(Map<String, String> m, String key) {
        String v = m.get(key);
        if (v == null) {
            throw new IllegalArgumentException("workload lacks " + key + "=: " + m);
        }
        return v;
    }

    private static List<Integer> ints(String csv) {
        if (csv.isEmpty()) {
            return List.of();
        }
        return Arrays.stream(csv.split(",")).map(Integer::parseInt).collect(Collectors.toList());
    }

    private static String join(List<Integer> v) {
        return v.stream().map(String::valueOf).collect(Collectors.joining(","));
    }
}
