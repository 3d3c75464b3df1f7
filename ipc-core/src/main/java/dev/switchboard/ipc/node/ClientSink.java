package dev.switchboard.ipc.node;

import dev.switchboard.ipc.spi.CloseReason;

/** Internal: where news about a node this process invited goes: its invitation's process error handler. */
public interface ClientSink {

    /** Code that received a message from the node called reportBadMessage, or the node broke a rule. */
    void onBadMessage(String reason);

    /** The channel to the node closed (it exited, crashed, or sent malformed frames). */
    void onDisconnected(CloseReason reason);
}
