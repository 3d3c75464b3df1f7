/**
 * Launching children and connecting processes: {@link dev.switchboard.ipc.broker.ChildProcessLauncher}
 * starts a child with its end of a platform channel, {@link dev.switchboard.ipc.broker.OutgoingInvitation}
 * and {@link dev.switchboard.ipc.broker.IncomingInvitation} bring it into this process's graph with
 * named message pipes, and a {@link dev.switchboard.ipc.broker.ProcessErrorHandler} hears when it
 * misbehaves or goes away.
 */
package dev.switchboard.ipc.broker;
