package dev.switchboard.ipc.bench.peer;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link Probe} as the protobuf message
 * <pre>
 * message Probe { int32 seq = 1; string tag = 2; repeated int64 values = 3; }  // values packed
 * </pre>
 * encoded and parsed with protobuf-java's {@link CodedOutputStream} / {@link CodedInputStream},
 * the calls protoc's generated code makes (no protoc in this build). Unknown fields are skipped,
 * as generated parsers do.
 */
final class ProtobufProbe implements MethodDescriptor.Marshaller<Probe> {

    static final ProtobufProbe INSTANCE = new ProtobufProbe();

    private static final int SEQ = 1;
    private static final int TAG = 2;
    private static final int VALUES = 3;

    private ProtobufProbe() {}

    static byte[] encode(Probe p) {
        int valuesBytes = 0;
        for (long v : p.values()) {
            valuesBytes += CodedOutputStream.computeInt64SizeNoTag(v);
        }
        int size = CodedOutputStream.computeInt32Size(SEQ, p.seq())
                + CodedOutputStream.computeStringSize(TAG, p.tag())
                + CodedOutputStream.computeTagSize(VALUES) + CodedOutputStream.computeUInt32SizeNoTag(valuesBytes)
                + valuesBytes;
        byte[] out = new byte[size];
        CodedOutputStream c = CodedOutputStream.newInstance(out);
        try {
            c.writeInt32(SEQ, p.seq());
            c.writeString(TAG, p.tag());
            c.writeTag(VALUES, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            c.writeUInt32NoTag(valuesBytes);
            for (long v : p.values()) {
                c.writeInt64NoTag(v);
            }
            c.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static Probe decode(CodedInputStream in) throws IOException {
        int seq = 0;
        String tag = "";
        List<Long> values = new ArrayList<>();
        while (true) {
            int t = in.readTag();
            if (t == 0) {
                return new Probe(seq, tag, values);
            }
            switch (WireFormat.getTagFieldNumber(t)) {
                case SEQ -> seq = in.readInt32();
                case TAG -> tag = in.readStringRequireUtf8();
                case VALUES -> {
                    if (WireFormat.getTagWireType(t) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                        int limit = in.pushLimit(in.readRawVarint32());
                        while (in.getBytesUntilLimit() > 0) {
                            values.add(in.readInt64());
                        }
                        in.popLimit(limit);
                    } else {
                        values.add(in.readInt64());
                    }
                }
                default -> {
                    if (!in.skipField(t)) {
                        return new Probe(seq, tag, values);
                    }
                }
            }
        }
    }

    @Override
    public InputStream stream(Probe value) {
        return new KnownLengthBytes(encode(value));
    }

    @Override
    public Probe parse(InputStream stream) {
        try {
            return decode(CodedInputStream.newInstance(stream));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Lets gRPC size the message without copying the stream first. */
    private static final class KnownLengthBytes extends ByteArrayInputStream implements KnownLength {
        KnownLengthBytes(byte[] b) {
            super(b);
        }
    }
}
