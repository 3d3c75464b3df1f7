package dev.switchboard.ipc.broker.sandbox;

/**
 * Turns one request or reply type into the bytes (and, for replies, the handles) of a packet.
 * {@link #decode} must read exactly what {@link #encode} wrote: the host rejects a request with
 * bytes left over, the client a reply.
 *
 * <p>Implementations are called on the host's handler thread and on any client thread, so they
 * must be stateless or thread-safe.
 *
 * @param <T> the value type
 */
public interface SandboxCodec<T> {

    /**
     * Writes {@code value}. Handles given to {@link PacketWriter#attach} belong to the writer.
     *
     * @param value the value
     * @param out the packet body
     */
    void encode(T value, PacketWriter out);

    /**
     * Reads a value. Handles taken with {@link PacketReader#takeHandle} belong to the value;
     * those not taken are closed with the reader.
     *
     * @param in the packet body
     * @return the value
     *
     * @throws MalformedPacketException when the bytes do not form a value
     */
    T decode(PacketReader in);
}
