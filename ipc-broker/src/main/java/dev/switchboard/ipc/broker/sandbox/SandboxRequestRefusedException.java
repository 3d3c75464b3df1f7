package dev.switchboard.ipc.broker.sandbox;

/**
 * A well-formed request that the host declined, with its reason: for example an executable
 * shared-memory segment when the host does not allow them, or an unknown time zone.
 *
 * <p>Handlers throw it to refuse ({@link SandboxRequestHandler}); the host sends the message back
 * and the client throws it again on its side.
 */
public class SandboxRequestRefusedException extends SandboxIpcException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param reason why the request was declined; the child sees it
     */
    public SandboxRequestRefusedException(String reason) {
        super(reason);
    }
}
