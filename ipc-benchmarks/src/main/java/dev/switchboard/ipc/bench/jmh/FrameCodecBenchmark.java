package dev.switchboard.ipc.bench.jmh;

import dev.switchboard.ipc.ports.BytesPayload;
import dev.switchboard.ipc.ports.Event;
import dev.switchboard.ipc.ports.EventCodec;
import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.FrameCodec;
import dev.switchboard.ipc.wire.FrameHeader;
import dev.switchboard.ipc.wire.Id128;
import dev.switchboard.ipc.wire.Limits;
import dev.switchboard.ipc.wire.ProtocolException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The per-message CPU cost of the wire format, with no I/O: encoding an EVENT frame that carries
 * a ports user message into a reused buffer (what the writer does per message: event header, then
 * frame header and one payload copy) and validating plus decoding one, frame and event (what the
 * reader does).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FrameCodecBenchmark {

    @Param({"64", "4096", "65536"})
    public int payloadBytes;

    private Event.UserMessage event;
    private ByteBuffer payload;
    private FrameBody.Event message;
    private ByteBuffer out;
    private ByteBuffer encoded;

    @Setup
    public void setUp() {
        byte[] payload = new byte[payloadBytes];
        Arrays.fill(payload, (byte) 'x');
        this.payload = ByteBuffer.wrap(payload);
        event = new Event.UserMessage(Id128.random(), Id128.random(), 1, List.of(), new BytesPayload(ByteBuffer.allocate(0)));
        message = new FrameBody.Event(EventCodec.encode(event), this.payload);
        out = ByteBuffer.allocate(FrameCodec.encodedLength(message));
        encoded = ByteBuffer.allocate(FrameCodec.encodedLength(message));
        FrameCodec.encode(message, 0, encoded);
        encoded.flip();
    }

    @Benchmark
    public ByteBuffer encode() {
        out.clear();
        FrameCodec.encode(new FrameBody.Event(EventCodec.encode(event), payload), 0, out);
        return out;
    }

    @Benchmark
    public Event decode() throws ProtocolException {
        FrameHeader header = FrameHeader.peek(encoded, Limits.DEFAULT);
        ByteBuffer body = encoded.duplicate();
        body.position(encoded.position() + FrameHeader.SIZE).limit(encoded.position() + header.frameLength());
        FrameBody.Event frame = (FrameBody.Event) FrameCodec.decode(header, body);
        return EventCodec.decode(frame.bytes());
    }
}
