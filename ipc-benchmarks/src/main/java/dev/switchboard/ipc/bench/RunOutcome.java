package dev.switchboard.ipc.bench;

import dev.switchboard.ipc.bench.peer.ResultFile;

/**
 * What became of one {@link RunSpec}: either a result or the reason there is none.
 *
 * @param result null when the run was skipped or failed
 * @param problem why there is no result, or a caveat about it (affinity mismatch); null when clean
 * @param affinityVerified every thread of both processes showed the expected CPU list
 */
public record RunOutcome(RunSpec spec, ResultFile result, String problem, boolean affinityVerified, double seconds) {

    public static RunOutcome skipped(RunSpec spec, String why) {
        return new RunOutcome(spec, null, why, false, 0);
    }

    public boolean ok() {
        return result != null;
    }
}
