package dev.switchboard.ipc.typed;

/**
 * Receives a channel's messages on the executor given to {@link IpcChannel#over}. Calls for one
 * channel never overlap and keep arrival order (except sync requests that arrive while that same
 * dispatch is blocked in a sync call: those run nested inside it, see {@link IpcChannel#sendSync}).
 */
public interface IpcListener {

    /**
     * A message. Return true when handled. For a message that expects a reply, call
     * {@link IncomingMessage#reply} (now or later, from any thread); a request that no listener
     * handles gets an error reply, so its sender does not wait for nothing.
     *
     * @param message the message; when handled, the listener owns the handles and pipes in it
     * @return true when handled; false closes the message's handles (and error-replies a request)
     */
    boolean onMessage(IncomingMessage message);

    /**
     * A message from the peer was rejected and reported (already sent to the process error handler).
     *
     * @param report what was wrong
     */
    default void onBadMessage(BadMessage report) {}

    /** The peer closed, or its process died, after every message it sent was delivered. Called once. */
    default void onPeerClosed() {}

    /**
     * A filter threw; the message it was looking at went on to the next filter.
     *
     * @param filter the filter that threw
     * @param error what it threw
     */
    default void onFilterError(MessageFilter filter, RuntimeException error) {}
}
