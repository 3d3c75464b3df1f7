/**
 * Internal: the data-pipe ring, a single-producer single-consumer byte ring in memory that both
 * ends map, and its control block. Public only for Switchboard's own modules; not an API, and it
 * changes without notice. The user-facing type is {@code dev.switchboard.ipc.DataPipe}.
 *
 * <p>Pure logic: the memory comes from a {@link dev.switchboard.ipc.ring.RingRegion} (a direct
 * buffer in tests, a shared mapping between processes) and wake-ups leave through a
 * {@link dev.switchboard.ipc.ring.PeerSignal}. Each end validates every word it reads from the
 * shared control block, because the other end may be a hostile process. The byte layout is
 * described in {@code docs/shared-memory.md}, section "Data pipes".
 */
package dev.switchboard.ipc.ring;
