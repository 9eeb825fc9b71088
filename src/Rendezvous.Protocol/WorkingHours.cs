namespace Rendezvous.Protocol;

/// <summary>
/// A mailbox's working hours: one period on the given days, in minutes from local midnight, in a zone given as an
/// IANA or Windows id (null: the server machine's local zone).
/// </summary>
public sealed record WorkingHours(IReadOnlyList<DayOfWeek> Days, int StartMinutes, int EndMinutes, string? TimeZoneId = null)
{
    /// <summary>08:00–17:00, Monday to Friday, in the server's zone: what a mailbox has until its owner sets others.</summary>
    public static WorkingHours Default { get; } =
        new([DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday], 8 * 60, 17 * 60);

    /// <summary>The zone the hours are in; an id the system no longer knows falls back to the server's zone.</summary>
    public TimeZoneInfo Zone => TimeZoneId is null ? TimeZoneInfo.Local : TimeZones.Find(TimeZoneId) ?? TimeZoneInfo.Local;

    /// <summary>Whether [startUtc, endUtc) lies within one working period, read on the wall clock of <see cref="Zone"/>.</summary>
    public bool Contains(DateTime startUtc, DateTime endUtc)
    {
        var zone = Zone;
        var start = TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(startUtc, DateTimeKind.Utc), zone);
        var end = TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(endUtc, DateTimeKind.Utc), zone);
        if (!Days.Contains(start.DayOfWeek))
        {
            return false;
        }

        var startMinutes = (int)start.TimeOfDay.TotalMinutes;
        // A period may end at midnight (1440): the next day's 00:00 still closes this day's period.
        var endMinutes = end.Date == start.Date ? (int)end.TimeOfDay.TotalMinutes
            : end.Date == start.Date.AddDays(1) && end.TimeOfDay == TimeSpan.Zero ? 1440
            : int.MaxValue;
        return startMinutes >= StartMinutes && endMinutes <= EndMinutes;
    }

    /// <summary>The days in the order DaysOfWeek lists them (Sunday first).</summary>
    public static readonly IReadOnlyList<DayOfWeek> WeekOrder =
        [DayOfWeek.Sunday, DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday, DayOfWeek.Saturday];
}
