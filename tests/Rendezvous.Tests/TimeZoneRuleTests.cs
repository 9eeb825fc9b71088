using Rendezvous.Protocol;

namespace Rendezvous.Tests;

/// <summary>The zone arithmetic on its own, across the DST transitions of four zones.</summary>
public sealed class TimeZoneRuleTests
{
    private static readonly TimeZoneInfo Paris = TimeZones.Find("Romance Standard Time")!;
    private static readonly TimeZoneInfo NewYork = TimeZones.Find("Eastern Standard Time")!;
    private static readonly TimeZoneInfo Sydney = TimeZones.Find("AUS Eastern Standard Time")!;

    [Theory]
    [InlineData("Romance Standard Time", "Europe/Paris")]
    [InlineData("Eastern Standard Time", "America/New_York")]
    [InlineData("AUS Eastern Standard Time", "Australia/Sydney")]
    [InlineData("GMT Standard Time", "Europe/London")]
    public void Windows_ids_map_to_their_IANA_zone_and_back(string windows, string iana)
    {
        Assert.Equal(TimeZones.Find(iana)!.GetUtcOffset(new DateTime(2026, 7, 1, 12, 0, 0, DateTimeKind.Utc)), TimeZones.Find(windows)!.GetUtcOffset(new DateTime(2026, 7, 1, 12, 0, 0, DateTimeKind.Utc)));
        Assert.Equal(windows, TimeZones.WindowsId(iana));
        Assert.Equal(windows, TimeZones.WindowsId(windows.ToUpperInvariant()));
    }

    [Fact]
    public void Utc_and_unknown_ids()
    {
        Assert.Same(TimeZoneInfo.Utc, TimeZones.Find("UTC"));
        Assert.Same(TimeZoneInfo.Utc, TimeZones.Find(null));
        Assert.Null(TimeZones.Find("Atlantis Standard Time"));
        Assert.Null(TimeZones.WindowsId("Atlantis Standard Time"));
        Assert.Contains("UTC", TimeZones.KnownWindowsIds);
        Assert.True(TimeZones.KnownWindowsIds.Count > 100);
    }

    [Theory]
    // Paris: clocks go forward on 29 March 2026 at 02:00 and back on 25 October at 03:00.
    [InlineData("Romance Standard Time", "2026-03-29T01:59:00", "2026-03-29T00:59:00")]
    [InlineData("Romance Standard Time", "2026-03-29T03:00:00", "2026-03-29T01:00:00")]
    [InlineData("Romance Standard Time", "2026-10-25T03:00:00", "2026-10-25T02:00:00")]
    // New York: 8 March and 1 November 2026 at 02:00.
    [InlineData("Eastern Standard Time", "2026-03-08T01:30:00", "2026-03-08T06:30:00")]
    [InlineData("Eastern Standard Time", "2026-03-08T03:30:00", "2026-03-08T07:30:00")]
    [InlineData("Eastern Standard Time", "2026-11-01T03:00:00", "2026-11-01T08:00:00")]
    // Sydney (southern summer): back on 5 April 2026 at 03:00, forward on 4 October at 02:00.
    [InlineData("AUS Eastern Standard Time", "2026-04-05T03:00:00", "2026-04-04T17:00:00")]
    [InlineData("AUS Eastern Standard Time", "2026-10-04T03:00:00", "2026-10-03T16:00:00")]
    [InlineData("UTC", "2026-03-29T02:30:00", "2026-03-29T02:30:00")]
    public void Wall_clock_times_convert_on_both_sides_of_each_transition(string zone, string local, string utc)
    {
        var at = DateTime.Parse(local, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(DateTime.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), TimeZones.ToUtc(at, zone));
        Assert.Equal(at, TimeZones.ToLocal(TimeZones.ToUtc(at, zone), TimeZones.Find(zone)!));
    }

    [Fact]
    public void A_time_in_the_spring_gap_is_read_with_the_offset_before_it()
    {
        // 02:30 does not exist in Paris on 29 March 2026; RFC 5545 reads it as 02:30+01:00, that is 03:30 CEST.
        Assert.Equal(new DateTime(2026, 3, 29, 1, 30, 0), TimeZones.ToUtc(new DateTime(2026, 3, 29, 2, 30, 0), Paris));
        Assert.Equal(new DateTime(2026, 3, 8, 7, 30, 0), TimeZones.ToUtc(new DateTime(2026, 3, 8, 2, 30, 0), NewYork));
        Assert.Equal(new DateTime(2026, 10, 3, 16, 30, 0), TimeZones.ToUtc(new DateTime(2026, 10, 4, 2, 30, 0), Sydney));
    }

