package dev.switchboard.ipc.bench.peer;

import java.util.Arrays;

/**
 * The measuring side of {@link Workload.Kind#RTT}, {@link Workload.Kind#STREAM} and
 * {@link Workload.Kind#FDS}, shared by every series. Warm-up iterations run the same code path
 * and are thrown away, so both JITs (ours and the child's) have compiled it before timing starts.
 */
public final class ParentLoops {

    private ParentLoops() {}

    public static ResultFile run(Link link, Workload w) throws Exception {
        ResultFile r = new ResultFile();
        switch (w.kind()) {
            case RTT -> {
                for (int size : w.sizes()) {
                    r.samples("rtt_ns@" + size, roundTrips(link, size, w.warmup(), w.measured()));
                }
            }
            case STREAM -> {
                for (int i = 0; i < w.sizes().size(); i++) {
                    int size = w.sizes().get(i);
                    r.samples("batch_ns@" + size, batches(link, size, w.batch(i), w.warmup(), w.measured()));
                }
            }
            case FDS -> r.samples("batch_ns@1", descriptorBatches(link, w.batch(0), w.warmup(), w.measured()));
            default -> throw new IllegalArgumentException(w.kind() + " is not a link workload");
        }
        // read while both processes and all their threads are still alive
        r.info("affinity_parent", Affinity.ofSelf());
        r.info("affinity_child", Affinity.ofProcess(link.peerPid()));
        return r;
    }

    static long[] roundTrips(Link link, int size, int warmup, int measured) throws Exception {
        byte[] buf = payload(size);
        long[] ns = new long[measured];
        for (int i = 0; i < warmup + measured; i++) {
            long t0 = System.nanoTime();
            link.roundTrip(buf, size);
            long t1 = System.nanoTime();
            if (i >= warmup) {
                ns[i - warmup] = t1 - t0;
            }
        }
        return ns;
    }

    static long[] batches(Link link, int size, int batch, int warmup, int measured) throws Exception {
        byte[] buf = payload(size);
        byte[] ack = new byte[1];
        long[] ns = new long[measured];
        for (int t = 0; t < warmup + measured; t++) {
            long t0 = System.nanoTime();
            for (int j = 0; j < batch; j++) {
                link.send(buf, size);
            }
            link.receive(ack, 1);
            long t1 = System.nanoTime();
            if (t >= warmup) {
                ns[t - warmup] = t1 - t0;
            }
        }
        return ns;
    }

    static long[] descriptorBatches(Link link, int batch, int warmup, int measured) throws Exception {
        byte[] ack = new byte[1];
        long[] ns = new long[measured];
        for (int t = 0; t < warmup + measured; t++) {
            long t0 = System.nanoTime();
            for (int j = 0; j < batch; j++) {
                link.sendDescriptor();
            }
            link.receive(ack, 1);
            long t1 = System.nanoTime();
            if (t >= warmup) {
                ns[t - warmup] = t1 - t0;
            }
        }
        return ns;
    }

    /** Not all zeroes, so that no layer can get away with a shortcut for empty pages. */
    static byte[] payload(int size) {
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) 'x');
        return b;
    }
}
