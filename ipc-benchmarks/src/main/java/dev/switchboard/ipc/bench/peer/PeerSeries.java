package dev.switchboard.ipc.bench.peer;

import java.nio.file.Path;

/** One IPC mechanism under test: how its parent connects to a new child, and what the child runs. */
interface PeerSeries {

    /** Parent side: starts a child JVM for {@code w} and returns a connected link to it. */
    Link open(Workload w, Path workDir) throws Exception;

    /** Child side: connects to (or listens at) {@code address} and answers {@code w}. */
    void serve(Workload w, String address) throws Exception;
}
