package dev.switchboard.ipc.broker;

import dev.switchboard.ipc.DataPipe;
import dev.switchboard.ipc.DataPipeConsumer;
import dev.switchboard.ipc.DataPipeProducer;
import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;

/**
 * Child programs for the data-pipe process tests. Each gets one end of a data pipe in a message
 * on its "control" pipe. The stream they move is {@link #pattern}: byte {@code i} of the stream is
 * {@code PATTERN[i mod PATTERN.length]}, a block of random bytes whose length is prime, so a byte
 * that is lost, repeated or moved shows up at the position where it lands.
 */
final class DataPipeChildren {

    private static final Duration LONG = Duration.ofMinutes(5);

    /** The pattern block: 1,000,003 random bytes (a prime length). */
    static byte[] pattern() {
        byte[] block = new byte[1_000_003];
        new Random(20_26).nextBytes(block);
        return block;
    }

    private DataPipeChildren() {}

    /**
     * "produce TOTAL": writes TOTAL bytes of the pattern, closes, reports "done TOTAL CRC HWM_KIB".
     * "hang TOTAL": writes TOTAL bytes, reports "committed TOTAL", then waits to be killed.
     */
    public static final class Producer {
        public static void main(String[] args) throws Exception {
            MessagePipe control = IncomingInvitation.accept().extractMessagePipe("control");
            Message m = control.read(LONG);
            String[] command = text(m).split(" ");
            DataPipeProducer producer = DataPipe.producerFrom(m.takeSharedBuffer(0), m.takePipe(0));
            m.close();
            long total = Long.parseLong(command[1]);
            byte[] block = pattern();
            CRC32 crc = new CRC32();
            Random sizes = new Random(total);
            long sent = 0;
            while (sent < total) {
                int offset = (int) (sent % block.length);
                int n = (int) Math.min(Math.min(total - sent, block.length - offset), 1 + sizes.nextInt(256 << 10));
                producer.writeFully(ByteBuffer.wrap(block, offset, n));
                crc.update(block, offset, n);
                sent += n;
            }
            if (command[0].equals("hang")) {
                control.write(Message.of(("committed " + sent).getBytes(StandardCharsets.UTF_8)));
                Thread.sleep(LONG.toMillis());
                return;
            }
            producer.close();
            control.write(Message.of(("done " + sent + " " + crc.getValue() + " " + peakRssKib()).getBytes(StandardCharsets.UTF_8)));
            Children.awaitPeerClosed(control);
        }
    }

    /**
     * "consume START MOVE_AFTER": reads from stream offset START, checking every byte against the
     * pattern; at the end of the stream reports "eof COUNT CRC MATCHED HWM_KIB", or, once it has
     * read MOVE_AFTER bytes (if not -1), sends its end back as "moved COUNT" with the end's handles.
     */
    public static final class Consumer {
        public static void main(String[] args) throws Exception {
            MessagePipe control = IncomingInvitation.accept().extractMessagePipe("control");
            Message m = control.read(LONG);
            String[] command = text(m).split(" ");
            DataPipeConsumer consumer = DataPipe.consumerFrom(m.takeSharedBuffer(0), m.takePipe(0));
            m.close();
            long start = Long.parseLong(command[1]);
            long moveAfter = Long.parseLong(command[2]);
            byte[] block = pattern();
            CRC32 crc = new CRC32();
            boolean matched = true;
            long count = 0;
            ByteBuffer buf = ByteBuffer.allocate(100_000);
            while (true) {
                buf.clear();
                int n = consumer.read(buf, LONG);
                if (n < 0) {
                    break;
                }
                crc.update(buf.array(), 0, n);
                matched &= matches(block, start + count, buf.array(), n);
                count += n;
                if (moveAfter >= 0 && count >= moveAfter) {
                    control.write(Message.of(("moved " + count + " " + matched).getBytes(StandardCharsets.UTF_8),
                            consumer.transfer()));
                    Children.awaitPeerClosed(control);
                    return;
                }
            }
            consumer.close();
            control.write(Message.of(("eof " + count + " " + crc.getValue() + " " + matched + " " + peakRssKib())
                    .getBytes(StandardCharsets.UTF_8)));
            Children.awaitPeerClosed(control);
        }
    }

    /** Whether {@code got[0, n)} is the pattern from stream offset {@code at}. */
    static boolean matches(byte[] block, long at, byte[] got, int n) {
        int done = 0;
        while (done < n) {
            int offset = (int) ((at + done) % block.length);
            int run = Math.min(n - done, block.length - offset);
            if (!Arrays.equals(block, offset, offset + run, got, done, done + run)) {
                return false;
            }
            done += run;
        }
        return true;
    }

    private static String text(Message m) {
        return new String(m.bytes(), StandardCharsets.UTF_8);
    }

    /** The process's peak resident set (VmHWM), in KiB. */
    static long peakRssKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
