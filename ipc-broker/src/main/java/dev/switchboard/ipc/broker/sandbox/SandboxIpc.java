package dev.switchboard.ipc.broker.sandbox;

import java.util.Optional;

/**
 * Constants of the sandbox IPC channel: how a child finds it and the packet layout
 * (docs/sandbox-ipc.md has the byte offsets). All numbers on the wire are big-endian.
 */
public final class SandboxIpc {

    private SandboxIpc() {}

    /** The command-line switch naming the inherited socket, e.g. {@code --switchboard-sandbox-ipc=fd:4}. */
    public static final String SWITCH = "--switchboard-sandbox-ipc";
    /** The system property a Java child launched by {@code ChildProcessLauncher.forJava} also gets. */
    public static final String PROPERTY = "switchboard.sandboxIpc";
    /** The slot the shared socket goes to unless the launcher is told otherwise (Chromium's too). */
    public static final int DEFAULT_SLOT = 4;

    /** Every request starts with its type's magic int32 at offset 0; the body follows at 4. */
    public static final int MAGIC_BYTES = 4;
    /** Every reply starts with one of the STATUS_ values (int32) at offset 0; the body follows at 4. */
    public static final int STATUS_BYTES = 4;
    /** Reply status: the body is the reply codec's, handles included. */
    public static final int STATUS_OK = 0;
    /** Reply status: the body is the refusal reason (a string); no handles. */
    public static final int STATUS_REFUSED = 1;
    /** Reply status: the handler failed; the body is a short description (a string); no handles. */
    public static final int STATUS_FAILED = 2;

    /** Largest reply, status included; the client reads no more. */
    public static final int MAX_REPLY_BYTES = 64 * 1024;
    /** Most handles one reply may carry. */
    public static final int MAX_REPLY_HANDLES = 16;

    /**
     * Magics {@code 0x5342xxxx} ("SB") are Switchboard's own; {@link RequestType#of} refuses them.
     */
    static final int RESERVED_MAGIC_PREFIX = 0x5342;

    /**
     * Finds the value of {@link #SWITCH} in {@code args} ({@code SWITCH=VALUE} or the next argument).
     *
     * @param args command-line arguments
     * @return the value, or empty when the switch is absent
     */
    public static Optional<String> findSwitch(String[] args) {
        return dev.switchboard.ipc.PlatformChannelEndpoint.findSwitch(args, SWITCH);
    }
}
