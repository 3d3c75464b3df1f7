/**
 * The sandbox side channel (Linux): synchronous requests from a sandboxed child to its host over
 * a SOCK_SEQPACKET socket, for code that cannot use the main message loop.
 * {@link dev.switchboard.ipc.broker.sandbox.SandboxIpcHost} answers,
 * {@link dev.switchboard.ipc.broker.sandbox.SandboxIpcClient} asks, and a
 * {@link dev.switchboard.ipc.broker.sandbox.RequestType} defines each kind of request. The packet
 * layout is in {@code docs/sandbox-ipc.md}.
 */
package dev.switchboard.ipc.broker.sandbox;
