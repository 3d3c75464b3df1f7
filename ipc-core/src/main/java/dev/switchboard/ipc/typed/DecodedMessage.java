package dev.switchboard.ipc.typed;

/**
 * A typed message after decoding.
 *
 * @param header the validated header
 * @param body a request's record or {@link MethodCall}; a reply's value (null for an empty
 *     reply); an error reply's reason string
 */
public record DecodedMessage(MessageHeader header, Object body) {}
