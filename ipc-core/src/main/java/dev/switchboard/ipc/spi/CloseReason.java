package dev.switchboard.ipc.spi;

/**
 * Transport SPI: why a {@link FrameChannel} closed.
 *
 * @param kind what happened
 * @param detail a precise human-readable reason, e.g. the protocol rule that was broken
 */
public record CloseReason(Kind kind, String detail) {

    public enum Kind {
        /** {@link FrameChannel#close()} was called on this side. */
        LOCAL,
        /** The peer closed its end (end of stream at a frame boundary). */
        PEER_CLOSED,
        /** The peer sent bytes or handles that break the protocol; the stream was dropped. */
        PROTOCOL_ERROR,
        /** The OS reported an error (connection reset, ...). */
        IO_ERROR
    }

    /** True for anything but a local close: the peer is gone or misbehaved. */
    public boolean isFailure() {
        return kind != Kind.LOCAL;
    }

    @Override
    public String toString() {
        return kind + ": " + detail;
    }
}
