package dev.switchboard.ipc.broker;

/** Told about a child that misbehaved or went away. A typical handler kills the child. */
@FunctionalInterface
public interface ProcessErrorHandler {
    /**
     * Called for each error, on the executor given to {@code OutgoingInvitation.send} (a
     * Switchboard callback thread when none was given).
     *
     * @param error what happened, and to which process
     */
    void onProcessError(ProcessError error);
}
