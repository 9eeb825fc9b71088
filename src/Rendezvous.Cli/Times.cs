using System.Globalization;
using Rendezvous.Protocol;

namespace Rendezvous.Cli;

/// <summary>
/// Times as the user types and reads them. An input with an offset or Z is an instant; without one it is a wall-clock
/// time in the user's zone (--tz, else the machine's); a date alone is its midnight. Output is always in that zone.
/// </summary>
internal static class Times
{
    // Both 'T' and a space separate date and time, so a START copied from a table reads back.
    private static readonly string[] WallClockFormats =
    [
        "yyyy-MM-dd",
        "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
        "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss",
    ];

    private static readonly string[] OffsetFormats =
    [
        "yyyy-MM-dd'T'HH:mmzzz", "yyyy-MM-dd'T'HH:mm:sszzz", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz",
    ];

    private static readonly string[] UtcFormats =
    [
        "yyyy-MM-dd'T'HH:mm'Z'", "yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'",
    ];

    /// <summary>The zone --tz names (IANA or Windows id), else the machine's.</summary>
    public static TimeZoneInfo Zone(Options options) =>
        options.Get("--tz") is not { } id ? TimeZoneInfo.Local
        : TimeZones.Find(id) ?? throw new UsageException($"unknown time zone '{id}' (use an IANA id such as Europe/Paris or a Windows id)");

    /// <summary>The instant the option's value names, read in <paramref name="zone"/> when it has no offset.</summary>
    public static DateTimeOffset? GetInstant(Options options, string name, TimeZoneInfo zone) =>
        options.Get(name) is { } text ? Parse(text, zone, name) : null;

    public static DateTimeOffset RequireInstant(Options options, string name, TimeZoneInfo zone) =>
        GetInstant(options, name, zone) ?? throw new UsageException($"{name} TIME is required (ISO 8601, e.g. 2030-06-03T14:00 or 2030-06-03T12:00Z)");

    public static DateTimeOffset Parse(string text, TimeZoneInfo zone, string option)
    {
        text = text.Trim();
        if (DateTimeOffset.TryParseExact(text, OffsetFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var withOffset))
        {
            return withOffset;
        }

        if (DateTimeOffset.TryParseExact(text, UtcFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var utc))
        {
            return utc;
        }

        if (DateTime.TryParseExact(text, WallClockFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var wallClock))
        {
            // ToUtc settles the spring-forward gap and the repeated autumn hour the way the server does.
            return new DateTimeOffset(TimeZones.ToUtc(wallClock, zone), TimeSpan.Zero);
        }

        throw new UsageException($"{option} needs an ISO 8601 time such as 2030-06-03T14:00, 2030-06-03T14:00+02:00 or 2030-06-03 (got '{text}')");
    }

    /// <summary>A UTC time from the library as the same instant with the zone's offset (JSON writes it as ISO 8601).</summary>
    public static DateTimeOffset InZone(DateTime utc, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)), zone);

    public static DateTimeOffset? InZone(DateTime? utc, TimeZoneInfo zone) => utc is { } value ? InZone(value, zone) : null;

    /// <summary>"yyyy-MM-dd HH:mm", the form tables use.</summary>
    public static string Show(DateTimeOffset? time) =>
        time?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "";

    /// <summary>"2030-06-03 14:00–15:00", or both dates when the range crosses midnight.</summary>
    public static string ShowRange(DateTimeOffset? start, DateTimeOffset? end) =>
        start is { } s && end is { } e && s.Date == e.Date
            ? Show(s) + "–" + e.ToString("HH:mm", CultureInfo.InvariantCulture)
            : Show(start) + " – " + Show(end);
}
