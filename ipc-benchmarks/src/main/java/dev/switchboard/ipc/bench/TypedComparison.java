package dev.switchboard.ipc.bench;

/**
 * The numbers that relate a typed sync call to the raw pipe and to gRPC. Each takes figures of
 * one run and one pinning mode and returns null when an input was not measured.
 */
final class TypedComparison {

    private TypedComparison() {}

    /** Typed p50 minus raw p50, in the figures' unit (µs). */
    static Double overhead(Figure raw, Figure typed) {
        if (!measured(raw) || !measured(typed)) {
            return null;
        }
        return typed.p50() - raw.p50();
    }

    /**
     * Typed p50 minus what the raw round trip would have cost on the typed run's floor: raw p50
     * times (typed run's floor / raw run's floor). Both floors are the C floor runs made right
     * before each series, so drift of the machine between the two runs cancels.
     */
    static Double overheadAtEqualFloors(Figure raw, Figure typed) {
        if (!measured(raw) || !measured(typed) || raw.ratioToFloor() == null
                || !(typed.extra().get("floor_p50") instanceof Double typedFloor)) {
            return null;
        }
        return typed.p50() - raw.ratioToFloor() * typedFloor;
    }

    /** gRPC p50 over typed p50: how many times faster the typed call is. */
    static Double speedup(Figure grpc, Figure typed) {
        if (!measured(grpc) || !measured(typed)) {
            return null;
        }
        return grpc.p50() / typed.p50();
    }

    private static boolean measured(Figure f) {
        return f != null && f.measured();
    }
}
