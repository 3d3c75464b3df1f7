package dev.switchboard.ipc.broker.sandbox;

import dev.switchboard.ipc.PlatformHandle;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The request types every {@link SandboxIpcHost} answers, as in Chromium: LocalTime and
 * MakeSharedMemorySegment. Their packet layouts are in docs/sandbox-ipc.md.
 */
public final class SandboxRequests {

    private SandboxRequests() {}

    /**
     * LocalTime's request.
     *
     * @param epochSeconds seconds since 1970-01-01T00:00:00Z
     * @param zoneId       a zone id such as {@code "Europe/Berlin"}, or null for the host's default
     */
    public record LocalTimeRequest(long epochSeconds, String zoneId) {}

    /**
     * MakeSharedMemorySegment's request.
     *
     * @param size       bytes, at least 1 and at most the host's {@code maxSegmentBytes}
     * @param executable whether the segment may be mapped executable; refused unless the host
     *                   allows it
     */
    public record SharedMemoryRequest(long size, boolean executable) {}

    /** Magic "SB" 00 01. */
    public static final RequestType<LocalTimeRequest, BrokenDownTime> LOCAL_TIME = RequestType.builtIn(
            "LocalTime", 0x53420001, new LocalTimeRequestCodec(), new BrokenDownTimeCodec());

    /** Magic "SB" 00 02. The reply is a handle to a memfd of exactly the size asked for. */
    public static final RequestType<SharedMemoryRequest, PlatformHandle> MAKE_SHARED_MEMORY_SEGMENT =
            RequestType.builtIn("MakeSharedMemorySegment", 0x53420002, new SharedMemoryRequestCodec(),
                    SandboxCodecs.HANDLE);

    private static final DateTimeFormatter ABBREVIATION = DateTimeFormatter.ofPattern("zzz", Locale.ROOT);

    /** What the host answers to LocalTime: java.time with the zone database of the host's JVM. */
    static BrokenDownTime localTime(LocalTimeRequest request) throws SandboxRequestRefusedException {
        ZoneId zone;
        try {
            zone = request.zoneId() == null ? ZoneId.systemDefault() : ZoneId.of(request.zoneId());
        } catch (DateTimeException e) {
            throw new SandboxRequestRefusedException("unknown time zone '" + request.zoneId() + "'");
        }
        Instant instant;
        ZonedDateTime t;
        try {
            instant = Instant.ofEpochSecond(request.epochSeconds());
            t = instant.atZone(zone);
        } catch (DateTimeException | ArithmeticException e) {
            throw new SandboxRequestRefusedException("time " + request.epochSeconds() + " is out of range");
        }
        return new BrokenDownTime(t.getYear(), t.getMonthValue(), t.getDayOfMonth(), t.getHour(), t.getMinute(),
                t.getSecond(), t.getDayOfWeek().getValue(), t.getDayOfYear(),
                zone.getRules().isDaylightSavings(instant), t.getOffset().getTotalSeconds(),
                ABBREVIATION.format(t), zone.getId());
    }

    /** Packet offsets (after the magic at 0): int64 epochSeconds @4, string zoneId @12 (length -1 = host default). */
    private static final class LocalTimeRequestCodec implements SandboxCodec<LocalTimeRequest> {
        @Override
        public void encode(LocalTimeRequest value, PacketWriter out) {
            out.putLong(value.epochSeconds()).putString(value.zoneId());
        }

        @Override
        public LocalTimeRequest decode(PacketReader in) {
            return new LocalTimeRequest(in.getLong(), in.getString());
        }
    }

    /**
     * Packet offsets (after the status at 0): int32 year @4, int8 month @8, day @9, hour @10,
     * minute @11, second @12, dayOfWeek @13, int16 dayOfYear @14, bool dst @16, int32
     * utcOffsetSeconds @17, string abbreviation @21, string zoneId after it.
     */
    private static final class BrokenDownTimeCodec implements SandboxCodec<BrokenDownTime> {
        @Override
        public void encode(BrokenDownTime t, PacketWriter out) {
            out.putInt(t.year()).putByte(t.month()).putByte(t.dayOfMonth()).putByte(t.hour()).putByte(t.minute())
                    .putByte(t.second()).putByte(t.dayOfWeek()).putShort(t.dayOfYear()).putBoolean(t.daylightSaving())
                    .putInt(t.utcOffsetSeconds()).putString(t.zoneAbbreviation()).putString(t.zoneId());
        }

        @Override
        public BrokenDownTime decode(PacketReader in) {
            BrokenDownTime t = new BrokenDownTime(in.getInt(), in.getByte(), in.getByte(), in.getByte(), in.getByte(),
                    in.getByte(), in.getByte(), in.getShort(), in.getBoolean(), in.getInt(), in.getString(),
                    in.getString());
            if (t.month() < 1 || t.month() > 12 || t.dayOfMonth() < 1 || t.dayOfMonth() > 31 || t.hour() < 0
                    || t.hour() > 23 || t.minute() < 0 || t.minute() > 59 || t.second() < 0 || t.second() > 59
                    || t.dayOfWeek() < 1 || t.dayOfWeek() > 7 || t.dayOfYear() < 1 || t.dayOfYear() > 366
                    || t.zoneAbbreviation() == null || t.zoneId() == null) {
                throw new MalformedPacketException("broken-down time out of range: " + t);
            }
            return t;
        }
    }

    /** Packet offsets (after the magic at 0): int64 size @4, bool executable @12. */
    private static final class SharedMemoryRequestCodec implements SandboxCodec<SharedMemoryRequest> {
        @Override
        public void encode(SharedMemoryRequest value, PacketWriter out) {
            out.putLong(value.size()).putBoolean(value.executable());
        }

        @Override
        public SharedMemoryRequest decode(PacketReader in) {
            return new SharedMemoryRequest(in.getLong(), in.getBoolean());
        }
    }
}
