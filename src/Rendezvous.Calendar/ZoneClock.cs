using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Rendezvous.Protocol;

namespace Rendezvous.Calendar;

/// <summary>
/// Wall-clock conversions of one system zone by table lookup: <see cref="TimeZones.ToUtc(DateTime, TimeZoneInfo)"/> and
/// <see cref="TimeZones.ToLocal"/>, without TimeZoneInfo's rule search on every call (about a microsecond each,
/// three per occurrence: the bulk of a calendar view of many series). A year's offsets are found once, by sampling
/// the zone's UTC offset every day and bisecting each change to the second, then kept for the process.
/// </summary>
/// <remarks>
/// Only zones of the system's tz database are tabled (client-defined zones can be made per request and would each pay
/// for their tables), and only years 1900 to 2200; the rest go to <see cref="TimeZones"/> directly. One difference: .NET's
/// IsInvalidTime misses a gap made by a change of the standard offset (Moscow to +04 on 2011-03-27, Casablanca's
/// Ramadan changes), so TimeZones.ToUtc reads such a time as an instant that is not that local time at all; the table
/// sees the gap and moves the time forward, as for any gap.
/// <para>A zone whose offset changed twice within one day would be missed by the daily samples (ZoneClockTests compare
/// every quarter hour of years of the oddest zones with TimeZones).</para>
/// </remarks>
internal sealed class ZoneClock
{
    private const int FirstTabledYear = 1900;
    private const int LastTabledYear = 2200;
    private static readonly long Margin = TimeSpan.FromDays(3).Ticks;
    private static readonly ConditionalWeakTable<TimeZoneInfo, ZoneClock> Clocks = [];

    private readonly TimeZoneInfo zone;
    private readonly ConcurrentDictionary<int, Year> years = new();

    private ZoneClock(TimeZoneInfo zone) => this.zone = zone;

    /// <summary>The clock of a system zone; null for UTC (already cheap) and zones defined by a client.</summary>
    public static ZoneClock? For(TimeZoneInfo zone) =>
        zone.HasIanaId && zone != TimeZoneInfo.Utc ? Clocks.GetValue(zone, static z => new ZoneClock(z)) : null;

    /// <summary>As <see cref="TimeZones.ToUtc(DateTime, TimeZoneInfo)"/>: a gap's time with the offset before it, an ambiguous time its first reading.</summary>
    public DateTime ToUtc(DateTime wallClock)
    {
        if (wallClock.Year is < FirstTabledYear or > LastTabledYear)
        {
            return TimeZones.ToUtc(wallClock, zone);
        }

        var table = years.GetOrAdd(wallClock.Year, static (year, z) => Year.Of(z, year), zone);
        var local = wallClock.Ticks;
        var best = long.MaxValue;
        foreach (var offset in table.Offsets)
        {
            var utc = local - offset;
            if (utc < best && table.OffsetAt(utc) == offset)
            {
                best = utc;
            }
        }

        if (best == long.MaxValue)
        {
            // In the gap: the offset in force a day earlier, as TimeZones.ToUtc reads it.
            best = local - table.OffsetAt(local - TimeSpan.TicksPerDay - zone.BaseUtcOffset.Ticks);
        }

        return new DateTime(best, DateTimeKind.Utc);
    }

    /// <summary>As <see cref="TimeZones.ToLocal"/>.</summary>
    public DateTime ToLocal(DateTime utc)
    {
        if (utc.Year is < FirstTabledYear or > LastTabledYear)
        {
            return TimeZones.ToLocal(utc, zone);
        }

        var table = years.GetOrAdd(utc.Year, static (year, z) => Year.Of(z, year), zone);
        return new DateTime(utc.Ticks + table.OffsetAt(utc.Ticks), DateTimeKind.Unspecified);
    }

    /// <summary>One year's offsets (with three days either side): from <c>Starts[i]</c> (UTC ticks) the offset is <c>OffsetsFrom[i]</c>.</summary>
    private sealed class Year(long[] starts, long[] offsetsFrom)
    {
        /// <summary>The distinct offsets of the year.</summary>
        public long[] Offsets { get; } = [.. offsetsFrom.Distinct()];

        public long OffsetAt(long utcTicks)
        {
            var i = starts.Length - 1;
            while (i > 0 && starts[i] > utcTicks)
            {
                i--;
            }

            return offsetsFrom[i];
        }

        public static Year Of(TimeZoneInfo zone, int year)
        {
            long Offset(long ticks) => zone.GetUtcOffset(new DateTime(ticks, DateTimeKind.Utc)).Ticks;

            var from = new DateTime(year, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks - Margin;
            var to = new DateTime(year + 1, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks + Margin;
            List<long> starts = [from];
            List<long> offsets = [Offset(from)];
            for (var day = from + TimeSpan.TicksPerDay; day <= to; day += TimeSpan.TicksPerDay)
            {
                var offset = Offset(day);
                if (offset == offsets[^1])
                {
                    continue;
                }

                // The first second of the new offset, in (day - 1 day, day].
                var (before, after) = (day - TimeSpan.TicksPerDay, day);
                while (after - before > TimeSpan.TicksPerSecond)
                {
                    var middle = before + ((after - before) / 2 / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond);
                    middle = middle == before ? before + TimeSpan.TicksPerSecond : middle;
                    (before, after) = Offset(middle) == offsets[^1] ? (middle, after) : (before, middle);
                }

                starts.Add(after);
                offsets.Add(offset);
            }

            return new Year([.. starts], [.. offsets]);
        }
    }
}
