package dev.switchboard.ipc.ports;

import java.util.Objects;

/**
 * Internal: the two entangled ports of a new message pipe, both on the node that created them. What one
 * sends, the other receives.
 *
 * @param first one end
 * @param second the other end
 */
public record PortPair(PortRef first, PortRef second) {
    public PortPair {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(second, "second");
    }
}
