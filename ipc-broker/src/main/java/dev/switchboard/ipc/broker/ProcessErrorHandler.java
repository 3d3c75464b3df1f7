package dev.switchboard.ipc.broker;

/** Told about a child that misbehaved or went away. A typical handler kills the child. */
@FunctionalInterface
public interface ProcessErrorHandler {
    void onProcessError(ProcessError error);
}
