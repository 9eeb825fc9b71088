using System.Globalization;
using Rendezvous.Protocol;

namespace Rendezvous.Calendar.Tests;

/// <summary>One file of tests/data/recurrence (its README gives the format): a series, a window and what it must give.</summary>
internal sealed record Scenario(
    string Name,
    TimeZoneInfo Zone,
    Series Series,
    DateTime? WindowFromUtc,
    DateTime? WindowToUtc,
    string? Count,
    IReadOnlyList<(int Index, DateTime Local, DateTime? Utc)> Expected)
{
    private static readonly string[] TimeFormats = ["yyyy-MM-ddTHH:mm"];

    public static string Folder
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Rendezvous.slnx")))
            {
                dir = dir.Parent;
            }

            return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("repository root not found"), "tests", "data", "recurrence");
        }
    }

    public static IEnumerable<string> Names() =>
        Directory.GetFiles(Folder, "*.txt").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal)!;

    public static Scenario Load(string name)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var expected = new List<(int, DateTime, DateTime?)>();
        var inOccurrences = false;
        foreach (var raw in File.ReadLines(Path.Combine(Folder, name + ".txt")))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (inOccurrences)
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                expected.Add((int.Parse(parts[0], CultureInfo.InvariantCulture), Local(parts[1]), parts.Length > 2 ? UtcOf(parts[2]) : null));
                continue;
            }

            if (line == "occurrences:")
            {
                inOccurrences = true;
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            values[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        var zone = TimeZones.Find(values["zone"]) ?? throw new InvalidOperationException("unknown zone " + values["zone"]);
        var allDay = values.TryGetValue("allday", out var a) && a == "yes";
        var series = new Series(
            new Recurrence(Pattern(values["pattern"]), Range(values["range"])),
            TimeZones.ToUtc(Local(values["start"]), zone),
            TimeZones.ToUtc(Local(values["end"]), zone),
            zone,
            zone,
            allDay);
        DateTime? from = null, to = null;
        if (values.TryGetValue("window", out var window))
        {
            var parts = window.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            (from, to) = (TimeZones.ToUtc(Local(parts[0]), zone), TimeZones.ToUtc(Local(parts[1]), zone));
        }

        return new Scenario(name, zone, series, from, to, values.GetValueOrDefault("count"), expected);
    }

    private static RecurrencePattern Pattern(string text)
    {
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var members = parts.Skip(1).Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        int? Int(string key) => members.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : null;
        var days = members.TryGetValue("days", out var d)
            ? d.Split(',').Aggregate(RecurrenceDays.None, (set, day) => set | Enum.Parse<RecurrenceDays>(day))
            : RecurrenceDays.None;
        return new RecurrencePattern(
            Enum.Parse<RecurrencePatternKind>(parts[0]),
            Int("interval") ?? 1,
            days,
            members.TryGetValue("index", out var index) ? Enum.Parse<DayOfWeekIndex>(index) : null,
            Int("day"),
            Int("month"),
            members.TryGetValue("firstday", out var first) ? Enum.Parse<DayOfWeek>(first) : DayOfWeek.Sunday);
    }

    private static RecurrenceRange Range(string text)
    {
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var members = parts.Skip(1).Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        return new RecurrenceRange(
            Enum.Parse<RecurrenceRangeKind>(parts[0]),
            DateOnly.ParseExact(members["start"], "yyyy-MM-dd", CultureInfo.InvariantCulture),
            members.TryGetValue("end", out var end) ? DateOnly.ParseExact(end, "yyyy-MM-dd", CultureInfo.InvariantCulture) : null,
            members.TryGetValue("count", out var count) ? int.Parse(count, CultureInfo.InvariantCulture) : null);
    }

    private static DateTime Local(string text) => DateTime.ParseExact(text, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None);

    private static DateTime UtcOf(string text) =>
        DateTime.SpecifyKind(DateTime.ParseExact(text.TrimEnd('Z'), TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None), DateTimeKind.Utc);
}
