package dev.switchboard.ipc.bench.jmh;

import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.FrameCodec;
import dev.switchboard.ipc.wire.FrameHeader;
import dev.switchboard.ipc.wire.Id128;
import dev.switchboard.ipc.wire.Limits;
import dev.switchboard.ipc.wire.ProtocolException;
import java.nio.ByteBuffer;
import java.util.Arrays;
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
 * The per-message CPU cost of the wire format, with no I/O: encoding a MESSAGE frame into a
 * reused buffer (what the writer does per message) and validating plus decoding one (what the
 * reader does). The payload copy in encode is part of the cost being measured.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FrameCodecBenchmark {

    @Param({"64", "4096", "65536"})
    public int payloadBytes;

    private FrameBody.Message message;
    private ByteBuffer out;
    private ByteBuffer encoded;

    @Setup
    public void setUp() {
        byte[] payload = new byte[payloadBytes];
        Arrays.fill(payload, (byte) 'x');
        message = new FrameBody.Message(Id128.random(), ByteBuffer.wrap(payload));
        out = ByteBuffer.allocate(FrameCodec.encodedLength(message));
        encoded = ByteBuffer.allocate(FrameCodec.encodedLength(message));
        FrameCodec.encode(message, 0, encoded);
        encoded.flip();
    }

    @Benchmark
    public ByteBuffer encode() {
        out.clear();
        FrameCodec.encode(message, 0, out);
        return out;
    }

    @Benchmark
    public FrameBody decode() throws ProtocolException {
        FrameHeader header = FrameHeader.peek(encoded, Limits.DEFAULT);
        ByteBuffer body = encoded.duplicate();
        body.position(encoded.position() + FrameHeader.SIZE).limit(encoded.position() + header.frameLength());
        return FrameCodec.decode(header, body);
    }
}
