/**
 * Handles, messages and message pipes: what processes exchange. Start with
 * {@link dev.switchboard.ipc.MessagePipe} and {@link dev.switchboard.ipc.Message}; the broker
 * module ({@code dev.switchboard.ipc.broker}) launches children and connects them with
 * invitations.
 *
 * <p>Ownership is explicit: every {@link dev.switchboard.ipc.Handle} has exactly one owner, and
 * each method that moves one says so.
 */
package dev.switchboard.ipc;
