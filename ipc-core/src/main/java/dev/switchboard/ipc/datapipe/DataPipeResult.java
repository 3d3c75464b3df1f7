package dev.switchboard.ipc.datapipe;

import java.util.Objects;

/**
 * The outcome of a read or write: a status and how many bytes moved (zero unless
 * {@link DataPipeStatus#OK}).
 *
 * @param status the outcome
 * @param bytes how many bytes moved
 */
public record DataPipeResult(DataPipeStatus status, int bytes) {

    /**
     * @param status the outcome
     * @param bytes how many bytes moved; zero unless {@code status} is {@link DataPipeStatus#OK}
     */
    public DataPipeResult {
        Objects.requireNonNull(status, "status");
        if (bytes < 0 || (bytes > 0 && status != DataPipeStatus.OK)) {
            throw new IllegalArgumentException(status + " with " + bytes + " bytes");
        }
    }

    /**
     * A success.
     *
     * @param bytes how many bytes moved
     * @return the outcome
     */
    public static DataPipeResult ok(int bytes) {
        return new DataPipeResult(DataPipeStatus.OK, bytes);
    }

    /**
     * An outcome in which nothing moved.
     *
     * @param status the outcome
     * @return the outcome with a count of zero
     */
    public static DataPipeResult of(DataPipeStatus status) {
        return new DataPipeResult(status, 0);
    }

    /** @return whether the status is {@link DataPipeStatus#OK} */
    public boolean isOk() {
        return status == DataPipeStatus.OK;
    }
}
