package dev.switchboard.ipc.ports;

import dev.switchboard.ipc.wire.Id128;
import java.util.List;

/**
 * An event that reached this node and waits to be acted on, with where it came from. For a user
 * message, {@code ports} names the ports it carries as ports of this node: the engine accepts the
 * ports of a message from another node as soon as the message arrives (so they are never stranded),
 * and a message between two local ports carries local ports to begin with.
 */
record Inbound(Id128 source, Event event, List<Id128> ports) {}
