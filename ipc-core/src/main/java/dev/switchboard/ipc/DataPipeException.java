package dev.switchboard.ipc;

import dev.switchboard.ipc.datapipe.DataPipeStatus;
import java.io.IOException;
import java.util.Objects;

/**
 * A blocking data-pipe operation, or a stream or channel over one, that cannot go on; the status
 * says why ({@link DataPipeStatus#FAILED_PRECONDITION}: the other end is gone;
 * {@link DataPipeStatus#BAD_MESSAGE}: the other end broke the ring's rules).
 */
public final class DataPipeException extends IOException {

    private static final long serialVersionUID = 1L;

    /** The reason, as a value. */
    private final DataPipeStatus status;

    /**
     * @param status why the operation cannot go on
     * @param message what was being done
     */
    public DataPipeException(DataPipeStatus status, String message) {
        super(message + ": " + Objects.requireNonNull(status, "status"));
        this.status = status;
    }

    /** {@return why the operation cannot go on} */
    public DataPipeStatus status() {
        return status;
    }
}
