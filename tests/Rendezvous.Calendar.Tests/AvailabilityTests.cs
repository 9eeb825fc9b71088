using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Calendar.Tests;

/// <summary>The free/busy engine, the legacy time zone form and the suggestions, as pure functions.</summary>
public sealed class AvailabilityTests
{
    private static Item Appointment(DateTime start, DateTime end, string? status = "Busy", string id = "i", bool cancelled = false, string? sensitivity = null) => new()
    {
        Id = id,
        Kind = ItemKind.CalendarItem,
        Subject = "S " + id,
        Start = start,
        End = end,
        LegacyFreeBusyStatus = status,
        IsCancelled = cancelled,
        Sensitivity = sensitivity,
    };

    private static DateTime Utc(int y, int mo, int d, int h = 0, int mi = 0) => new(y, mo, d, h, mi, 0, DateTimeKind.Utc);

    private static TimeZoneInfo Zone(string id) => TimeZones.Find(id) ?? throw new InvalidOperationException(id);

    /// <summary>The window of one local day of <paramref name="zone"/>.</summary>
    private static UtcWindow LocalDay(TimeZoneInfo zone, int y, int mo, int d) =>
        new(TimeZones.ToUtc(new DateTime(y, mo, d), zone), TimeZones.ToUtc(new DateTime(y, mo, d).AddDays(1), zone));

    [Theory]
    [InlineData("Europe/Paris", 2030, 3, 31, 23)]
    [InlineData("Europe/Paris", 2030, 10, 27, 25)]
    [InlineData("America/New_York", 2030, 3, 10, 23)]
    [InlineData("America/New_York", 2030, 11, 3, 25)]
    [InlineData("Australia/Sydney", 2030, 4, 7, 25)]
    [InlineData("Australia/Sydney", 2030, 10, 6, 23)]
    [InlineData("UTC", 2030, 3, 31, 24)]
    public void A_day_of_a_DST_change_has_as_many_hourly_intervals_as_hours(string zoneId, int y, int mo, int d, int hours)
    {
        var zone = Zone(zoneId);
        var day = LocalDay(zone, y, mo, d);
        // A meeting 15:00–16:00 local, after the change: its digit must sit at the elapsed hour, not drift by one.
        var meeting = new CalendarEventView(TimeZones.ToUtc(new DateTime(y, mo, d, 15, 0, 0), zone), TimeZones.ToUtc(new DateTime(y, mo, d, 16, 0, 0), zone), "Busy", null);

        var merged = Availability.MergedFreeBusy([meeting], day, 60);

        Assert.Equal(hours, merged.Length);
        var index = merged.IndexOf('2', StringComparison.Ordinal);
        Assert.Equal((int)(meeting.Start - day.Start).TotalHours, index);
        Assert.Equal(15 + (hours - 24), index);
        Assert.Equal(1, merged.Count(c => c == '2'));
    }

    [Fact]
    public void The_docs_example_gives_3220_and_a_partial_last_interval_still_gets_a_digit()
    {
        var window = new UtcWindow(Utc(2030, 1, 7, 9), Utc(2030, 1, 7, 13));
        var events = new[]
        {
            new CalendarEventView(Utc(2030, 1, 7, 9), Utc(2030, 1, 7, 10), "OOF", null),
            new CalendarEventView(Utc(2030, 1, 7, 10), Utc(2030, 1, 7, 11, 30), "Busy", null),
        };

        Assert.Equal("3220", Availability.MergedFreeBusy(events, window, 60));
        Assert.Equal("32200", Availability.MergedFreeBusy(events, window with { End = Utc(2030, 1, 7, 13, 10) }, 60));
        Assert.Equal("0", Availability.MergedFreeBusy([], new UtcWindow(Utc(2030, 1, 7), Utc(2030, 1, 7, 0, 5)), 30));
    }

    [Fact]
    public void Cancelled_items_do_not_count_free_ones_count_as_free_and_items_partly_inside_are_whole()
    {
        var window = new UtcWindow(Utc(2030, 1, 7, 9), Utc(2030, 1, 7, 11));
        var items = new[]
        {
            Appointment(Utc(2030, 1, 7, 8), Utc(2030, 1, 7, 9, 30), id: "early"),
            Appointment(Utc(2030, 1, 7, 10), Utc(2030, 1, 7, 11), cancelled: true, id: "cancelled"),
            Appointment(Utc(2030, 1, 7, 10), Utc(2030, 1, 7, 11), "Free", id: "free"),
            Appointment(Utc(2030, 1, 7, 11), Utc(2030, 1, 7, 12), id: "after"),
        };

        var view = Availability.View(items, new FreeBusyOptions(window, 60, "FreeBusyMerged"), DetailRight.FreeBusy, WorkingHours.Default);

        Assert.Equal("20", view.MergedFreeBusy);
        Assert.Equal([(Utc(2030, 1, 7, 8), "Busy"), (Utc(2030, 1, 7, 10), "Free")], view.Events!.Select(e => (e.Start, e.BusyType)));
    }

