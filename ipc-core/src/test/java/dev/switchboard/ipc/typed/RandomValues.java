package dev.switchboard.ipc.typed;

import dev.switchboard.ipc.PlatformHandle;
import dev.switchboard.ipc.typed.TestMessages.Color;
import dev.switchboard.ipc.typed.TestMessages.Empty;
import dev.switchboard.ipc.typed.TestMessages.EverythingMsg;
import dev.switchboard.ipc.typed.TestMessages.Rect;
import dev.switchboard.ipc.typed.TestMessages.Tree;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

/** Random messages of every declared shape, reproducible from a seed. */
final class RandomValues {

    private final Random r;

    RandomValues(long seed) {
        r = new Random(seed);
    }

    String string() {
        int n = r.nextInt(12);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            switch (r.nextInt(4)) {
                case 0 -> b.append((char) ('a' + r.nextInt(26)));
                case 1 -> b.append((char) (0x80 + r.nextInt(0x700))); // two-byte UTF-8
                case 2 -> b.appendCodePoint(0x1F600 + r.nextInt(50)); // four-byte UTF-8 (surrogate pair)
                default -> b.append((char) (0x3000 + r.nextInt(0x1000))); // three-byte UTF-8
            }
        }
        return b.toString();
    }

    byte[] bytes() {
        byte[] v = new byte[r.nextInt(10)];
        r.nextBytes(v);
        return v;
    }

    Tree tree(int depth) {
        List<Tree> kids = new ArrayList<>();
        int n = depth <= 0 ? 0 : r.nextInt(3);
        for (int i = 0; i < n; i++) {
            kids.add(tree(depth - 1));
        }
        return new Tree(string(), kids);
    }

    Rect rect() {
        return new Rect(r.nextInt(), r.nextInt(), r.nextInt(1000), r.nextInt(1000));
    }

    EverythingMsg message(int kind) {
        switch (kind) {
            case 0:
                return new EverythingMsg.Prims(r.nextBoolean(), (byte) r.nextInt(), (short) r.nextInt(), (char) r.nextInt(),
                        r.nextInt(), r.nextLong(), r.nextFloat(), r.nextDouble());
            case 1:
                return new EverythingMsg.Boxes(r.nextBoolean(), (byte) r.nextInt(), (short) r.nextInt(), (char) r.nextInt(),
                        r.nextInt(), r.nextLong(), Float.intBitsToFloat(r.nextInt()), Double.longBitsToDouble(r.nextLong()));
            case 2:
                return new EverythingMsg.Texts(string(), bytes(), URI.create("https://h" + r.nextInt(100) + ".example/p?q=" + r.nextInt()),
                        new UUID(r.nextLong(), r.nextLong()));
            case 3:
                return new EverythingMsg.Times(Instant.ofEpochSecond(r.nextInt(), r.nextInt(1_000_000_000)),
                        Duration.ofSeconds(r.nextLong() >> 8, r.nextInt(1_000_000_000)));
            case 4: {
                List<String> list = new ArrayList<>();
                Set<Integer> set = new LinkedHashSet<>();
                Map<String, List<Long>> map = new LinkedHashMap<>();
                for (int i = r.nextInt(5); i > 0; i--) {
                    list.add(string());
                    set.add(r.nextInt());
                    List<Long> ls = new ArrayList<>();
                    for (int j = r.nextInt(4); j > 0; j--) {
                        ls.add(r.nextLong());
                    }
                    map.put("k" + i, ls);
                }
                return new EverythingMsg.Colls(list, set, map, r.nextBoolean() ? Optional.of(rect()) : Optional.empty(), Optional.empty());
            }
            case 5: {
                List<Empty> es = new ArrayList<>();
                for (int i = r.nextInt(4); i > 0; i--) {
                    es.add(new Empty());
                }
                return new EverythingMsg.Nested(tree(4), Color.values()[r.nextInt(3)], new Empty(), es);
            }
            case 6: {
                List<PlatformHandle> files = new ArrayList<>();
                for (int i = r.nextInt(3); i > 0; i--) {
                    files.add(LedgerTransport.newHandle());
                }
                return new EverythingMsg.Handles(files, r.nextBoolean() ? Optional.of(LedgerTransport.newHandle()) : Optional.empty(),
                        LedgerTransport.newHandle());
            }
            default: {
                List<Long> vs = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    vs.add(r.nextLong());
                }
                return new EverythingMsg.Bench(r.nextInt(), "abcdefghijklmnopqrstuvwxyz012345", vs);
            }
        }
    }

    static final int KINDS = 8;
}
