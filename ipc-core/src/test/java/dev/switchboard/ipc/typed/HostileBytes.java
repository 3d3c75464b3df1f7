package dev.switchboard.ipc.typed;

import dev.switchboard.ipc.pickle.Pickle;

/** Builds message bytes by hand, the way a hostile peer would. */
final class HostileBytes {

    private final Pickle p = new Pickle();

    static HostileBytes header(int typeId) {
        return header(MessageRouter.CONTROL, typeId, 0, 0);
    }

    static HostileBytes header(int routing, int typeId, int flags, long requestId) {
        HostileBytes h = new HostileBytes();
        h.p.writeInt(routing).writeInt(typeId).writeInt(flags).writeLong(requestId);
        return h;
    }

    HostileBytes i32(int v) {
        p.writeInt(v);
        return this;
    }

    HostileBytes i64(long v) {
        p.writeLong(v);
        return this;
    }

    HostileBytes str(String s) {
        p.writeString(s);
        return this;
    }

    /** Raw bytes, unaligned on purpose. */
    byte[] bytesPlus(byte... tail) {
        byte[] a = p.toByteArray();
        byte[] out = java.util.Arrays.copyOf(a, a.length + tail.length);
        System.arraycopy(tail, 0, out, a.length, tail.length);
        return out;
    }

    byte[] bytes() {
        return p.toByteArray();
    }
}
