/**
 * The outcomes of data-pipe operations ({@code dev.switchboard.ipc.DataPipe}): a status, a count
 * of bytes moved, the region of a two-phase read or write, and whether a transfer may be partial.
 */
package dev.switchboard.ipc.datapipe;
