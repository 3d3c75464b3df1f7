package dev.switchboard.ipc.bench.peer;

import dev.switchboard.ipc.typed.MessageClass;
import dev.switchboard.ipc.typed.MessageId;
import dev.switchboard.ipc.typed.MessageTypes;
import dev.switchboard.ipc.typed.Sync;
import java.util.List;

/** The typed message of {@link TypedSyncSeries}: a {@link Probe}'s fields, answered with a {@link Probe}. */
@MessageClass(id = 0x7b01, name = "Bench")
public sealed interface BenchMessages {

    MessageTypes TYPES = MessageTypes.of(BenchMessages.class);

    @MessageId(1)
    @Sync(reply = Probe.class)
    record ProbeCall(int seq, String tag, List<Long> values) implements BenchMessages {

        static ProbeCall of(Probe p) {
            return new ProbeCall(p.seq(), p.tag(), p.values());
        }
    }
}
