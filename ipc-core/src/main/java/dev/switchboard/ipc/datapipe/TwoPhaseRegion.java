package dev.switchboard.ipc.datapipe;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * The outcome of {@code beginWrite} or {@code beginRead}: on {@link DataPipeStatus#OK}, the
 * contiguous part of the ring that may be written (or read) now, up to the ring's end; otherwise
 * no buffer.
 *
 * @param status the outcome
 * @param buffer a view of the ring's data area, position 0, limit the region's size; only valid
 *     until the matching {@code endWrite}/{@code endRead}
 */
public record TwoPhaseRegion(DataPipeStatus status, ByteBuffer buffer) {

    /**
     * @param status the outcome
     * @param buffer the region on {@link DataPipeStatus#OK}, otherwise null
     */
    public TwoPhaseRegion {
        Objects.requireNonNull(status, "status");
        if ((status == DataPipeStatus.OK) != (buffer != null)) {
            throw new IllegalArgumentException(status + (buffer == null ? " without" : " with") + " a buffer");
        }
    }

    /**
     * An outcome without a region.
     *
     * @param status why there is none
     * @return the outcome
     */
    public static TwoPhaseRegion refused(DataPipeStatus status) {
        return new TwoPhaseRegion(status, null);
    }

    /** @return whether a region was handed out */
    public boolean isOk() {
        return status == DataPipeStatus.OK;
    }
}