    [Theory]
    [InlineData(DetailRight.FreeBusy, "Detailed", "FreeBusy", false, false)]
    [InlineData(DetailRight.FreeBusy, "DetailedMerged", "FreeBusyMerged", false, false)]
    [InlineData(DetailRight.FullDetails, "Detailed", "Detailed", true, false)]
    [InlineData(DetailRight.Owner, "DetailedMerged", "DetailedMerged", true, true)]
    public void Details_follow_the_right_and_a_private_item_shows_them_to_its_owner_only(DetailRight right, string requested, string returned, bool publicDetails, bool privateDetails)
    {
        var window = new UtcWindow(Utc(2030, 1, 7), Utc(2030, 1, 8));
        var items = new[] { Appointment(Utc(2030, 1, 7, 9), Utc(2030, 1, 7, 10), id: "public"), Appointment(Utc(2030, 1, 7, 11), Utc(2030, 1, 7, 12), id: "private", sensitivity: "Private") };

        var view = Availability.View(items, new FreeBusyOptions(window, 30, requested), right, WorkingHours.Default);

        Assert.Equal(returned, view.ViewType);
        Assert.Equal(publicDetails, view.Events![0].Details is not null);
        Assert.Equal(privateDetails, view.Events[1].Details is not null);
    }

    [Fact]
    public void The_whole_request_checks_name_the_documented_codes()
    {
        static ErrorCode Code(AvailabilityRequest r) => Assert.Throws<RequestFailedException>(() => Availability.Validate(r)).Code;
        var day = new UtcWindow(Utc(2030, 1, 7), Utc(2030, 1, 8));
        var one = new[] { new MailboxQuery("a@example.com", "Required", false) };
        AvailabilityRequest Request(UtcWindow w, int interval = 30, string view = "Detailed", int mailboxes = 1) =>
            new(TimeZoneInfo.Utc, [.. Enumerable.Repeat(one[0], mailboxes)], new FreeBusyOptions(w, interval, view), null);

        Assert.Equal(ErrorCode.MailboxLimitReached, Code(Request(day, mailboxes: 101)));
        Assert.Equal(ErrorCode.TimeIntervalInvalid, Code(Request(new UtcWindow(day.End, day.Start))));
        Assert.Equal(ErrorCode.TimeIntervalTooBig, Code(Request(day with { End = day.Start.AddDays(42).AddMinutes(1) })));
        Assert.Equal(ErrorCode.MergedFreeBusyIntervalInvalid, Code(Request(day, interval: 4)));
        Assert.Equal(ErrorCode.FreeBusyViewTypeInvalid, Code(Request(day, view: "None")));
        Availability.Validate(Request(day with { End = day.Start.AddDays(42) }, 1440, mailboxes: 100));
    }

    [Theory]
    [InlineData("Europe/Paris", -60, -60, 3, 10, "02:00:00", "03:00:00")]
    [InlineData("America/New_York", 300, -60, 3, 11, "02:00:00", "02:00:00")]
    [InlineData("Australia/Sydney", -600, -60, 10, 4, "02:00:00", "03:00:00")]
    public void A_zone_becomes_the_legacy_form_of_its_current_rules_and_builds_back_to_the_same_offsets(string id, int bias, int daylightBias, int daylightMonth, int standardMonth, string daylightTime, string standardTime)
    {
        var zone = Zone(id);

        var legacy = LegacyTimeZone.FromTimeZone(zone, 2030);

        Assert.Equal(bias, legacy.Bias);
        Assert.Equal((daylightBias, daylightMonth, daylightTime, DayOfWeek.Sunday), (legacy.DaylightTime.Bias, legacy.DaylightTime.Month, legacy.DaylightTime.TimeText, legacy.DaylightTime.DayOfWeek));
        Assert.Equal((0, standardMonth, standardTime), (legacy.StandardTime.Bias, legacy.StandardTime.Month, legacy.StandardTime.TimeText));
        var rebuilt = legacy.ToTimeZoneInfo("round trip");
        for (var t = Utc(2030, 1, 1); t < Utc(2031, 1, 1); t = t.AddHours(1))
        {
            Assert.True(zone.GetUtcOffset(t) == rebuilt.GetUtcOffset(t), $"{id} differs at {t:O}");
        }
    }

