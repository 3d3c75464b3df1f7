package dev.switchboard.ipc.broker.sandbox;

/**
 * Answers one request type on the host. Runs on the host's single handler thread, one request at
 * a time, so it must be quick: every sandboxed child waits behind a slow handler (see
 * docs/sandbox-ipc.md, "Threading").
 *
 * @param <Q> request type
 * @param <R> reply type; handles in it belong to the host until the reply is sent
 */
@FunctionalInterface
public interface SandboxRequestHandler<Q, R> {

    /**
     * Answers one request.
     *
     * @param request the decoded request; handles in it belong to the handler
     * @return the reply, encoded with the request type's reply codec
     * @throws SandboxRequestRefusedException to decline with a reason the child will see
     *                                        (any other exception becomes a generic failure
     *                                        reply)
     */
    R handle(Q request) throws SandboxRequestRefusedException;
}
