package dev.switchboard.ipc.broker.sandbox;

/**
 * A {@link PacketReader} ran past the end of a packet or found a value it cannot accept. Codecs
 * may throw it themselves for values out of range. On the host it makes the request
 * {@link RejectReason#MALFORMED_PAYLOAD}; on the client it fails the call.
 */
public class MalformedPacketException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong, and where in the packet
     */
    public MalformedPacketException(String message) {
        super(message);
    }
}
