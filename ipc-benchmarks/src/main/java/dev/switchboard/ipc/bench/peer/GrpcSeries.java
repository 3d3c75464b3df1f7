package dev.switchboard.ipc.bench.peer;

import io.grpc.CallOptions;
import io.grpc.KnownLength;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * (e) gRPC-java over a Unix domain socket: grpc-netty-shaded with its bundled epoll transport
 * (the only Netty transport of gRPC that speaks AF_UNIX), a unary call whose request and response
 * are the raw payload bytes. No protobuf: a hand-written {@link MethodDescriptor} with a byte-array
 * marshaller, so protobuf encoding is not what is measured. Both sides run calls on the event
 * loop ({@code directExecutor}), gRPC's fastest configuration; the child is the server.
 */
final class GrpcSeries implements PeerSeries {

    static final String NAME = "grpc-uds";

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new KnownLengthBytes(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private static final MethodDescriptor<byte[], byte[]> ECHO = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName("bench.Echo", "Echo"))
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();

    @Override
    public Link open(Workload w, Path workDir) throws Exception {
        if (w.kind() != Workload.Kind.RTT) {
            throw new UnsupportedOperationException(NAME + " is measured for round trips only");
        }
        Path socketFile = workDir.resolve("grpc.sock");
        JavaChild child = JavaChild.start(NAME, socketFile.toString(), w);
        child.awaitReady();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socketFile.toString()))
                .channelType(EpollDomainSocketChannel.class, DomainSocketAddress.class)
                .eventLoopGroup(group)
                .directExecutor()
                .usePlaintext()
                .build();
        return new Link() {
            @Override
            public void send(byte[] buf, int len) {
                throw new UnsupportedOperationException("unary calls only");
            }

            @Override
            public void receive(byte[] buf, int len) {
                throw new UnsupportedOperationException("unary calls only");
            }

            @Override
            public void roundTrip(byte[] buf, int len) throws IOException {
                byte[] reply = ClientCalls.blockingUnaryCall(channel, ECHO, CallOptions.DEFAULT, buf);
                if (reply.length != len) {
                    throw new IOException("echo of " + len + " bytes came back with " + reply.length);
                }
            }

            @Override
            public long peerPid() {
                return child.pid();
            }

            @Override
            public void close() throws Exception {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                child.close();
            }
        };
    }

    @Override
    public void serve(Workload w, String address) throws Exception {
        ServerServiceDefinition service = ServerServiceDefinition.builder("bench.Echo")
                .addMethod(ECHO, ServerCalls.asyncUnaryCall((request, response) -> {
                    response.onNext(request);
                    response.onCompleted();
                }))
                .build();
        Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(address))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory()))
                .workerEventLoopGroup(new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory()))
                .directExecutor()
                .addService(service)
                .build()
                .start();
        JavaChild.announceReady();
        server.awaitTermination(); // ends when the parent closes our stdin (see JavaChild)
    }

    /** Lets gRPC size the message without copying the stream first. */
    private static final class KnownLengthBytes extends ByteArrayInputStream implements KnownLength {
        KnownLengthBytes(byte[] b) {
            super(b);
        }
    }
}
