package dev.switchboard.ipc.ports;

import dev.switchboard.ipc.wire.Id128;
import java.util.Objects;

/**
 * Internal: a handle to one port of one {@link Node}: the node's name and the port's name. A plain value:
 * holding it keeps nothing alive, and a ref to a port that has since closed or moved away is
 * rejected by the node with {@link PortException.Reason#UNKNOWN_PORT} or
 * {@link PortException.Reason#NOT_RECEIVING}.
 *
 * @param node the name of the node that owns the port
 * @param name the port's name, unique within that node
 */
public record PortRef(Id128 node, Id128 name) {
    public PortRef {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(name, "name");
    }

    @Override
    public String toString() {
        return name.toHex().substring(0, 8) + "@" + node.toHex().substring(0, 8);
    }
}
