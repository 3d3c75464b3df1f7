package dev.switchboard.ipc.broker.sandbox;

/**
 * No reply within the caller's timeout. The request may still be handled later; its reply then
 * finds the reply channel closed and is discarded by the host.
 */
public class SandboxTimeoutException extends SandboxIpcException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message which request, and how long it waited
     */
    public SandboxTimeoutException(String message) {
        super(message);
    }
}
