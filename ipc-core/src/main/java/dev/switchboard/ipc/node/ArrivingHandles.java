package dev.switchboard.ipc.node;

import dev.switchboard.ipc.spi.SharedMemoryOps;
import dev.switchboard.ipc.spi.Transport;
import dev.switchboard.ipc.wire.HandleDescriptor;
import dev.switchboard.ipc.wire.ProtocolException;
import dev.switchboard.ipc.wire.SharedMemoryLimits;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Internal: reads the handle descriptors of a USER_MESSAGE that arrived from another process and
 * checks each handle against its descriptor before anything maps it (docs/protocol.md §6): a
 * shared buffer must be a shared-memory file whose size is sealed, at least as large as claimed,
 * and read-only (sealed against writing, opened read-only) exactly when it claims to be.
 */
final class ArrivingHandles {

    private ArrivingHandles() {}

    /**
     * Takes the descriptor table off the front of the payload and checks the handles.
     *
     * @param inBody the payload bytes that came with the event header; advanced past the table
     * @param tail the rest of the payload; advanced past what of the table it held
     * @param handles the frame's handles, borrowed
     * @return one descriptor per handle
     * @throws ProtocolException naming the handle and what is wrong with it; the caller closes the handles
     */
    static HandleDescriptor[] read(ByteBuffer inBody, ByteBuffer tail, long[] handles, Transport transport)
            throws ProtocolException {
        int tableBytes = handles.length * HandleDescriptor.SIZE;
        ByteBuffer table;
        if (inBody.remaining() >= tableBytes) {
            table = inBody;
        } else {
            // a transport split the body inside the table: gather it (at most 60 descriptors)
            if ((long) inBody.remaining() + tail.remaining() < tableBytes) {
                throw new ProtocolException("USER_MESSAGE carries " + handles.length + " handles but has "
                        + (inBody.remaining() + tail.remaining()) + " bytes for their descriptors; they need " + tableBytes);
            }
            table = ByteBuffer.allocate(tableBytes);
            int fromTail = tableBytes - inBody.remaining();
            table.put(inBody);
            table.put(tail.slice().limit(fromTail));
            tail.position(tail.position() + fromTail);
            table.flip();
        }
        HandleDescriptor[] descriptors = HandleDescriptor.decode(table, handles.length,
                SharedMemoryLimits.current().maxBufferBytes());
        for (int i = 0; i < descriptors.length; i++) {
            if (descriptors[i] instanceof HandleDescriptor.SharedMemory s) {
                check(i, s, handles[i], transport);
            }
        }
        return descriptors;
    }

    private static void check(int index, HandleDescriptor.SharedMemory claimed, long handle, Transport transport)
            throws ProtocolException {
        SharedMemoryOps memory;
        try {
            memory = transport.sharedMemory();
        } catch (UnsupportedOperationException e) {
            throw new ProtocolException("handle " + index + " is a shared buffer, which this process cannot receive: " + e.getMessage());
        }
        SharedMemoryOps.RegionInfo info;
        try {
            info = memory.inspect(handle);
        } catch (IOException e) {
            throw new ProtocolException("handle " + index + " claims to be a shared buffer but is not a sealable shared-memory file ("
                    + e.getMessage() + ")");
        }
        String wrong = info.mismatch(claimed.size(), claimed.readOnly());
        if (wrong != null) {
            throw new ProtocolException("handle " + index + " is not the shared buffer it claims to be: " + wrong);
        }
    }
}
