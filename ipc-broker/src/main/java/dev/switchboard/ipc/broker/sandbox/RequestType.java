package dev.switchboard.ipc.broker.sandbox;

import java.util.Objects;

/**
 * One kind of sandbox request: the magic int32 that opens its packets, and the codecs of its
 * request and reply. Client and host must use the same definition; typically it is a constant in
 * code both processes load.
 *
 * <pre>{@code
 * static final RequestType<String, PlatformHandle> FONT_FILE = RequestType.of("FontFile", 0x464F4E54,
 *         SandboxCodecs.STRING, SandboxCodecs.HANDLE);
 * }</pre>
 *
 * @param <Q> request type
 * @param <R> reply type
 */
public final class RequestType<Q, R> {

    private final String name;
    private final int magic;
    private final SandboxCodec<Q> requestCodec;
    private final SandboxCodec<R> replyCodec;

    private RequestType(String name, int magic, SandboxCodec<Q> requestCodec, SandboxCodec<R> replyCodec) {
        this.name = Objects.requireNonNull(name);
        this.magic = magic;
        this.requestCodec = Objects.requireNonNull(requestCodec);
        this.replyCodec = Objects.requireNonNull(replyCodec);
    }

    /**
     * A user request type.
     *
     * @param name shown in errors and logs
     * @param magic the int32 that opens its packets, unique among the host's request types
     * @param requestCodec encodes requests on the client, decodes them on the host
     * @param replyCodec encodes replies on the host, decodes them on the client
     * @param <Q> request type
     * @param <R> reply type
     * @return the request type
     * @throws IllegalArgumentException for a magic in Switchboard's reserved range
     *                                  ({@code 0x5342xxxx})
     */
    public static <Q, R> RequestType<Q, R> of(String name, int magic, SandboxCodec<Q> requestCodec,
                                              SandboxCodec<R> replyCodec) {
        if (magic >>> 16 == SandboxIpc.RESERVED_MAGIC_PREFIX) {
            throw new IllegalArgumentException(String.format("magic 0x%08X is in Switchboard's reserved range 0x5342xxxx", magic));
        }
        return new RequestType<>(name, magic, requestCodec, replyCodec);
    }

    static <Q, R> RequestType<Q, R> builtIn(String name, int magic, SandboxCodec<Q> requestCodec,
                                            SandboxCodec<R> replyCodec) {
        return new RequestType<>(name, magic, requestCodec, replyCodec);
    }

    /** {@return the name shown in errors and logs} */
    public String name() {
        return name;
    }

    /** {@return the int32 that opens this type's packets} */
    public int magic() {
        return magic;
    }

    /** {@return the codec of the request} */
    public SandboxCodec<Q> requestCodec() {
        return requestCodec;
    }

    /** {@return the codec of the reply} */
    public SandboxCodec<R> replyCodec() {
        return replyCodec;
    }

    @Override
    public String toString() {
        return String.format("%s(0x%08X)", name, magic);
    }
}
