package dev.switchboard.ipc.bench.peer;

import java.io.IOException;
import java.nio.file.Path;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * (f) JeroMQ REQ/REP on an {@code ipc://} endpoint. Note what that is: JeroMQ (pure Java) has no
 * Unix-socket transport, and its {@code ipc://} is TCP on the loopback interface with a port
 * derived from the endpoint name (zmq.io.net.ipc.IpcAddress). That is still what a Java developer
 * gets when writing {@code ipc://} with JeroMQ, so it is measured as such. The child binds (REP),
 * the parent connects (REQ).
 */
final class JeromqSeries implements PeerSeries {

    static final String NAME = "jeromq-ipc";

    @Override
    public Link open(Workload w, Path workDir) throws Exception {
        if (w.kind() != Workload.Kind.RTT) {
            throw new UnsupportedOperationException(NAME + " is measured for round trips only");
        }
        // the name picks the loopback port; make it unique per run so that runs cannot collide
        String endpoint = "ipc://" + workDir.resolve("jeromq-" + ProcessHandle.current().pid());
        JavaChild child = JavaChild.start(NAME, endpoint, w);
        child.awaitReady();
        ZContext context = new ZContext(1);
        ZMQ.Socket req = context.createSocket(SocketType.REQ);
        req.connect(endpoint);
        return new Link() {
            @Override
            public void send(byte[] buf, int len) throws IOException {
                if (!req.send(buf, 0, len, 0)) {
                    throw new IOException("REQ send failed: " + req.errno());
                }
            }

            @Override
            public void receive(byte[] buf, int len) throws IOException {
                byte[] reply = req.recv(0);
                if (reply == null || reply.length != len) {
                    throw new IOException("expected " + len + " bytes, got " + (reply == null ? "nothing" : reply.length));
                }
            }

            @Override
            public long peerPid() {
                return child.pid();
            }

            @Override
            public void close() throws Exception {
                context.close();
                child.close();
            }
        };
    }

    @Override
    public void serve(Workload w, String address) throws Exception {
        try (ZContext context = new ZContext(1)) {
            ZMQ.Socket rep = context.createSocket(SocketType.REP);
            rep.bind(address);
            JavaChild.announceReady();
            while (!Thread.currentThread().isInterrupted()) {
                byte[] request = rep.recv(0);
                if (request == null) {
                    break;
                }
                rep.send(request, 0);
            }
        }
    }
}
