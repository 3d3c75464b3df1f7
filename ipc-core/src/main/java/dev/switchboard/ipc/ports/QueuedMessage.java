package dev.switchboard.ipc.ports;

import dev.switchboard.ipc.wire.Id128;
import java.util.List;

/**
 * A user message held by a port: its sequence number, payload, and the ports inside it, which by
 * now are ports of this node (accepted on arrival, or local all along) that only the eventual
 * reader may use.
 */
record QueuedMessage(long sequence, UserPayload payload, List<Id128> ports) {}
