package dev.switchboard.ipc.wire;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds every reader enforces on what a peer sends (docs/protocol.md §9); applications pass
 * them to invitations. Each bound is defined here once.
 *
 * @param maxFrameBytes largest accepted frame, header included (default 64 MiB + header)
 * @param maxHandlesPerFrame OS handles one frame may carry; never above {@link #HANDLE_CAP}
 * @param frameTimeout how long a frame may stay incomplete once its first byte has arrived; a
 *     peer that starts a frame and goes silent is dropped after this (default 30 s)
 * @param handshakeTimeout how long an inviter waits for ACCEPT once its channel is open; a child
 *     that connects and never accepts is dropped after this (default 30 s)
 */
public record Limits(int maxFrameBytes, int maxHandlesPerFrame, Duration frameTimeout, Duration handshakeTimeout) {

    /** The most handles one frame may carry (docs/protocol.md §3). */
    public static final int HANDLE_CAP = 60;

    public static final int DEFAULT_MAX_PAYLOAD = 64 << 20;

    public static final Duration DEFAULT_FRAME_TIMEOUT = Duration.ofSeconds(30);

    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(30);

    /**
     * The largest frame of a handshake: an INVITE naming the most pipes, each with the longest
     * name (docs/protocol.md §5). ACCEPT and CONNECT are smaller.
     */
    public static final int HANDSHAKE_MAX_FRAME_BYTES = FrameHeader.SIZE + 3 * Id128.SIZE + 4 + 4
            + FrameBody.Invite.MAX_PIPES * (Id128.SIZE + 2 + FrameBody.PipeName.MAX_NAME_BYTES);

    public static final Limits DEFAULT = new Limits(DEFAULT_MAX_PAYLOAD + FrameHeader.SIZE + 64, HANDLE_CAP);

    public Limits {
        if (maxFrameBytes < FrameHeader.SIZE + 64) {
            throw new IllegalArgumentException("maxFrameBytes must be at least " + (FrameHeader.SIZE + 64));
        }
        if (maxHandlesPerFrame < 0 || maxHandlesPerFrame > HANDLE_CAP) {
            throw new IllegalArgumentException("maxHandlesPerFrame must be within 0.." + HANDLE_CAP);
        }
        Objects.requireNonNull(frameTimeout, "frameTimeout");
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        if (frameTimeout.isNegative() || frameTimeout.isZero() || handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
    }

    /** Limits with the default timeouts. */
    public Limits(int maxFrameBytes, int maxHandlesPerFrame) {
        this(maxFrameBytes, maxHandlesPerFrame, DEFAULT_FRAME_TIMEOUT, DEFAULT_HANDSHAKE_TIMEOUT);
    }

    /** Limits that accept user payloads of up to {@code maxPayloadBytes}, with the default timeouts. */
    public static Limits withMaxPayload(int maxPayloadBytes) {
        if (maxPayloadBytes < 0 || maxPayloadBytes > Integer.MAX_VALUE - 1024) {
            throw new IllegalArgumentException("maxPayloadBytes out of range: " + maxPayloadBytes);
        }
        return new Limits(maxPayloadBytes + FrameHeader.SIZE + 64, HANDLE_CAP);
    }

    /** These limits with another {@link #frameTimeout()}. */
    public Limits withFrameTimeout(Duration timeout) {
        return new Limits(maxFrameBytes, maxHandlesPerFrame, timeout, handshakeTimeout);
    }

    /** These limits with another {@link #handshakeTimeout()}. */
    public Limits withHandshakeTimeout(Duration timeout) {
        return new Limits(maxFrameBytes, maxHandlesPerFrame, frameTimeout, timeout);
    }

    /**
     * What a channel accepts until its handshake is done: handshake-sized frames and no handles,
     * with these timeouts. The invitation raises the channel to these limits once INVITE (invitee)
     * or ACCEPT (inviter) has been processed.
     */
    public Limits forHandshake() {
        return new Limits(HANDSHAKE_MAX_FRAME_BYTES, 0, frameTimeout, handshakeTimeout);
    }
}
