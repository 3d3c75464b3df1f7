package dev.switchboard.ipc.node;

/** The other end of a pipe is gone and nothing more will arrive. */
public class PeerClosedException extends IllegalStateException {
    public PeerClosedException(String message) {
        super(message);
    }
}
