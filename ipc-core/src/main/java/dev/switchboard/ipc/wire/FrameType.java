package dev.switchboard.ipc.wire;

/** Internal: the type byte of a frame header. Values are fixed by docs/protocol.md. */
public enum FrameType {
    /** Named-channel preface: the connecting process proves it holds the one-time token. */
    CONNECT(0x01, 0),
    /** Inviter to invitee: token, node names, the named pipes of the invitation. */
    INVITE(0x02, 0),
    /** Invitee to inviter: token echoed, invitee node name, its port for each pipe. */
    ACCEPT(0x03, 0),
    /** A ports event (docs/ports.md); a user message's OS handles ride on this frame. */
    EVENT(0x06, -1),
    /** Client to broker: give me a channel to this node. */
    REQUEST_INTRODUCTION(0x07, 0),
    /** Broker to client: a channel to a node (one handle), or that there is none (no handle). */
    INTRODUCE(0x08, -1),
    /** Broker to client: this node is gone; every route through it is lost. */
    NODE_LOST(0x09, 0),
    /** Non-broker inviter to broker: my invitee joined; connect it to you. */
    ADD_CLIENT(0x0A, 0),
    /** Broker to that inviter: the invitee's end of its new channel to the broker (one handle). */
    CLIENT_ADDED(0x0B, 1),
    /** Inviter to invitee: a channel to the broker of this graph (one handle). */
    BROKER_CHANNEL(0x0C, 1),
    /** A message from a node was bad; passed towards the process that invited that node. */
    BAD_MESSAGE(0x0D, 0),
    /** Invitee to broker, the first frame on the channel BROKER_CHANNEL gave it: its own node name. */
    CLIENT_HELLO(0x0E, 0),
    /** Client to its broker: create a shared buffer for me (a process that may not create memory). */
    ALLOCATE_SHARED_BUFFER(0x0F, 0),
    /** Broker to that client: the buffer (one handle), or why not (no handle). */
    SHARED_BUFFER_ALLOCATED(0x10, -1);

    private static final FrameType[] BY_CODE = new FrameType[256];

    static {
        for (FrameType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    public final int code;
    /** Handles a frame of this type carries: that exact number, or -1 for "0 up to the limit". */
    public final int handles;

    FrameType(int code, int handles) {
        this.code = code;
        this.handles = handles;
    }

    /** @return the type for {@code code}, or null when it names no type of this protocol version */
    public static FrameType of(int code) {
        return code >= 0 && code < 256 ? BY_CODE[code] : null;
    }
}
