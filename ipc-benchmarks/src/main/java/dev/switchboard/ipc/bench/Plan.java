package dev.switchboard.ipc.bench;

import dev.switchboard.ipc.bench.peer.PeerMain;
import dev.switchboard.ipc.bench.peer.Workload;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The measuring processes of one run, in order. Within a section the floor and the series
 * compared with it run back to back in the same pinning mode, so that drift in the machine's
 * load over the run affects a ratio as little as possible.
 */
public final class Plan {

    /** Sections that can be selected with --sections. */
    public static final List<String> SECTIONS = List.of("rtt", "stream", "fds", "setup", "scale", "jmh");

    private static final List<Series> RTT_SERIES = List.of(Series.C_FLOOR, Series.JUNIXSOCKET, Series.SWITCHBOARD,
            Series.JDK_UDS, Series.GRPC_UDS, Series.JEROMQ_IPC);
    private static final List<Series> STREAM_SERIES = List.of(Series.C_FLOOR, Series.JUNIXSOCKET, Series.SWITCHBOARD);
    private static final List<Series> FDS_SERIES = List.of(Series.C_FLOOR, Series.SWITCHBOARD);

    private Plan() {}

    /**
     * @param sections which of {@link #SECTIONS} to run
     * @param only series ids to keep, or empty for all
     */
    public static List<RunSpec> of(Mode m, Set<String> sections, Set<String> only) {
        List<RunSpec> runs = new ArrayList<>();
        if (sections.contains("rtt")) {
            Workload w = Workload.rtt(Mode.RTT_SIZES, m.rttWarmup(), m.rttMeasured());
            for (Pinning p : Pinning.values()) {
                for (Series s : RTT_SERIES) {
                    runs.add(RunSpec.of(s, w, p));
                }
            }
        }
        if (sections.contains("stream")) {
            Workload w = Workload.stream(Mode.STREAM_SIZES, m.streamBatches(), m.streamWarmup(), m.streamTrials());
            for (Pinning p : Pinning.values()) {
                for (Series s : STREAM_SERIES) {
                    runs.add(RunSpec.of(s, w, p));
                }
            }
        }
        if (sections.contains("fds")) {
            Workload w = Workload.fds(m.fdsBatch(), m.fdsWarmup(), m.fdsTrials());
            for (Pinning p : Pinning.values()) {
                for (Series s : FDS_SERIES) {
                    runs.add(RunSpec.of(s, w, p));
                }
            }
        }
        if (sections.contains("setup")) {
            Workload w = Workload.setup(m.setupWarmup(), m.setupMeasured());
            for (Pinning p : Pinning.values()) {
                runs.add(new RunSpec(Series.SWITCHBOARD, PeerMain.SETUP, w, p));
            }
        }
        if (sections.contains("scale")) {
            for (int n : m.scaleChildren()) {
                Workload w = Workload.scale(n, Mode.SCALE_PAYLOAD, m.scaleWarmupMillis(), m.scaleWindowMillis());
                runs.add(new RunSpec(Series.SWITCHBOARD, PeerMain.SCALE, w, Pinning.UNPINNED));
            }
        }
        if (!only.isEmpty()) {
            runs.removeIf(r -> !only.contains(r.series().id));
        }
        return runs;
    }
}
