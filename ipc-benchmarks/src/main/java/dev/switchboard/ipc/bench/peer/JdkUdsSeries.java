package dev.switchboard.ipc.bench.peer;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * (d) The JDK's own Unix domain sockets (JDK 16+): blocking {@link SocketChannel}s on a
 * {@link UnixDomainSocketAddress}. Payloads are byte arrays as in every other series; the JDK
 * copies them through its cached temporary direct buffer, which is what this API costs. It cannot
 * pass descriptors, which is why it is only in the latency table.
 */
final class JdkUdsSeries implements PeerSeries {

    static final String NAME = "jdk-uds";

    @Override
    public Link open(Workload w, Path workDir) throws Exception {
        Path socketFile = workDir.resolve("jdk.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socketFile));
            JavaChild child = JavaChild.start(NAME, socketFile.toString(), w);
            return new ChannelLink(server.accept(), child);
        }
    }

    @Override
    public void serve(Workload w, String address) throws Exception {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(address))) {
            ChildLoops.serve(new ChannelLink(ch, null), w);
        }
    }

    private static final class ChannelLink extends StreamLink {
        private final SocketChannel channel;
        private final JavaChild child;

        ChannelLink(SocketChannel channel, JavaChild child) {
            this.channel = channel;
            this.child = child;
        }

        @Override
        protected int read(byte[] buf, int off, int len) throws Exception {
            return channel.read(ByteBuffer.wrap(buf, off, len));
        }

        @Override
        protected void write(byte[] buf, int off, int len) throws Exception {
            ByteBuffer b = ByteBuffer.wrap(buf, off, len);
            while (b.hasRemaining()) {
                channel.write(b);
            }
        }

        @Override
        public long peerPid() {
            return child == null ? -1 : child.pid();
        }

        @Override
        public void close() throws Exception {
            channel.close();
            if (child != null) {
                child.close();
            }
        }
    }
}
