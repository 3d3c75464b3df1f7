package dev.switchboard.ipc.wire;

/**
 * Internal: bounds every reader enforces on what a peer sends.
 *
 * @param maxFrameBytes largest accepted frame, header included (default 64 MiB + header)
 * @param maxHandlesPerFrame OS handles one frame may carry; never above {@link #HANDLE_CAP}
 */
public record Limits(int maxFrameBytes, int maxHandlesPerFrame) {

    /** At most this many descriptors arrive with one read on a junixsocket channel. */
    public static final int HANDLE_CAP = 60;

    public static final int DEFAULT_MAX_PAYLOAD = 64 << 20;

    public static final Limits DEFAULT = new Limits(DEFAULT_MAX_PAYLOAD + FrameHeader.SIZE + 64, HANDLE_CAP);

    public Limits {
        if (maxFrameBytes < FrameHeader.SIZE + 64) {
            throw new IllegalArgumentException("maxFrameBytes must be at least " + (FrameHeader.SIZE + 64));
        }
        if (maxHandlesPerFrame < 0 || maxHandlesPerFrame > HANDLE_CAP) {
            throw new IllegalArgumentException("maxHandlesPerFrame must be within 0.." + HANDLE_CAP);
        }
    }

    /** Limits that accept user payloads of up to {@code maxPayloadBytes}. */
    public static Limits withMaxPayload(int maxPayloadBytes) {
        if (maxPayloadBytes < 0 || maxPayloadBytes > Integer.MAX_VALUE - 1024) {
            throw new IllegalArgumentException("maxPayloadBytes out of range: " + maxPayloadBytes);
        }
        return new Limits(maxPayloadBytes + FrameHeader.SIZE + 64, HANDLE_CAP);
    }
}
