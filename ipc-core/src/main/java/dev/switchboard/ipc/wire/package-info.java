/**
 * Internal: the wire format, frames and their codec, with the limits every reader enforces
 * ({@code docs/protocol.md} is the contract). Public only for Switchboard's own modules; not an
 * API, and it changes without notice.
 */
package dev.switchboard.ipc.wire;
