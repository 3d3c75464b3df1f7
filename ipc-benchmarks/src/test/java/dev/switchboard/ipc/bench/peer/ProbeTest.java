package dev.switchboard.ipc.bench.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.CodedInputStream;
import dev.switchboard.ipc.pickle.ParamCodec;
import dev.switchboard.ipc.pickle.Pickle;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The typed-call comparison carries what it claims: 64 pickled bytes, and the same fields through protobuf. */
class ProbeTest {

    @Test
    void theProbeCallPicklesTo64Bytes() {
        @SuppressWarnings("unchecked")
        ParamCodec<BenchMessages.ProbeCall> codec = (ParamCodec<BenchMessages.ProbeCall>)
                BenchMessages.TYPES.codecs().codecFor(BenchMessages.ProbeCall.class);
        Pickle p = new Pickle();
        codec.write(p, BenchMessages.ProbeCall.of(Probe.request(7)));
        assertEquals(64, p.size());
    }

    @Test
    void protobufCarriesEveryFieldBothWays() throws IOException {
        Probe sent = Probe.request(123_456);
        byte[] wire = ProtobufProbe.encode(sent);
        assertEquals(sent, ProtobufProbe.decode(CodedInputStream.newInstance(wire)));
        assertEquals(sent.reply(), ProtobufProbe.decode(CodedInputStream.newInstance(ProtobufProbe.encode(sent.reply()))));
    }
}
