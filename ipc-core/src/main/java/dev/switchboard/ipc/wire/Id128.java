package dev.switchboard.ipc.wire;

import java.nio.ByteBuffer;
import java.security.SecureRandom;

/** Internal: a 128-bit identifier: node names, pipe ids and one-time tokens. Written as two little-endian u64. */
public record Id128(long high, long low) {

    public static final int SIZE = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    public static Id128 random() {
        return new Id128(RANDOM.nextLong(), RANDOM.nextLong());
    }

    static Id128 read(ByteBuffer b) {
        long high = b.getLong();
        long low = b.getLong();
        return new Id128(high, low);
    }

    void write(ByteBuffer b) {
        b.putLong(high);
        b.putLong(low);
    }

    /** 32 lowercase hex digits, high half first. */
    public String toHex() {
        return String.format("%016x%016x", high, low);
    }

    public static Id128 fromHex(String hex) {
        if (hex.length() != 32) {
            throw new IllegalArgumentException("an Id128 is 32 hex digits, got " + hex.length());
        }
        return new Id128(Long.parseUnsignedLong(hex, 0, 16, 16), Long.parseUnsignedLong(hex, 16, 32, 16));
    }

    @Override
    public String toString() {
        return toHex();
    }
}