    [Fact]
    public void A_zone_without_daylight_time_has_no_transitions_and_the_exchangelib_utc_form_builds_utc()
    {
        var tokyo = LegacyTimeZone.FromTimeZone(Zone("Asia/Tokyo"), 2030);
        Assert.Equal((-540, 0, 0), (tokyo.Bias, tokyo.StandardTime.Month, tokyo.DaylightTime.Month));

        // exchangelib's UTC: both transitions present, both biases 0.
        var utc = LegacyTimeZone.Build("utc", 0, new LegacyTransition(0, TimeSpan.Zero, 1, 1, DayOfWeek.Monday), new LegacyTransition(0, TimeSpan.Zero, 5, 12, DayOfWeek.Sunday));
        Assert.Equal(TimeSpan.Zero, utc.GetUtcOffset(Utc(2030, 7, 1)));
        Assert.Throws<ArgumentException>(() => LegacyTimeZone.Build("bad", 0, new LegacyTransition(0, TimeSpan.Zero, 1, 13, DayOfWeek.Monday), new LegacyTransition(-60, TimeSpan.Zero, 1, 3, DayOfWeek.Sunday)));
    }

    [Fact]
    public void A_wall_clock_time_in_the_spring_gap_reads_as_the_instant_after_the_change()
    {
        var paris = Zone("Europe/Paris");
        Assert.Equal(Utc(2030, 3, 31, 1, 30), TimeZones.ToUtc(new DateTime(2030, 3, 31, 2, 30, 0), paris));
    }

    private static readonly WorkingHours UtcNineToFive = new([DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday], 540, 1020, "UTC");

    private static SuggestionOptions Options(UtcWindow window, int max = 48, string minimum = "Poor", int nonWork = 0, int duration = 60) =>
        new(window, 25, max, nonWork, duration, minimum);

    [Fact]
    public void Optional_attendees_break_ties_rooms_must_be_free_and_ExcludeConflicts_drops_times()
    {
        var monday = new UtcWindow(Utc(2030, 1, 7), Utc(2030, 1, 8));
        var attendees = new List<AttendeeCalendar>
        {
            new(new MailboxQuery("org@x", "Organizer", false), [], UtcNineToFive),
            new(new MailboxQuery("opt@x", "Optional", false), [Appointment(Utc(2030, 1, 7, 9), Utc(2030, 1, 7, 12))], UtcNineToFive),
            new(new MailboxQuery("room@x", "Room", false), [Appointment(Utc(2030, 1, 7, 14), Utc(2030, 1, 7, 15))], null),
            new(new MailboxQuery("req@x", "Required", true), [Appointment(Utc(2030, 1, 7, 16), Utc(2030, 1, 7, 17))], UtcNineToFive),
        };

        var day = Assert.Single(Suggestions.Suggest(attendees, Options(monday), TimeZoneInfo.Utc));
        var byTime = day.Suggestions.ToDictionary(s => s.MeetingTime.Hour * 60 + s.MeetingTime.Minute);

        // The optional attendee's conflict does not lower the quality.
        Assert.Equal("Excellent", byTime[9 * 60].Quality);
        // The only room is busy: Poor, whoever else is free.
        Assert.Equal("Poor", byTime[14 * 60].Quality);
        // The required attendee excludes conflicts: 15:30 and 16:00 overlap their 16:00–17:00 and are not offered.
        Assert.False(byTime.ContainsKey(15 * 60 + 30));
        Assert.False(byTime.ContainsKey(16 * 60));
        Assert.Equal("Busy", byTime[9 * 60].Conflicts[1].BusyType);

        // With one result a day, the best is a time when the optional attendee is free too.
        var best = Assert.Single(Assert.Single(Suggestions.Suggest(attendees, Options(monday, max: 1), TimeZoneInfo.Utc)).Suggestions);
        Assert.Equal(Utc(2030, 1, 7, 12), best.MeetingTime);
    }

    [Theory]
    [InlineData(4, 4, 25, "Excellent")]
    [InlineData(3, 4, 25, "Good")]
    [InlineData(3, 4, 26, "Fair")]
    [InlineData(2, 4, 25, "Fair")]
    [InlineData(1, 4, 25, "Poor")]
    public void Quality_follows_the_documented_thresholds(int free, int counted, int goodThreshold, string quality) =>
        Assert.Equal(quality, Suggestions.Quality(free, counted, goodThreshold));

    [Fact]
    public void Suggestions_on_a_23_hour_day_stay_on_the_wall_clock_half_hours()
    {
        var paris = Zone("Europe/Paris");
        var hours = UtcNineToFive with { TimeZoneId = "Europe/Paris", Days = [DayOfWeek.Sunday] };
        var attendees = new List<AttendeeCalendar> { new(new MailboxQuery("a@x", "Organizer", false), [], hours) };

        var day = Assert.Single(Suggestions.Suggest(attendees, Options(LocalDay(paris, 2030, 3, 31)), paris));

        var local = day.Suggestions.Select(s => TimeZoneInfo.ConvertTimeFromUtc(s.MeetingTime, paris)).ToList();
        Assert.Equal(new DateTime(2030, 3, 31, 9, 0, 0), local[0]);
        Assert.Equal(new DateTime(2030, 3, 31, 16, 0, 0), local[^1]);
        Assert.All(local, t => Assert.Equal(0, t.Minute % 30));
        Assert.Equal(TimeZones.ToUtc(new DateTime(2030, 3, 31), paris), day.Date);
    }
}
