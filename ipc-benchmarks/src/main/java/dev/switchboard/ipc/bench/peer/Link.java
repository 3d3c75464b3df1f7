package dev.switchboard.ipc.bench.peer;

/**
 * One connection between the measuring parent and its child, reduced to what the benchmark loops
 * need. Every series implements it with the calls a Java developer would write for that library,
 * so the loops in {@link ParentLoops} and {@link ChildLoops} are the same code for all of them.
 */
public interface Link extends AutoCloseable {

    /** Sends one message: {@code len} bytes of {@code buf}. */
    void send(byte[] buf, int len) throws Exception;

    /** Receives one message of exactly {@code len} bytes into {@code buf}. */
    void receive(byte[] buf, int len) throws Exception;

    /** Request and echoed reply. Request/response libraries override this with their one call. */
    default void roundTrip(byte[] buf, int len) throws Exception {
        send(buf, len);
        receive(buf, len);
    }

    /**
     * Child side of a one-way batch: consumes {@code count} messages of {@code len} bytes. Byte
     * streams override it to read in bulk, as a tuned stream reader would.
     */
    default void drain(byte[] buf, int len, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            receive(buf, len);
        }
    }

    /** Sends a 1-byte message carrying one descriptor. */
    default void sendDescriptor() throws Exception {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot pass descriptors");
    }

    /** Receives a 1-byte message carrying one descriptor and closes the descriptor. */
    default void receiveDescriptor() throws Exception {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot pass descriptors");
    }

    /** Parent side: the child's pid, for the pinning check. */
    long peerPid();

    /** Parent side: ends the connection and waits for the child to exit. */
    @Override
    void close() throws Exception;
}
