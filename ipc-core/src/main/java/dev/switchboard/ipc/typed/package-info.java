/**
 * Typed messages over a {@link dev.switchboard.ipc.MessagePipe}, without macros and without an
 * IDL: messages are records (grouped in a sealed interface annotated
 * {@link dev.switchboard.ipc.typed.MessageClass}) or methods of an annotated Java interface;
 * {@link dev.switchboard.ipc.typed.MessageTypes} is the closed registry of what a process accepts;
 * {@link dev.switchboard.ipc.typed.IpcChannel} sends them, runs
 * {@link dev.switchboard.ipc.typed.MessageFilter}s on the delivery thread and hands the rest to an
 * {@link dev.switchboard.ipc.typed.IpcListener} (a {@link dev.switchboard.ipc.typed.MessageMap},
 * a {@link dev.switchboard.ipc.typed.MessageRouter}, or your own) on your executor, with
 * synchronous calls that block, time out, and nest. {@link dev.switchboard.ipc.typed.Remote} and
 * {@link dev.switchboard.ipc.typed.Receiver} bind a Java interface directly.
 *
 * <p>The message header and body layouts are in {@code docs/protocol.md}, "Typed messages".
 */
package dev.switchboard.ipc.typed;
