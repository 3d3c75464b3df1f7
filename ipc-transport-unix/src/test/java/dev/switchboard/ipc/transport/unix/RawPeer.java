package dev.switchboard.ipc.transport.unix;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.newsclub.net.unix.AFUNIXSocketChannel;
import org.newsclub.net.unix.FileDescriptorCast;

/** The far end of a socketpair driven by hand: writes whatever bytes and fds a test wants. */
final class RawPeer implements AutoCloseable {

    private final AFUNIXSocketChannel socket;
    private boolean closed;

    /** Takes ownership of {@code fd}. */
    RawPeer(long fd) throws IOException {
        socket = FileDescriptorCast.unsafeUsing((int) fd).as(AFUNIXSocketChannel.class);
        socket.configureBlocking(true);
    }

    /** One sendmsg of {@code bytes}, with {@code fds} attached when there are any. */
    void write(byte[] bytes, FileDescriptor... fds) throws IOException {
        if (fds.length > 0) {
            socket.setOutboundFileDescriptors(fds);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        int n = socket.write(b);
        if (n != bytes.length) {
            throw new IOException("short write: " + n + " of " + bytes.length);
        }
    }

    void write(ByteBuffer bytes, FileDescriptor... fds) throws IOException {
        byte[] copy = new byte[bytes.remaining()];
        bytes.duplicate().get(copy);
        write(copy, fds);
    }

    /** Closes the socket; the channel under test sees end of stream. */
    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            FileDescriptor fd = socket.getFileDescriptor();
            socket.close(); // shuts down; junixsocket leaves the fd itself to its owner
            new FileInputStream(fd).close();
        }
    }
}
