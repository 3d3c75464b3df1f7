package dev.switchboard.ipc.typed;

/**
 * Sees every message (not replies) on the thread that delivers the channel's messages, before it
 * hops to the listener's executor, and may claim it. Filters run in the order they were added.
 * A filter must not block: it runs on a thread shared with I/O. It may send (replies and
 * messages go out in order), but a sync call from a filter, on any channel, fails at once
 * ({@link DeliveryThreadCallException}). A filter that throws is reported to
 * {@link IpcListener#onFilterError} and the message goes on to the next filter.
 */
public interface MessageFilter {

    /**
     * Added to {@code channel}; called before the first message.
     *
     * @param channel the channel, e.g. to send replies on later
     */
    default void onFilterAdded(IpcChannel channel) {}

    /**
     * A message arrived; runs on the delivering thread, so it must not block.
     *
     * @param message the message; a filter that claims it owns its handles and pipes
     * @return true to claim the message: no later filter and no listener sees it
     */
    boolean onMessageReceived(IncomingMessage message);

    /** The channel is closing (closed here, or the peer closed); no message follows. */
    default void onChannelClosing() {}

    /** Removed from its channel, or the channel closed. Called once, last. */
    default void onFilterRemoved() {}
}
