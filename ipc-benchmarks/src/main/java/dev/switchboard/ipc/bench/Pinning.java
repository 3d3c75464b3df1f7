package dev.switchboard.ipc.bench;

import java.util.List;

/**
 * How a run is placed on the CPUs. Pinned runs start the measuring process under
 * {@code taskset -c 0}; its child inherits the mask because it is forked from it, and so does
 * every thread either JVM starts. {@link Runner} checks that claim against every thread's
 * {@code Cpus_allowed_list} before the report may call a run pinned.
 */
public enum Pinning {
    PINNED(true),
    UNPINNED(false);

    public final boolean pinned;

    Pinning(boolean pinned) {
        this.pinned = pinned;
    }

    /** Prefix of the measuring process's command line. */
    public List<String> commandPrefix() {
        return pinned ? List.of("taskset", "-c", "0") : List.of();
    }

    /** The Cpus_allowed_list every thread must show; unpinned runs inherit the driver's own. */
    public String expectedAffinity(String driverAffinity) {
        return pinned ? "0" : driverAffinity;
    }

    public String label() {
        return pinned ? "pinned" : "unpinned";
    }
}
