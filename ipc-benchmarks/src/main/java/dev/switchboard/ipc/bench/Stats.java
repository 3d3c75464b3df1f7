package dev.switchboard.ipc.bench;

import java.util.Arrays;

/**
 * Percentiles by the nearest-rank method on a sorted copy: the p-th percentile is the smallest
 * sample with at least p% of all samples at or below it. No interpolation, so every reported
 * number is a value that was actually measured.
 */
public final class Stats {

    private final double[] sorted;

    private Stats(double[] sorted) {
        this.sorted = sorted;
    }

    public static Stats of(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        double[] copy = values.clone();
        Arrays.sort(copy);
        return new Stats(copy);
    }

    /** Latency samples in nanoseconds, reported in {@code unitNanos} units (1000 for µs). */
    public static Stats ofNanos(long[] nanos, double unitNanos) {
        double[] v = new double[nanos.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = nanos[i] / unitNanos;
        }
        return of(v);
    }

    /**
     * Rates from timed batches: each sample is how long {@code unitsPerBatch} units took, the
     * result is units per second for each batch.
     */
    public static Stats ratesPerSecond(long[] batchNanos, double unitsPerBatch) {
        double[] v = new double[batchNanos.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = unitsPerBatch * 1e9 / batchNanos[i];
        }
        return of(v);
    }

    public double percentile(double p) {
        if (p <= 0 || p > 100) {
            throw new IllegalArgumentException("percentile must be in (0, 100]: " + p);
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(rank, 1) - 1];
    }

    public double median() {
        return percentile(50);
    }

    public double min() {
        return sorted[0];
    }

    public double max() {
        return sorted[sorted.length - 1];
    }

    public int count() {
        return sorted.length;
    }
}
