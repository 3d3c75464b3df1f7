package dev.switchboard.ipc.ports;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Internal: a payload that is only bytes: what {@link EventCodec#decode} puts into a decoded
 * {@link Event.UserMessage}. The embedder usually replaces it (with
 * {@link Event.UserMessage#withPayload}) by its own payload that also holds the OS handles that
 * arrived with the frame.
 *
 * @param bytes the user bytes; a slice of the decoded buffer, not a copy
 */
public record BytesPayload(ByteBuffer bytes) implements UserPayload {
    public BytesPayload {
        Objects.requireNonNull(bytes, "bytes");
    }
}
