/**
 * Internal: the ports engine, message pipes whose ends can travel between nodes inside messages.
 * Public only for Switchboard's own modules; not an API, and it changes without notice.
 *
 * <p>Pure logic, modelled on Chromium Mojo's {@code mojo/core/ports}: no I/O, no threads of its own.
 * A {@link dev.switchboard.ipc.ports.Node} owns the ports of one process and talks to other nodes
 * only through the {@link dev.switchboard.ipc.ports.Event}s it hands to its
 * {@link dev.switchboard.ipc.ports.NodeDelegate}; the embedder carries those events over node channels
 * (encoded with {@link dev.switchboard.ipc.ports.EventCodec}) and feeds the ones it receives back in
 * with {@link dev.switchboard.ipc.ports.Node#acceptEvent}. The algorithm and the byte layouts are
 * described in {@code docs/ports.md}.
 */
package dev.switchboard.ipc.ports;
