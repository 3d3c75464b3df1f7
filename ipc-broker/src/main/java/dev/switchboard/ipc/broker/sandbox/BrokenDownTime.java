package dev.switchboard.ipc.broker.sandbox;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * A moment as the host sees it in one time zone: what {@code localtime_r} fills into a
 * {@code struct tm}, plus the zone's id. The LocalTime sandbox request returns it, because a
 * sandboxed process cannot read the zone database itself.
 *
 * @param year             e.g. 2024
 * @param month            1-12
 * @param dayOfMonth       1-31
 * @param hour             0-23
 * @param minute           0-59
 * @param second           0-59
 * @param dayOfWeek        1 (Monday) to 7 (Sunday), ISO-8601; note {@code tm_wday} is 0 for Sunday
 * @param dayOfYear        1-366
 * @param daylightSaving   whether daylight-saving time is in effect at that moment
 * @param utcOffsetSeconds local time minus UTC, e.g. 7200 for CEST
 * @param zoneAbbreviation short zone name as the host's Java runtime formats it ("CEST", "UTC")
 * @param zoneId           the zone used: the one asked for, or the host's default
 */
public record BrokenDownTime(int year, int month, int dayOfMonth, int hour, int minute, int second,
                             int dayOfWeek, int dayOfYear, boolean daylightSaving, int utcOffsetSeconds,
                             String zoneAbbreviation, String zoneId) {

    /** {@return the same moment with its offset} */
    public OffsetDateTime toOffsetDateTime() {
        return OffsetDateTime.of(year, month, dayOfMonth, hour, minute, second, 0,
                ZoneOffset.ofTotalSeconds(utcOffsetSeconds));
    }
}
