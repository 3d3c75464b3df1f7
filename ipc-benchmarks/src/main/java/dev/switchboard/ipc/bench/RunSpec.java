package dev.switchboard.ipc.bench;

import dev.switchboard.ipc.bench.peer.Workload;

/**
 * One measuring process to start.
 *
 * @param series what it is reported as
 * @param peer the name PeerMain knows it by (ignored for the C floor)
 */
public record RunSpec(Series series, String peer, Workload workload, Pinning pinning) {

    public static RunSpec of(Series series, Workload workload, Pinning pinning) {
        return new RunSpec(series, series.id, workload, pinning);
    }

    /** A short name for logs and file names. */
    public String tag() {
        String what = peer.equals(series.id) ? series.id + "-" + workload.kind().name().toLowerCase() : peer;
        String n = workload.children() > 0 ? "-n" + workload.children() : "";
        return what + n + "-" + pinning.label();
    }
}
