package dev.switchboard.ipc.node;

import dev.switchboard.ipc.spi.HandleOps;

/**
 * A message below the API: payload bytes and raw OS handle values. Whoever holds a RawMessage
 * owns its handles until it hands the message on or calls {@link #closeHandles}.
 */
public record RawMessage(byte[] payload, long[] handles) {

    public static final long[] NO_HANDLES = new long[0];

    public void closeHandles(HandleOps ops) {
        for (long h : handles) {
            ops.close(h);
        }
    }
}
