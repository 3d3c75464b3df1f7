package dev.switchboard.ipc.bench.peer;

import java.util.ArrayList;
import java.util.List;

/**
 * The request and the reply of the typed-call comparison, field for field the same in both
 * series: a typed sync call carries it as a record, gRPC as a protobuf message. Sized so that
 * its pickled body is 64 bytes (int 4 + string 4 + {@link #TAG_CHARS} + list 4 + 8 ×
 * {@link #VALUE_COUNT}), the payload of the raw pipe's 64 B round trip it is compared with.
 */
public record Probe(int seq, String tag, List<Long> values) {

    public static final int TAG_CHARS = 20;
    public static final int VALUE_COUNT = 4;

    private static final String TAG = "probe-tag-0123456789".substring(0, TAG_CHARS);

    /** A fresh request, built as a caller would for each call. */
    public static Probe request(int seq) {
        List<Long> values = new ArrayList<>(VALUE_COUNT);
        for (int i = 0; i < VALUE_COUNT; i++) {
            values.add(seq * 31L + i);
        }
        return new Probe(seq, TAG, values);
    }

    /** What the callee answers: the same fields, so both directions carry the same bytes. */
    public Probe reply() {
        return new Probe(seq, tag, values);
    }
}
