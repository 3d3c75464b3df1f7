package dev.switchboard.ipc.bench;

/**
 * The numbers that relate a typed sync call to the raw pipe and to gRPC. Each takes figures of
 * one run and one pinning mode and returns null when an input was not measured.
 */
final class TypedComparison {

    private TypedComparison() {}

    /**
     * The raw pipe's median measured interleaved with the typed calls, in the same two processes
     * (µs), or null.
     */
    static Double pairedRaw(Figure typed) {
        return typed != null && typed.measured() && typed.extra().get(Figures.PAIRED_RAW_P50) instanceof Double d ? d : null;
    }

    /** Typed p50 minus the interleaved raw p50, in µs: what the typed layer adds to a round trip. */
    static Double overhead(Figure typed) {
        Double raw = pairedRaw(typed);
        return raw == null ? null : typed.p50() - raw;
    }

    /** gRPC p50 over typed p50: how many times faster the typed call is. */
    static Double speedup(Figure grpc, Figure typed) {
        if (grpc == null || !grpc.measured() || typed == null || !typed.measured()) {
            return null;
        }
        return grpc.p50() / typed.p50();
    }
}
