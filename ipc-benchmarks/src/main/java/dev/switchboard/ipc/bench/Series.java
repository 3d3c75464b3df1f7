package dev.switchboard.ipc.bench;

/** The mechanisms compared, with the stable ids used in benchmarks.json. */
public enum Series {
    SWITCHBOARD("switchboard", "(a) Switchboard message pipe"),
    C_FLOOR("c-socketpair", "(b) C socketpair + fork (floor)"),
    JUNIXSOCKET("junixsocket", "(c) junixsocket streams"),
    JDK_UDS("jdk-uds", "(d) JDK UnixDomainSocketAddress"),
    GRPC_UDS("grpc-uds", "(e) gRPC-java over UDS"),
    JEROMQ_IPC("jeromq-ipc", "(f) JeroMQ REQ/REP ipc://"),
    TYPED_SYNC("typed-sync", "(g) Switchboard typed sync call"),
    GRPC_PROTO("grpc-proto", "(h) gRPC-java unary, protobuf");

    public final String id;
    public final String label;

    Series(String id, String label) {
        this.id = id;
        this.label = label;
    }

    public static Series byId(String id) {
        for (Series s : values()) {
            if (s.id.equals(id)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown series '" + id + "'");
    }
}
