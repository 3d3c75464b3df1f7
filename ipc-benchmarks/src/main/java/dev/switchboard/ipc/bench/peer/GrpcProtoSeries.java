package dev.switchboard.ipc.bench.peer;

import io.grpc.CallOptions;
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
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * (h) gRPC-java unary call carrying {@link Probe} as a protobuf message, the competitor of the
 * typed sync call ({@link TypedSyncSeries}): same transport and configuration as
 * {@link GrpcSeries} (epoll over a Unix domain socket, {@code directExecutor} on both sides), but
 * the request and the reply are the same fields as the typed call's record, encoded and decoded
 * with protobuf on every call. The child is the server.
 */
final class GrpcProtoSeries implements PeerSeries {

    static final String NAME = "grpc-proto";

    private static final MethodDescriptor<Probe, Probe> ECHO = MethodDescriptor.<Probe, Probe>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName("bench.Probe", "Echo"))
            .setRequestMarshaller(ProtobufProbe.INSTANCE)
            .setResponseMarshaller(ProtobufProbe.INSTANCE)
            .build();

    @Override
    public Link open(Workload w, Path workDir) throws Exception {
        TypedSyncSeries.requireProbeWorkload(NAME, w);
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
            private int seq;

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
                int s = ++seq;
                Probe reply = ClientCalls.blockingUnaryCall(channel, ECHO, CallOptions.DEFAULT, Probe.request(s));
                if (reply.seq() != s || reply.values().size() != Probe.VALUE_COUNT) {
                    throw new IOException("call " + s + " was answered with " + reply);
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
        ServerServiceDefinition service = ServerServiceDefinition.builder("bench.Probe")
                .addMethod(ECHO, ServerCalls.asyncUnaryCall((request, response) -> {
                    response.onNext(request.reply());
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
}
