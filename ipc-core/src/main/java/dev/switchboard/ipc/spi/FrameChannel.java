package dev.switchboard.ipc.spi;

import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.FrameHeader;
import dev.switchboard.ipc.wire.Limits;

/**
 * Transport SPI: an OS channel that carries frames, each with up to
 * {@link dev.switchboard.ipc.wire.Limits#HANDLE_CAP} handles. Frames arrive in the order they
 * were sent; a frame's handles arrive with it.
 */
public interface FrameChannel {

    /**
     * Queues a frame. Thread-safe and never blocks. Takes ownership of {@code handles}: the
     * transport closes its copies once they are sent, or when the channel closes first.
     */
    void send(FrameBody body, long[] handles);

    /**
     * Replaces the limits the channel reads (and sends) under, for every frame whose header has
     * not been read yet. A channel opened for an invitation starts under
     * {@link Limits#forHandshake()} and is raised to its full limits here once the handshake is
     * done; called from the listener's {@code onFrame}, it applies from the very next frame.
     */
    void setLimits(Limits limits);

    /** Bytes queued and not yet written to the OS. */
    long queuedBytes();

    /**
     * Handles queued and not yet passed to the OS: each one is an open descriptor of this process
     * until it is, so writers are held back on this too, not only on bytes.
     */
    long queuedHandles();

    /** Stops (or resumes) reading from the OS, so that a slow consumer pushes back on the sender. */
    void setReadPaused(boolean paused);

    /** Closes the channel; {@link Listener#onClosed} follows once. Idempotent. */
    void close();

    /**
     * Closes the channel because what arrived broke the protocol above the frame layer (for
     * example a MESSAGE for a pipe that does not exist). {@link Listener#onClosed} reports
     * {@link CloseReason.Kind#PROTOCOL_ERROR} with {@code reason}, unless the channel had already closed.
     */
    void fail(String reason);

    /** For logs, e.g. {@code "unix fd 3"}. */
    String describe();

    /** Receives what arrives. Every call is on the channel's I/O thread, never concurrently. */
    interface Listener {

        /**
         * One decoded frame. The listener owns {@code handles}. {@code body} may view the receive
         * buffer: copy what you keep before returning.
         */
        void onFrame(FrameHeader header, FrameBody body, long[] handles);

        /** The channel is closed and will deliver nothing more. Called exactly once. */
        void onClosed(CloseReason reason);

        /** The outbound queue drained below the transport's low-water mark. */
        default void onWritable() {}
    }
}
