package dev.switchboard.ipc.bench;

import dev.switchboard.ipc.bench.peer.Workload;

/**
 * One measuring process to start.
 *
 * @param series what it is reported as
 * @param peer the name PeerMain knows it by (ignored for the C floor)
 * @param floorFor for a C floor run made right before one series' run, that series; else null
 */
public record RunSpec(Series series, String peer, Workload workload, Pinning pinning, Series floorFor) {

    public static RunSpec of(Series series, Workload workload, Pinning pinning) {
        return new RunSpec(series, series.id, workload, pinning, null);
    }

    /** A special measurement of {@code series} that PeerMain knows as {@code peer}. */
    public static RunSpec special(Series series, String peer, Workload workload, Pinning pinning) {
        return new RunSpec(series, peer, workload, pinning, null);
    }

    /** The C floor, measured just before {@code series} so that its ratio sees the same machine. */
    public static RunSpec floorFor(Series series, Workload workload, Pinning pinning) {
        return new RunSpec(Series.C_FLOOR, Series.C_FLOOR.id, workload, pinning, series);
    }

    /** A short name for logs and file names. */
    public String tag() {
        String what = peer.equals(series.id) ? series.id + "-" + workload.kind().name().toLowerCase() : peer;
        String n = workload.children() > 0 ? "-n" + workload.children() : "";
        String pair = floorFor != null ? "-for-" + floorFor.id : "";
        return what + pair + n + "-" + pinning.label();
    }
}
