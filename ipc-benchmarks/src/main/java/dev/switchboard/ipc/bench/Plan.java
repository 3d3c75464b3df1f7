package dev.switchboard.ipc.bench;

import dev.switchboard.ipc.bench.peer.PeerMain;
import dev.switchboard.ipc.bench.peer.Workload;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The measuring processes of one run, in order. On a shared, noisy machine the floor itself moves
 * from one minute to the next, so every series gets its own C floor run immediately before it, in
 * the same pinning mode, and its ratio is taken against that one. The section's first floor run
 * is the one shown in the floor's own table row. A floor run takes well under a second.
 */
public final class Plan {

    /** Sections that can be selected with --sections. */
    public static final List<String> SECTIONS = List.of("rtt", "stream", "fds", "setup", "scale", "jmh");

    private static final List<Series> RTT_SERIES = List.of(Series.JUNIXSOCKET, Series.SWITCHBOARD,
            Series.JDK_UDS, Series.GRPC_UDS, Series.JEROMQ_IPC);
    /**
     * The typed-call comparison: each runs once per pinning mode, at {@link #TYPED_SIZE} only,
     * right after the raw Switchboard pipe's run it is compared with.
     */
    private static final List<Series> TYPED_SERIES = List.of(Series.TYPED_SYNC, Series.GRPC_PROTO);

    /** The payload size of the raw round trip a typed call is compared with. */
    public static final int TYPED_SIZE = 64;

    private static final List<Series> STREAM_SERIES = List.of(Series.JUNIXSOCKET, Series.SWITCHBOARD);
    private static final List<Series> FDS_SERIES = List.of(Series.SWITCHBOARD);

    private Plan() {}

    /**
     * @param sections which of {@link #SECTIONS} to run
     * @param only series ids to keep, or empty for all
     */
    public static List<RunSpec> of(Mode m, Set<String> sections, Set<String> only) {
        List<RunSpec> runs = new ArrayList<>();
        if (sections.contains("rtt")) {
            addPaired(runs, RTT_SERIES, Workload.rtt(Mode.RTT_SIZES, m.rttWarmup(), m.rttMeasured()),
                    Workload.rtt(List.of(TYPED_SIZE), m.rttWarmup(), m.rttMeasured()));
        }
        if (sections.contains("stream")) {
            addPaired(runs, STREAM_SERIES,
                    Workload.stream(Mode.STREAM_SIZES, m.streamBatches(), m.streamWarmup(), m.streamTrials()), null);
        }
        if (sections.contains("fds")) {
            addPaired(runs, FDS_SERIES, Workload.fds(m.fdsBatch(), m.fdsWarmup(), m.fdsTrials()), null);
        }
        if (sections.contains("setup")) {
            Workload w = Workload.setup(m.setupWarmup(), m.setupMeasured());
            for (Pinning p : Pinning.values()) {
                runs.add(RunSpec.special(Series.SWITCHBOARD, PeerMain.SETUP, w, p));
            }
        }
        if (sections.contains("scale")) {
            for (int n : m.scaleChildren()) {
                Workload w = Workload.scale(n, Mode.SCALE_PAYLOAD, m.scaleWarmupRoundTrips(), m.scaleWindowMillis());
                runs.add(RunSpec.special(Series.SWITCHBOARD, PeerMain.SCALE, w, Pinning.UNPINNED));
            }
        }
        if (!only.isEmpty()) {
            runs.removeIf(r -> !only.contains(r.series().id)
                    || (r.floorFor() != null && !only.contains(r.floorFor().id)));
        }
        return runs;
    }

    /**
     * The section's floor, then each series preceded by a floor run of its own; with a
     * {@code typed} workload, the {@link #TYPED_SERIES} follow the raw Switchboard run.
     */
    private static void addPaired(List<RunSpec> runs, List<Series> series, Workload w, Workload typed) {
        for (Pinning p : Pinning.values()) {
            runs.add(RunSpec.of(Series.C_FLOOR, w, p));
            for (Series s : series) {
                runs.add(RunSpec.floorFor(s, w, p));
                runs.add(RunSpec.of(s, w, p));
                if (typed != null && s == Series.SWITCHBOARD) {
                    for (Series t : TYPED_SERIES) {
                        runs.add(RunSpec.floorFor(t, typed, p));
                        runs.add(RunSpec.of(t, typed, p));
                    }
                }
            }
        }
    }
}
