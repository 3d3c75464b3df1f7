package dev.switchboard.ipc.broker;

/**
 * Something went wrong with an invited process.
 *
 * @param process the child, when the invitation was sent to one
 * @param kind what happened
 * @param reason precise, human-readable
 */
public record ProcessError(ChildProcess process, Kind kind, String reason) {

    /** What went wrong. */
    public enum Kind {
        /** The channel to the process closed unexpectedly: it exited, crashed or was killed. */
        DISCONNECTED,
        /** The process sent bytes or handles that break the protocol; it was disconnected. */
        MALFORMED,
        /** The invitation could not be delivered (no connection to a named channel in time, ...). */
        NOT_CONNECTED,
        /**
         * Code that received a message from the process called {@code Message.reportBadMessage},
         * or the process broke a rule of the graph (an untrusted process sending handles, asking
         * for a node it was never given a pipe to, a malformed port event).
         */
        BAD_MESSAGE
    }
}
