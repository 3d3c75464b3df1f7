package dev.switchboard.ipc;

/**
 * A descriptor that was handed over as a {@link SharedBuffer} is not what its sender declared: not
 * a shared-memory file, its size not sealed, smaller than declared, or writable when declared
 * read-only (or the reverse). The descriptor was closed without being mapped.
 */
public final class InvalidSharedBufferException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** @param reason what is wrong with it */
    public InvalidSharedBufferException(String reason) {
        super(reason);
    }
}
