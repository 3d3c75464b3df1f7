package dev.switchboard.ipc.broker.sandbox;

/**
 * Why the host dropped a request without answering. A dropped request's descriptors are closed,
 * so the child's blocked read ends with end-of-file, never a hang. The checks run in this order
 * and the first that applies is counted.
 */
public enum RejectReason {
    /** Longer than {@link SandboxIpcHost.Options#maxRequestBytes()}. */
    OVERSIZED,
    /** More than one descriptor attached: a request carries exactly its reply channel. */
    TOO_MANY_DESCRIPTORS,
    /** No descriptor attached, so there is nowhere to answer. */
    NO_REPLY_CHANNEL,
    /** The attached descriptor is not a socket (a pipe, a file, ...). */
    REPLY_CHANNEL_NOT_A_SOCKET,
    /** The attached descriptor is a socket, but not SOCK_SEQPACKET. */
    REPLY_CHANNEL_WRONG_TYPE,
    /** No registered request type has this magic. */
    UNKNOWN_TYPE,
    /** Shorter than the magic, or the body does not decode, or bytes are left over. */
    MALFORMED_PAYLOAD
}
