package dev.switchboard.ipc.broker;

import dev.switchboard.ipc.wire.FrameHeader;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.newsclub.net.unix.AFUNIXSocketChannel;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * A child that speaks raw bytes on its inherited channel (slot 3) instead of the protocol, to
 * prove the parent survives it. Mode in args[0]. After writing it reads until the parent hangs up.
 */
public final class HostileChild {

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        AFUNIXSocketChannel ch = FileDescriptorCast.unsafeUsing(3).as(AFUNIXSocketChannel.class);
        ch.configureBlocking(true);
        Path tmp = Files.createTempFile("hostile", ".txt");
        FileInputStream file = new FileInputStream(tmp.toFile());
        FileDescriptor fd = file.getFD();
        switch (mode) {
            case "bad-magic" -> ch.write(header(0x0badf00d, 6, 0, 32));
            case "truncated-header" -> {
                ch.write(ByteBuffer.wrap(new byte[] {'S', 'W', 'B', 'D', 1}));
                Files.delete(tmp);
                System.exit(0); // EOF right after the partial header
            }
            case "length-past-limit" -> ch.write(header(FrameHeader.MAGIC, 6, 0, 0x7fffffff));
            case "handle-count-mismatch" -> {
                // declares three handles, one rides along
                ch.setOutboundFileDescriptors(fd);
                ch.write(concat(header(FrameHeader.MAGIC, 6, 3, 48), ByteBuffer.allocate(32)));
            }
            case "fds-without-frame" -> {
                // a frame that declares no handle, with a descriptor attached to its first byte
                ch.setOutboundFileDescriptors(fd, fd);
                ch.write(concat(header(FrameHeader.MAGIC, 6, 0, 48), ByteBuffer.allocate(32)));
            }
            default -> throw new IllegalArgumentException(mode);
        }
        file.close();
        Files.delete(tmp);
        ByteBuffer sink = ByteBuffer.allocate(65536);
        while (ch.read(sink.clear()) >= 0) {
            // the parent's INVITE and whatever follows: ignored until it hangs up
        }
    }

    static ByteBuffer header(int magic, int type, int handles, int length) {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(magic).put((byte) 1).put((byte) type).putShort((short) handles).putInt(length).putInt(0);
        return b.flip();
    }

    static ByteBuffer concat(ByteBuffer a, ByteBuffer b) {
        ByteBuffer c = ByteBuffer.allocate(a.remaining() + b.remaining());
        return c.put(a).put(b).flip();
    }
}
