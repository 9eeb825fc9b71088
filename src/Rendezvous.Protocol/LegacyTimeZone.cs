using System.Globalization;

namespace Rendezvous.Protocol;

/// <summary>
/// One SerializableTimeZoneTime: when the zone switches to standard or daylight time, as Windows' SYSTEMTIME rule
/// does. <see cref="Bias"/> is added to the zone's base bias; <see cref="Time"/> is the wall-clock time before the switch;
/// <see cref="DayOrder"/> is the n-th <see cref="DayOfWeek"/> of <see cref="Month"/> (5 = the last one); Month 0 means "never".
/// </summary>
public sealed record LegacyTransition(int Bias, TimeSpan Time, int DayOrder, int Month, DayOfWeek DayOfWeek, int? Year = null)
{
    /// <summary>What Exchange writes for a zone without daylight time: no transition (Month 0).</summary>
    public static readonly LegacyTransition Never = new(0, TimeSpan.Zero, 0, 0, DayOfWeek.Sunday);

    /// <summary>The time of day as the schema's xs:time text (hh:mm:ss).</summary>
    public string TimeText => Time.ToString("hh\\:mm\\:ss", CultureInfo.InvariantCulture);
}

/// <summary>
/// The legacy SerializableTimeZone (GetUserAvailability's t:TimeZone, WorkingHours' TimeZone, and the MeetingTimeZone of
/// calendar items): minutes west of UTC (UTC = local + bias) plus the two yearly transitions.
/// </summary>
public sealed record SerializableTimeZone(int Bias, LegacyTransition StandardTime, LegacyTransition DaylightTime)
{
    /// <summary>A zone following this rule every year, named <paramref name="id"/>.</summary>
    public TimeZoneInfo ToTimeZoneInfo(string id = "Legacy") => LegacyTimeZone.Build(id, Bias, StandardTime, DaylightTime);
}

/// <summary>Converts between the legacy SerializableTimeZone form and <see cref="TimeZoneInfo"/>.</summary>
public static class LegacyTimeZone
{
    /// <summary>
    /// A real zone from the legacy form. Throws <see cref="ArgumentException"/> when the rule cannot exist
    /// (month out of 0–12, day order out of range, offsets beyond ±14 h).
    /// </summary>
    public static TimeZoneInfo Build(string id, int baseBias, LegacyTransition standard, LegacyTransition daylight)
    {
        ArgumentNullException.ThrowIfNull(standard);
        ArgumentNullException.ThrowIfNull(daylight);
        var standardOffset = TimeSpan.FromMinutes(-(baseBias + standard.Bias));
        var daylightOffset = TimeSpan.FromMinutes(-(baseBias + daylight.Bias));
        var delta = daylightOffset - standardOffset;
        try
        {
            if (delta == TimeSpan.Zero || standard.Month == 0 || daylight.Month == 0)
            {
                return TimeZoneInfo.CreateCustomTimeZone(id, standardOffset, id, id);
            }

            // Note: Year ("a time zone that changes depending on the year", Exchange 2007 SP1) is read as the first
            // year the rule applies; before it the zone keeps standard time.
            var from = standard.Year ?? daylight.Year;
            var rule = TimeZoneInfo.AdjustmentRule.CreateAdjustmentRule(
                from is { } year ? new DateTime(Math.Clamp(year, 1, 9999), 1, 1) : DateTime.MinValue.Date,
                DateTime.MaxValue.Date,
                delta,
                Transition(daylight),
                Transition(standard));
            return TimeZoneInfo.CreateCustomTimeZone(id, standardOffset, id, id, id, [rule]);
        }
        catch (InvalidTimeZoneException e)
        {
            throw new ArgumentException(e.Message, e);
        }
    }

    private static TimeZoneInfo.TransitionTime Transition(LegacyTransition t)
    {
        if (t.Month is < 1 or > 12)
        {
            throw new ArgumentException($"The transition month {t.Month} is not 1–12.");
        }

        // Some parts of EWS write -1 for "the last one" (exchangelib says so too); 5 is the schema's form.
        var week = t.DayOrder == -1 ? 5 : t.DayOrder;
        if (week is < 1 or > 5)
        {
            throw new ArgumentException($"The transition day order {t.DayOrder} is not 1–5.");
        }

        if (t.Time < TimeSpan.Zero || t.Time >= TimeSpan.FromDays(1))
        {
            throw new ArgumentException($"The transition time {t.Time} is not within a day.");
        }

        var timeOfDay = new DateTime(1, 1, 1).Add(t.Time);
        return TimeZoneInfo.TransitionTime.CreateFloatingDateRule(timeOfDay, t.Month, week, t.DayOfWeek);
    }

    /// <summary>
    /// The legacy form of <paramref name="zone"/> for <paramref name="year"/>: the transitions that zone makes in that
    /// year, found by scanning its offsets (so it works alike for IANA, Windows and custom zones).
    /// </summary>
    public static SerializableTimeZone FromTimeZone(TimeZoneInfo zone, int year)
    {
        ArgumentNullException.ThrowIfNull(zone);
        year = Math.Clamp(year, 2, 9998);
        var transitions = Transitions(zone, year);
        var toDaylight = transitions.FirstOrDefault(t => zone.IsDaylightSavingTime(t.Utc));
        var toStandard = transitions.FirstOrDefault(t => !zone.IsDaylightSavingTime(t.Utc));
        if (toDaylight == default || toStandard == default)
        {
            var offset = zone.GetUtcOffset(new DateTime(year, 1, 15, 12, 0, 0, DateTimeKind.Utc));
            return new SerializableTimeZone(-(int)offset.TotalMinutes, LegacyTransition.Never, LegacyTransition.Never);
        }

        var standardOffset = toStandard.After;
        var daylightOffset = toDaylight.After;
        return new SerializableTimeZone(
            -(int)standardOffset.TotalMinutes,
            Rule(toStandard, 0),
            Rule(toDaylight, -(int)(daylightOffset - standardOffset).TotalMinutes));
    }

    private static LegacyTransition Rule((DateTime Utc, TimeSpan Before, TimeSpan After) t, int bias)
    {
        // Windows rules name the wall-clock time before the switch (02:00 standard time when clocks go forward).
        var local = t.Utc + t.Before;
        var last = local.Day + 7 > DateTime.DaysInMonth(local.Year, local.Month);
        return new LegacyTransition(bias, local.TimeOfDay, last ? 5 : ((local.Day - 1) / 7) + 1, local.Month, local.DayOfWeek);
    }

    private static List<(DateTime Utc, TimeSpan Before, TimeSpan After)> Transitions(TimeZoneInfo zone, int year)
    {
        var found = new List<(DateTime, TimeSpan, TimeSpan)>();
        var day = new DateTime(year, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(-1);
        var stop = new DateTime(year + 1, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(1);
        var offset = zone.GetUtcOffset(day);
        for (; day < stop; day = day.AddDays(1))
        {
            if (zone.GetUtcOffset(day.AddDays(1)) == offset)
            {
                continue;
            }

            // Transitions fall on quarter hours in every zone in use.
            for (var t = day.AddMinutes(15); t <= day.AddDays(1); t = t.AddMinutes(15))
            {
                var next = zone.GetUtcOffset(t);
                if (next != offset)
                {
                    if ((t + offset).Year == year)
                    {
                        found.Add((t, offset, next));
                    }

                    offset = next;
                }
            }
        }

        return found;
    }

    /// <summary>A UTC time as the wall clock of <paramref name="zone"/> reads it, written without offset (as Exchange's availability service does).</summary>
    public static string FormatLocal(DateTime utc, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
}
