using Rendezvous.Protocol;

namespace Rendezvous.Calendar.Tests;

/// <summary>ZoneClock's tables give what TimeZones gives, instant for instant, in zones with every kind of change.</summary>
public sealed class ZoneClockTests
{
    [Theory]
    [InlineData("Europe/Paris", 2030)]
    [InlineData("America/New_York", 2007)]
    [InlineData("Australia/Sydney", 2008)]
    [InlineData("Europe/Moscow", 2011)]
    [InlineData("Europe/Moscow", 2014)]
    [InlineData("America/Santiago", 2030)]
    [InlineData("Australia/Lord_Howe", 2030)]
    [InlineData("Pacific/Chatham", 2030)]
    [InlineData("Africa/Casablanca", 2030)]
    [InlineData("Asia/Kolkata", 1945)]
    [InlineData("Romance Standard Time", 1976)]
    public void Every_quarter_hour_of_a_year_converts_as_TimeZones_converts_it(string zoneId, int year)
    {
        var zone = TimeZones.Find(zoneId)!;
        var clock = ZoneClock.For(zone);
        Assert.NotNull(clock);

        var mismatches = new List<string>();
        for (var t = new DateTime(year, 1, 1); t < new DateTime(year + 1, 1, 1); t = t.AddMinutes(15))
        {
            if (clock.ToUtc(t) != TimeZones.ToUtc(t, zone) && !IsAGapNetMisses(t, clock.ToUtc(t), zone))
            {
                mismatches.Add($"local {t:o}: {clock.ToUtc(t):o} vs {TimeZones.ToUtc(t, zone):o}");
            }

            var utc = DateTime.SpecifyKind(t, DateTimeKind.Utc);
            if (clock.ToLocal(utc) != TimeZones.ToLocal(utc, zone))
            {
                mismatches.Add($"utc {utc:o}: {clock.ToLocal(utc):o} vs {TimeZones.ToLocal(utc, zone):o}");
            }
        }

        Assert.True(mismatches.Count == 0, string.Join('\n', mismatches.Take(10)));
    }

    /// <summary>
    /// .NET's IsInvalidTime misses a gap made by a change of the zone's standard offset (Moscow to +04 on 2011-03-27,
    /// Casablanca's Ramadan changes), and TimeZones.ToUtc then gives an instant that is not <paramref name="local"/> at
    /// all; the table reads such a time as the gap it is, moved forward.
    /// </summary>
    private static bool IsAGapNetMisses(DateTime local, DateTime clockUtc, TimeZoneInfo zone) =>
        TimeZones.ToLocal(TimeZones.ToUtc(local, zone), zone) != local && TimeZones.ToLocal(clockUtc, zone) > local;

    [Fact]
    public void UTC_and_zones_defined_by_a_client_are_not_tabled()
    {
        Assert.Null(ZoneClock.For(TimeZoneInfo.Utc));
        Assert.Null(ZoneClock.For(TimeZoneInfo.CreateCustomTimeZone("Client zone", TimeSpan.FromHours(2), "Client zone", "Client zone")));
    }
}
