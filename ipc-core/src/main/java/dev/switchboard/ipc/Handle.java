package dev.switchboard.ipc;

/**
 * Something a {@link Message} can carry besides bytes: an OS handle ({@link PlatformHandle}) or
 * one end of a message pipe ({@link MessagePipe}). Writing the message moves it to the receiver.
 */
public sealed interface Handle extends AutoCloseable permits PlatformHandle, MessagePipe {

    /** Closes it if this process still owns it. Idempotent. */
    @Override
    void close();
}
