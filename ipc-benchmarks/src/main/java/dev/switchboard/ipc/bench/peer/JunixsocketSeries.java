package dev.switchboard.ipc.bench.peer;

import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * (c) junixsocket's blocking socket streams between two JVMs: the same library Switchboard's Unix
 * transport is built on, without Switchboard, so the gap between the two is our own overhead.
 * The child connects to a socket file the parent listens on; a socketpair cannot reach a child
 * started by ProcessBuilder, which closes every descriptor above 2.
 */
final class JunixsocketSeries implements PeerSeries {

    static final String NAME = "junixsocket";

    @Override
    public Link open(Workload w, Path workDir) throws Exception {
        Path socketFile = workDir.resolve("junixsocket.sock");
        try (AFUNIXServerSocket server = AFUNIXServerSocket.newInstance()) {
            server.bind(AFUNIXSocketAddress.of(socketFile.toFile()));
            server.setSoTimeout(60_000);
            JavaChild child = JavaChild.start(NAME, socketFile.toString(), w);
            AFUNIXSocket socket = server.accept();
            return new SocketLink(socket, child);
        }
    }

    @Override
    public void serve(Workload w, String address) throws Exception {
        try (AFUNIXSocket socket = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(new File(address)))) {
            ChildLoops.serve(new SocketLink(socket, null), w);
        }
    }

    private static final class SocketLink extends StreamLink {
        private final AFUNIXSocket socket;
        private final InputStream in;
        private final OutputStream out;
        private final JavaChild child;

        SocketLink(AFUNIXSocket socket, JavaChild child) throws Exception {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
            this.child = child;
        }

        @Override
        protected int read(byte[] buf, int off, int len) throws Exception {
            return in.read(buf, off, len);
        }

        @Override
        protected void write(byte[] buf, int off, int len) throws Exception {
            out.write(buf, off, len);
        }

        @Override
        public long peerPid() {
            return child == null ? -1 : child.pid();
        }

        @Override
        public void close() throws Exception {
            socket.close();
            if (child != null) {
                child.close();
            }
        }
    }
}
