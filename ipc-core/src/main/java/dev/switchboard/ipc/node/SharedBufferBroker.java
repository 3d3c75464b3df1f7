package dev.switchboard.ipc.node;

import dev.switchboard.ipc.spi.HandleOps;
import dev.switchboard.ipc.spi.SharedMemoryOps;
import dev.switchboard.ipc.spi.Transport;
import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.FrameBody.SharedBufferAllocated;
import dev.switchboard.ipc.wire.Id128;
import dev.switchboard.ipc.wire.ProtocolException;
import dev.switchboard.ipc.wire.SharedMemoryLimits;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Internal: shared buffers a broker creates for clients that may not create memory themselves
 * (docs/protocol.md §4, ALLOCATE_SHARED_BUFFER), within a quota for each untrusted client; and, on
 * a client, the requests waiting for the broker's answer.
 */
final class SharedBufferBroker {

    /**
     * The broker's answer as the client sees it.
     *
     * @param status {@link SharedBufferAllocated#OK} or why not
     * @param reason the broker's reason when not
     * @param fd the buffer's descriptor, checked, owned by the receiver of this answer; -1 when not OK
     */
    record Answer(int status, String reason, long fd) {}

    /**
     * Refusals an untrusted client may collect. Each is a frame the broker must write, so a client
     * that asks on and on without reading the answers would grow the broker's outbound queue; past
     * this many it is breaking the rules (protocol.md §4) and is dropped.
     */
    static final int MAX_REFUSALS = 1024;

    private final Transport transport;
    private final HandleOps ops;
    /** Broker: bytes, buffers and refusals of each untrusted client so far. Guarded by this. */
    private final Map<Id128, long[]> granted = new HashMap<>();
    /** Client: requests sent to the broker, by id. */
    private final Map<Long, CompletableFuture<Answer>> waiting = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(1);

    SharedBufferBroker(Transport transport, HandleOps ops) {
        this.transport = transport;
        this.ops = ops;
    }

    // ------------------------------------------------------------ broker side (I/O thread)

    /**
     * Answers one request; a refusal is an answer, never a disconnect.
     *
     * @return null, or why an untrusted client is to be dropped (it collected {@link #MAX_REFUSALS})
     */
    String onRequest(NodeChannel channel, Id128 client, boolean untrusted, FrameBody.AllocateSharedBuffer request) {
        SharedMemoryLimits limits = SharedMemoryLimits.current();
        long size = request.size();
        if (untrusted) {
            synchronized (this) {
                long[] used = granted.computeIfAbsent(client, k -> new long[3]);
                int status = SharedBufferAllocated.OK;
                String reason = "";
                if (size > limits.maxBufferBytes()) {
                    status = SharedBufferAllocated.TOO_LARGE;
                    reason = "a shared buffer of " + size + " bytes is above the broker's limit of " + limits.maxBufferBytes();
                } else if (used[1] + 1 > limits.untrustedQuotaBuffers()) {
                    status = SharedBufferAllocated.QUOTA_COUNT;
                    reason = "this process was given its quota of " + limits.untrustedQuotaBuffers() + " shared buffers";
                } else if (used[0] > limits.untrustedQuotaBytes() - size) {
                    status = SharedBufferAllocated.QUOTA_BYTES;
                    reason = "this process was given " + used[0] + " bytes of shared memory; " + size
                            + " more would pass its quota of " + limits.untrustedQuotaBytes();
                }
                if (status != SharedBufferAllocated.OK) {
                    if (++used[2] > MAX_REFUSALS) {
                        return "untrusted process asked for shared memory " + MAX_REFUSALS + " times more after it was refused";
                    }
                    refuse(channel, request, status, reason);
                    return null;
                }
                used[0] += size;
                used[1]++;
            }
        } else if (size > limits.maxBufferBytes()) {
            refuse(channel, request, SharedBufferAllocated.TOO_LARGE,
                    "a shared buffer of " + size + " bytes is above the broker's limit of " + limits.maxBufferBytes());
            return null;
        }
        long fd;
        try {
            fd = transport.sharedMemory().create(size);
        } catch (IOException | UnsupportedOperationException e) {
            if (untrusted) {
                synchronized (this) {
                    long[] used = granted.get(client);
                    used[0] -= size;
                    used[1]--;
                }
            }
            refuse(channel, request, SharedBufferAllocated.FAILED, "the broker cannot create it: " + e.getMessage());
            return null;
        }
        // ownership of fd: here -> the channel, which closes it once sent (the client gets its own)
        channel.send(new SharedBufferAllocated(request.requestId(), size, SharedBufferAllocated.OK, ""), new long[] {fd});
        return null;
    }

    private static void refuse(NodeChannel channel, FrameBody.AllocateSharedBuffer request, int status, String reason) {
        channel.send(new SharedBufferAllocated(request.requestId(), request.size(), status, reason));
    }

    /** The client is gone: its record goes (a new process is a new node, with a quota of its own). */
    synchronized void forget(Id128 client) {
        granted.remove(client);
    }

    // ------------------------------------------------------------ client side

    /** Sends a request; the future completes with the broker's answer, or fails when the broker is lost. */
    CompletableFuture<Answer> request(NodeChannel broker, long size) {
        long id = nextId.getAndIncrement();
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        waiting.put(id, answer);
        answer.whenComplete((a, e) -> waiting.remove(id));
        broker.send(new FrameBody.AllocateSharedBuffer(id, size));
        return answer;
    }

    /**
     * The broker answered (I/O thread). A buffer that is not what the protocol promises is a
     * protocol error of the broker's channel.
     *
     * @param handles the frame's handles; taken here
     */
    void onAnswer(SharedBufferAllocated answer, long[] handles) throws ProtocolException {
        long[] mine = NodeChannel.take(handles);
        CompletableFuture<Answer> f = waiting.remove(answer.requestId());
        if (answer.status() != SharedBufferAllocated.OK) {
            if (f != null) {
                f.complete(new Answer(answer.status(), answer.reason(), -1));
            }
            return;
        }
        long fd = mine[0];
        String wrong;
        try {
            SharedMemoryOps memory = transport.sharedMemory();
            wrong = memory.inspect(fd).mismatch(answer.size(), false);
        } catch (IOException | UnsupportedOperationException e) {
            wrong = "not a sealable shared-memory file (" + e.getMessage() + ")";
        }
        if (wrong != null) {
            ops.close(fd);
            if (f != null) {
                f.completeExceptionally(new IOException("the broker's shared buffer is not what it claims: " + wrong));
            }
            throw new ProtocolException("SHARED_BUFFER_ALLOCATED handle is not the shared buffer it claims to be: " + wrong);
        }
        if (f == null || !f.complete(new Answer(SharedBufferAllocated.OK, "", fd))) {
            ops.close(fd); // nobody waits any more (timed out)
        }
    }

    /** The channel to the broker is gone: every waiting request fails. */
    void brokerLost() {
        for (CompletableFuture<Answer> f : waiting.values()) {
            f.completeExceptionally(new IOException("the channel to the broker closed before it answered"));
        }
    }
}
