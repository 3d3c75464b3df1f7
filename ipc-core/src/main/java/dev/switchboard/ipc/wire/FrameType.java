package dev.switchboard.ipc.wire;

/** The type byte of a frame header. Values are fixed by docs/protocol.md. */
public enum FrameType {
    /** Named-channel preface: the connecting process proves it holds the one-time token. */
    CONNECT(0x01),
    /** Inviter to invitee: token, inviter node name, the named pipes of the invitation. */
    INVITE(0x02),
    /** Invitee to inviter: token echoed, invitee node name. */
    ACCEPT(0x03),
    /** A user message for one pipe, with its OS handles attached to this frame. */
    MESSAGE(0x04),
    /** The sender closed its end of a pipe; no MESSAGE for that pipe follows. */
    PIPE_CLOSED(0x05);

    private static final FrameType[] BY_CODE = new FrameType[256];

    static {
        for (FrameType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    public final int code;

    FrameType(int code) {
        this.code = code;
    }

    /** @return the type for {@code code}, or null when it names no type of this protocol version */
    public static FrameType of(int code) {
        return code >= 0 && code < 256 ? BY_CODE[code] : null;
    }
}