    [Fact]
    public void A_time_that_occurs_twice_in_autumn_is_its_first_occurrence()
    {
        Assert.Equal(new DateTime(2026, 10, 25, 0, 30, 0), TimeZones.ToUtc(new DateTime(2026, 10, 25, 2, 30, 0), Paris));
        Assert.Equal(new DateTime(2026, 11, 1, 5, 30, 0), TimeZones.ToUtc(new DateTime(2026, 11, 1, 1, 30, 0), NewYork));
        Assert.Equal(new DateTime(2026, 4, 4, 15, 30, 0), TimeZones.ToUtc(new DateTime(2026, 4, 5, 2, 30, 0), Sydney));
    }

    [Fact]
    public void Yearly_rules_are_read_off_the_tz_database()
    {
        var paris = TimeZoneDefinition.RuleOf(Paris, 2026);
        Assert.Equal(TimeSpan.FromHours(1), paris.StandardOffset);
        Assert.Equal(TimeSpan.FromHours(1), paris.DaylightDelta);
        Assert.Equal(new YearlyTransition(3, DayOfWeek.Sunday, YearlyTransition.Last, TimeSpan.FromHours(2)), paris.ToDaylight);
        Assert.Equal(new YearlyTransition(10, DayOfWeek.Sunday, YearlyTransition.Last, TimeSpan.FromHours(3)), paris.ToStandard);

        var newYork = TimeZoneDefinition.RuleOf(NewYork, 2026);
        Assert.Equal(TimeSpan.FromHours(-5), newYork.StandardOffset);
        Assert.Equal(new YearlyTransition(3, DayOfWeek.Sunday, 2, TimeSpan.FromHours(2)), newYork.ToDaylight);
        Assert.Equal(new YearlyTransition(11, DayOfWeek.Sunday, 1, TimeSpan.FromHours(2)), newYork.ToStandard);
        // Before 2007 the US rule was the first Sunday of April to the last Sunday of October.
        Assert.Equal(new YearlyTransition(4, DayOfWeek.Sunday, 1, TimeSpan.FromHours(2)), TimeZoneDefinition.RuleOf(NewYork, 2006).ToDaylight);

        var sydney = TimeZoneDefinition.RuleOf(Sydney, 2026);
        Assert.Equal(TimeSpan.FromHours(10), sydney.StandardOffset);
        Assert.Equal(new YearlyTransition(10, DayOfWeek.Sunday, 1, TimeSpan.FromHours(2)), sydney.ToDaylight);
        Assert.Equal(new YearlyTransition(4, DayOfWeek.Sunday, 1, TimeSpan.FromHours(3)), sydney.ToStandard);

        var utc = TimeZoneDefinition.RuleOf(TimeZoneInfo.Utc, 2026);
        Assert.False(utc.HasDaylight);
        Assert.Equal(TimeSpan.Zero, utc.StandardOffset);
    }

    [Fact]
    public void A_definition_groups_years_that_share_a_rule()
    {
        var eastern = TimeZones.Definition("Eastern Standard Time");
        Assert.Equal(["2000", "2007"], eastern.Groups.Select(g => g.Id));
        Assert.Null(eastern.Groups[0].FromYear);
        Assert.Equal(2007, eastern.Groups[1].FromYear);
        Assert.Equal(TimeSpan.FromHours(5), eastern.Groups[1].Standard.Bias);
        Assert.Equal(TimeSpan.FromHours(4), eastern.Groups[1].Daylight!.Bias);
        Assert.Equal(["2000"], TimeZones.Definition("UTC").Groups.Select(g => g.Id));
    }

    [Theory]
    [InlineData("2026-07-01T10:00:00Z", "Romance Standard Time", "2026-07-01T12:00:00+02:00")]
    [InlineData("2026-01-01T10:00:00Z", "Romance Standard Time", "2026-01-01T11:00:00+01:00")]
    [InlineData("2026-01-01T10:00:00Z", "Eastern Standard Time", "2026-01-01T05:00:00-05:00")]
    [InlineData("2026-01-01T10:00:00Z", "GMT Standard Time", "2026-01-01T10:00:00Z")]
    [InlineData("2026-01-01T10:00:00Z", "UTC", "2026-01-01T10:00:00Z")]
    public void Times_are_written_in_the_context_zone_with_their_offset(string utc, string zone, string written)
    {
        var at = DateTime.Parse(utc, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal);
        Assert.Equal(written, Values.Format(at, TimeZones.Find(zone)));
    }

    [Theory]
    [InlineData(0, "PT0H")]
    [InlineData(-60, "-PT1H")]
    [InlineData(300, "PT5H")]
    [InlineData(-570, "-PT9H30M")]
    public void Biases_are_written_as_Windows_writes_them(int minutes, string text) =>
        Assert.Equal(text, Values.Duration(TimeSpan.FromMinutes(minutes)));
}
