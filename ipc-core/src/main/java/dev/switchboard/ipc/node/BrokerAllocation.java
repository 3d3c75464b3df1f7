package dev.switchboard.ipc.node;

/**
 * Internal: the broker's answer to a request for a shared buffer.
 *
 * @param status 0 when {@code fd} holds the buffer, otherwise a status of
 *     {@link dev.switchboard.ipc.wire.FrameBody.SharedBufferAllocated}
 * @param reason the broker's reason when it refused
 * @param fd the buffer's descriptor (checked: sealed, at least the size asked for, writable),
 *     owned by the caller; -1 when refused
 */
public record BrokerAllocation(int status, String reason, long fd) {}
