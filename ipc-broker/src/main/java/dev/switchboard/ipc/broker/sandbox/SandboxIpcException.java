package dev.switchboard.ipc.broker.sandbox;

import java.io.IOException;

/**
 * A sandbox request got no answer: the host dropped it (a request it considers bad), the host is
 * gone, the channel is broken, or the host's handler failed. Subclasses say when the request was
 * refused on purpose or timed out.
 */
public class SandboxIpcException extends IOException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what went wrong
     */
    public SandboxIpcException(String message) {
        super(message);
    }

    /**
     * Creates the exception.
     *
     * @param message what went wrong
     * @param cause the failure underneath
     */
    public SandboxIpcException(String message, Throwable cause) {
        super(message, cause);
    }
}
