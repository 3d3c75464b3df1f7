package dev.switchboard.ipc;

/**
 * The other end of a {@link MessagePipe} is gone (closed, its process died, or its channel
 * broke) and nothing more is queued here.
 */
public final class PipeClosedException extends IllegalStateException {
    /**
     * Creates the exception.
     *
     * @param message names the pipe and says why it is closed
     */
    public PipeClosedException(String message) {
        super(message);
    }
}
