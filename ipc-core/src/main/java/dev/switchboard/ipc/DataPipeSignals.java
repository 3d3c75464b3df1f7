package dev.switchboard.ipc;

import dev.switchboard.ipc.ring.Doorbell;
import dev.switchboard.ipc.ring.PeerSignal;
import java.util.Objects;

/**
 * The message pipe beside a data pipe's ring, seen from one end: it carries wake-ups to the other
 * end (a one-byte message, docs/protocol.md "Data-pipe signals") and tells this end when the
 * other end's process or pipe is gone. A wake-up only rings this end's doorbell and runs a hook;
 * everything else happens on the threads that read or write.
 */
final class DataPipeSignals implements PeerSignal, MessagePipe.Listener {

    /** The only payload a signal message has. */
    static final byte WAKE = 1;

    private final MessagePipe pipe;
    private final Doorbell doorbell = new Doorbell();
    private final Runnable onWake;
    private final Runnable onPeerGone;

    DataPipeSignals(MessagePipe pipe, Runnable onWake, Runnable onPeerGone) {
        this.pipe = Objects.requireNonNull(pipe, "pipe");
        this.onWake = onWake;
        this.onPeerGone = onPeerGone;
    }

    /** Starts listening; wake-ups are handled on the thread that delivers them (they never block). */
    void start() {
        pipe.setListener(Runnable::run, this);
    }

    Doorbell doorbell() {
        return doorbell;
    }

    /** Sends a wake-up. A peer that is gone needs none. */
    @Override
    public void signal() {
        try {
            pipe.write(Message.of(new byte[] {WAKE}));
        } catch (IllegalStateException e) { // PipeClosedException, or this end closed or moved
            // nobody to wake
        }
    }

    @Override
    public void onMessage(MessagePipe from, Message message) {
        try (message) {
            byte[] bytes = message.bytes();
            if (bytes.length != 1 || bytes[0] != WAKE || message.handleCount() != 0 || message.pipeCount() != 0) {
                message.reportBadMessage("data-pipe signal: expected one WAKE byte and no handles, got "
                        + bytes.length + " bytes, " + message.handleCount() + " handles, " + message.pipeCount() + " pipes");
                return;
            }
        }
        doorbell.signal();
        onWake.run();
    }

    @Override
    public void onPeerClosed(MessagePipe from) {
        onPeerGone.run();
        doorbell.signal();
        onWake.run();
    }

    /** Gives up the pipe (for a message to carry). */
    MessagePipe pipe() {
        return pipe;
    }

    void close() {
        pipe.close();
    }
}
