package dev.switchboard.ipc.bench.jmh;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.pickle.ParamCodec;
import dev.switchboard.ipc.pickle.ParamCodecs;
import dev.switchboard.ipc.pickle.Pickle;
import dev.switchboard.ipc.pickle.PickleReader;
import dev.switchboard.ipc.typed.DecodedMessage;
import dev.switchboard.ipc.typed.MessageClass;
import dev.switchboard.ipc.typed.MessageCodec;
import dev.switchboard.ipc.typed.MessageId;
import dev.switchboard.ipc.typed.MessageRouter;
import dev.switchboard.ipc.typed.MessageTypes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The CPU and allocation cost of a typed message's body, with no I/O: a record of an {@code int},
 * a 32-character {@code String} and a {@code List<Long>} of 8 is pickled into a fresh message body
 * (what a send does: a new pickle, then the body array handed to the pipe) and read back into a
 * new record through its canonical constructor, with the reader's strict end check (what a
 * receive does). {@link #messageEncodeDecode} does the same through the channel's own codec: the
 * 20-byte header too, into a {@link Message} and back. Run with JMH's GC profiler (see
 * {@code MicroBenchmarks}) for bytes per op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TypedCodecBenchmark {

    /** The record measured. Public so that the codec registry may call its canonical constructor. */
    public record Sample(int id, String name, List<Long> values) {}

    /** The same fields as a declared message, for the full message path. */
    @MessageClass(id = 0x7b02, name = "CodecBench")
    public sealed interface CodecBench {
        @MessageId(1) record SampleMessage(int id, String name, List<Long> values) implements CodecBench {}
    }

    private static final MessageTypes TYPES = MessageTypes.of(CodecBench.class);

    private CodecBench.SampleMessage message;

    private ParamCodec<Sample> codec;
    private Sample sample;
    private byte[] encoded;

    @Setup
    public void setUp() {
        codec = ParamCodecs.defaults().codecFor(Sample.class);
        List<Long> values = new ArrayList<>();
        for (long i = 0; i < 8; i++) {
            values.add(1_000_000_007L * i);
        }
        sample = new Sample(42, "abcdefghijklmnopqrstuvwxyz012345", values);
        encoded = encode(sample);
        if (encoded.length != 4 + 4 + 32 + 4 + 8 * 8) {
            throw new IllegalStateException("unexpected body size " + encoded.length);
        }
        if (!decode(encoded).equals(sample)) {
            throw new IllegalStateException("round trip changed the record");
        }
        message = new CodecBench.SampleMessage(sample.id(), sample.name(), sample.values());
        if (!messageEncodeDecode().equals(message)) {
            throw new IllegalStateException("the message round trip changed the record");
        }
    }

    @Benchmark
    public Object messageEncodeDecode() {
        try (Message m = MessageCodec.encodeRequest(TYPES, MessageRouter.CONTROL, message, 0, 0)) {
            DecodedMessage d = MessageCodec.decode(TYPES, m.bytes(), List.of(), List.of());
            return d.body();
        }
    }

    @Benchmark
    public Sample encodeDecode() {
        return decode(encode(sample));
    }

    @Benchmark
    public byte[] encode() {
        return encode(sample);
    }

    @Benchmark
    public Sample decode() {
        return decode(encoded);
    }

    private byte[] encode(Sample s) {
        Pickle p = new Pickle();
        codec.write(p, s);
        return p.toByteArray();
    }

    private Sample decode(byte[] body) {
        PickleReader r = new PickleReader(body);
        Sample s = codec.read(r);
        r.finish();
        return s;
    }
}
