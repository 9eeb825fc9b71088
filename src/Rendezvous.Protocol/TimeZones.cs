using System.Collections.Concurrent;
using System.Globalization;
using System.Xml.Linq;
using TimeZoneConverter;

namespace Rendezvous.Protocol;

/// <summary>
/// Time zones as EWS names them: Windows ids ("Romance Standard Time", "UTC"), mapped to the IANA zones of the
/// system's tz database through CLDR's windowsZones table (the TimeZoneConverter package), never a table of our own.
/// IANA ids are accepted too and turned into their Windows id, the only kind EWS clients map back.
/// </summary>
public static class TimeZones
{
    private static readonly ConcurrentDictionary<string, TimeZoneInfo?> Cache = new(StringComparer.OrdinalIgnoreCase);

    private static readonly Lazy<IReadOnlyList<string>> Known = new(() =>
        [.. TZConvert.KnownWindowsTimeZoneIds.Where(id => Find(id) is not null).Order(StringComparer.Ordinal)]);

    // Every request's TimeZoneContext and StartTimeZone is looked up here: a dictionary, not a scan of the id list.
    private static readonly Dictionary<string, string> WindowsIds = TZConvert.KnownWindowsTimeZoneIds.ToDictionary(id => id, StringComparer.OrdinalIgnoreCase);

    /// <summary>Every Windows id this server can resolve, as GetServerTimeZones lists them.</summary>
    public static IReadOnlyList<string> KnownWindowsIds => Known.Value;

    /// <summary>The zone a Windows or IANA id names; UTC for none; null when unknown.</summary>
    public static TimeZoneInfo? Find(string? id)
    {
        if (string.IsNullOrWhiteSpace(id) || id == "UTC")
        {
            return TimeZoneInfo.Utc;
        }

        return Cache.GetOrAdd(id.Trim(), static key => TZConvert.TryGetTimeZoneInfo(key, out var zone) ? zone : null);
    }

    /// <summary>The Windows id for a Windows or IANA id, or null when the id is unknown.</summary>
    public static string? WindowsId(string? id)
    {
        if (string.IsNullOrWhiteSpace(id) || id == "UTC")
        {
            return "UTC";
        }

        id = id.Trim();
        if (WindowsIds.TryGetValue(id, out var windows))
        {
            return windows;
        }

        return TZConvert.TryIanaToWindows(id, out var mapped) ? mapped : null;
    }

    /// <summary>
    /// A Windows zone id as a client with its own table reads it back. DavMail 6's table of Exchange zones
    /// (stdtimezones) has no "UTC" and takes an unknown id for London time, daylight saving included; "Greenwich
    /// Standard Time" is the zone of the same offset without daylight saving that it knows.
    /// </summary>
    public static string ClientZoneId(string windowsId) => windowsId == "UTC" ? "Greenwich Standard Time" : windowsId;

    /// <summary>
    /// A wall-clock time in <paramref name="zone"/> as UTC. A time that does not exist (in the gap when clocks go
    /// forward) is read with the offset before the gap, so 02:30 becomes 03:30; a time that occurs twice (when clocks
    /// go back) is its first occurrence. Both as RFC 5545 §3.3.5 says.
    /// </summary>
    public static DateTime ToUtc(DateTime wallClock, TimeZoneInfo zone)
    {
        var local = DateTime.SpecifyKind(wallClock, DateTimeKind.Unspecified);
        if (zone == TimeZoneInfo.Utc)
        {
            return DateTime.SpecifyKind(local, DateTimeKind.Utc);
        }

        if (zone.IsInvalidTime(local))
        {
            // A day earlier the offset before the gap is in force (offsets never change twice within a day).
            var before = zone.GetUtcOffset(DateTime.SpecifyKind(local.AddDays(-1) - zone.BaseUtcOffset, DateTimeKind.Utc));
            return DateTime.SpecifyKind(local - before, DateTimeKind.Utc);
        }

        if (zone.IsAmbiguousTime(local))
        {
            var offsets = zone.GetAmbiguousTimeOffsets(local);
            return DateTime.SpecifyKind(local - offsets.Max(), DateTimeKind.Utc);
        }

        return TimeZoneInfo.ConvertTimeToUtc(local, zone);
    }

    /// <summary>A wall-clock time read in the zone <paramref name="zoneId"/> (UTC when null or unknown) as UTC.</summary>
    public static DateTime ToUtc(DateTime wallClock, string? zoneId) => ToUtc(wallClock, Find(zoneId) ?? TimeZoneInfo.Utc);

    /// <summary>A UTC time as the wall-clock time of <paramref name="zone"/>.</summary>
    public static DateTime ToLocal(DateTime utc, TimeZoneInfo zone) =>
        DateTime.SpecifyKind(TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone), DateTimeKind.Unspecified);

    /// <summary>The display name EWS shows beside the id, e.g. "(UTC+01:00) Brussels, Copenhagen, Madrid, Paris".</summary>
    public static string DisplayName(string windowsId)
    {
        var zone = Find(windowsId) ?? TimeZoneInfo.Utc;
        return zone == TimeZoneInfo.Utc ? "(UTC) Coordinated Universal Time" : zone.DisplayName;
    }

    private static readonly ConcurrentDictionary<string, TimeZoneDefinition> Definitions = new(StringComparer.Ordinal);

    /// <summary>
    /// The full EWS definition (periods, transition groups, transitions) of a Windows zone, derived from the tz
    /// database: one transition group per run of years that share the same rules, from 2000 on; the last group holds
    /// for every later year. Years whose rules are not a yearly pair of day-of-week transitions (a zone changing its
    /// base offset mid-year) are given the offset they end the year with.
    /// </summary>
    public static TimeZoneDefinition Definition(string windowsId) =>
        Definitions.GetOrAdd(windowsId, static id => TimeZoneDefinition.Derive(id, Find(id) ?? throw new ArgumentException($"Unknown time zone {id}", nameof(windowsId)), FirstYear, DateTime.UtcNow.Year + 2));

    internal const int FirstYear = 2000;

    /// <summary>The definition of <paramref name="windowsId"/>, or null when this system's tz database lacks the zone.</summary>
    public static TimeZoneDefinition? TryDefinition(string windowsId) => Find(windowsId) is null ? null : Definition(windowsId);

    // Every known zone with its current rule, the plainest name first: several Windows zones share most rules ("Pacific
    // Standard Time", "British Columbia Standard Time"...). Built once; a match is a scan of it, so nothing a client
    // sends is cached.
    private static readonly Lazy<IReadOnlyList<(string Id, YearRule Rule)>> CurrentRules = new(() =>
        [.. KnownWindowsIds.OrderBy(id => id.Length).ThenBy(id => id, StringComparer.Ordinal).Select(id => (id, Definition(id).Groups[^1].Rule))]);

    /// <summary>
    /// The known zone whose current rule (its last transition group, which holds from now on) is <paramref name="rule"/>:
    /// the same transitions, or else the same offsets changing in the same months; a rule without daylight time matches
    /// a zone without it at the same offset. Null when no known zone follows the rule.
    /// </summary>
    public static string? Match(YearRule rule)
    {
        var current = CurrentRules.Value;
        return current.FirstOrDefault(z => z.Rule == rule).Id
            ?? current.FirstOrDefault(z => rule.HasDaylight && z.Rule.HasDaylight && z.Rule.StandardOffset == rule.StandardOffset && z.Rule.DaylightDelta == rule.DaylightDelta
                && z.Rule.ToDaylight!.Month == rule.ToDaylight!.Month && z.Rule.ToStandard!.Month == rule.ToStandard!.Month).Id
            ?? (rule.HasDaylight ? null : current.FirstOrDefault(z => !z.Rule.HasDaylight && z.Rule.StandardOffset == rule.StandardOffset).Id);
    }
}

/// <summary>The DayOfWeek rule of one transition: "the last Sunday of March at 02:00 local time".</summary>
public sealed record YearlyTransition(int Month, DayOfWeek DayOfWeek, int Occurrence, TimeSpan TimeOfDay)
{
    /// <summary>Occurrence -1 is the last such day of the month, as EWS writes it.</summary>
    public const int Last = -1;
}

/// <summary>How a zone behaves over one year: its standard offset and, if it has one, its daylight saving rule.</summary>
public sealed record YearRule(TimeSpan StandardOffset, TimeSpan DaylightDelta, YearlyTransition? ToDaylight, YearlyTransition? ToStandard)
{
    /// <summary>Whether the zone moves to daylight time and back that year.</summary>
    public bool HasDaylight => ToDaylight is not null && ToStandard is not null;
}

/// <summary>A period of TimeZoneDefinitionType: Bias is minus the UTC offset, as Windows writes it.</summary>
public sealed record ZonePeriod(string Id, string Name, TimeSpan Bias);

/// <summary>A group of transitions in force from <see cref="FromYear"/> (null: from the beginning) until the next group.</summary>
public sealed record ZoneTransitionsGroup(string Id, int? FromYear, ZonePeriod Standard, ZonePeriod? Daylight, YearRule Rule);

/// <summary>The Exchange 2010 TimeZoneDefinitionType of one zone.</summary>
public sealed record TimeZoneDefinition(string Id, string Name, IReadOnlyList<ZoneTransitionsGroup> Groups)
{
    /// <summary>The rule in force in <paramref name="year"/>.</summary>
    public YearRule RuleFor(int year) => Groups.Last(g => g.FromYear is null || g.FromYear <= year).Rule;

    /// <summary>Every period of every group, in group order (standard, then daylight).</summary>
    public IEnumerable<ZonePeriod> Periods => Groups.SelectMany(g => g.Daylight is null ? [g.Standard] : new[] { g.Standard, g.Daylight });

    internal static TimeZoneDefinition Derive(string windowsId, TimeZoneInfo zone, int firstYear, int lastYear)
    {
        var groups = new List<ZoneTransitionsGroup>();
        YearRule? previous = null;
        for (var year = firstYear; year <= lastYear; year++)
        {
            var rule = RuleOf(zone, year);
            if (rule == previous)
            {
                continue;
            }

            previous = rule;
            var key = year.ToString(CultureInfo.InvariantCulture);
            var standard = new ZonePeriod($"{key}-Standard", "Standard", -rule.StandardOffset);
            var daylight = rule.HasDaylight ? new ZonePeriod($"{key}-Daylight", "Daylight", -(rule.StandardOffset + rule.DaylightDelta)) : null;
            // Note: group ids are years so that they sort in time order; exchangelib picks a year's group by sorting on the id.
            groups.Add(new ZoneTransitionsGroup(key, groups.Count == 0 ? null : year, standard, daylight, rule));
        }

        return new TimeZoneDefinition(windowsId, TimeZones.DisplayName(windowsId), groups);
    }

    /// <summary>The rule a zone follows in <paramref name="year"/>, read off its actual offset changes that year.</summary>
    public static YearRule RuleOf(TimeZoneInfo zone, int year)
    {
        var changes = OffsetChanges(zone, year);
        var endOffset = zone.GetUtcOffset(new DateTime(year, 12, 31, 23, 0, 0, DateTimeKind.Utc));
        if (changes.Count == 2 && changes[0].After - changes[0].Before == -(changes[1].After - changes[1].Before) && changes[0].After != changes[0].Before)
        {
            var up = changes[0].After > changes[0].Before ? changes[0] : changes[1];
            var down = up == changes[0] ? changes[1] : changes[0];
            return new YearRule(up.Before, up.After - up.Before, Yearly(up), Yearly(down));
        }

        return new YearRule(endOffset, TimeSpan.Zero, null, null);
    }

    private static YearlyTransition Yearly((DateTime Utc, TimeSpan Before, TimeSpan After) change)
    {
        // The rule is written in the wall-clock time in force before the change, as Windows does (02:00 for "02:00 → 03:00").
        var local = change.Utc + change.Before;
        var daysInMonth = DateTime.DaysInMonth(local.Year, local.Month);
        var occurrence = local.Day + 7 > daysInMonth ? YearlyTransition.Last : ((local.Day - 1) / 7) + 1;
        return new YearlyTransition(local.Month, local.DayOfWeek, occurrence, local.TimeOfDay);
    }

    /// <summary>Every instant of the year at which the zone's UTC offset changes, to the minute.</summary>
    private static List<(DateTime Utc, TimeSpan Before, TimeSpan After)> OffsetChanges(TimeZoneInfo zone, int year)
    {
        var changes = new List<(DateTime, TimeSpan, TimeSpan)>();
        var at = new DateTime(year, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var end = at.AddYears(1);
        var offset = zone.GetUtcOffset(at);
        // Offsets never change twice within a day, so a daily probe finds every change; a search narrows it down.
        while (at < end)
        {
            var next = at.AddDays(1);
            var nextOffset = zone.GetUtcOffset(next);
            if (nextOffset != offset)
            {
                var (low, high) = (at, next);
                while (high - low > TimeSpan.FromMinutes(1))
                {
                    var middle = low + ((high - low) / 2);
                    middle = new DateTime(middle.Ticks - (middle.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc);
                    if (middle <= low)
                    {
                        break;
                    }

                    if (zone.GetUtcOffset(middle) == offset)
                    {
                        low = middle;
                    }
                    else
                    {
                        high = middle;
                    }
                }

                changes.Add((high, offset, nextOffset));
                offset = nextOffset;
            }

            at = next;
        }

        return changes;
    }
}

/// <summary>Writes t:TimeZoneDefinition elements (GetServerTimeZones, StartTimeZone/EndTimeZone in full).</summary>
public static class TimeZoneWriter
{
    /// <summary>Writes <paramref name="definition"/> as <paramref name="element"/>: its id and name, and with <paramref name="full"/> its periods and transitions.</summary>
    public static void Write(EwsWriter w, string element, TimeZoneDefinition definition, bool full) => Write(w, element, definition, full, null);

    /// <summary>
    /// Writes <paramref name="definition"/> as <paramref name="element"/>: its id and name (<paramref name="name"/> when
    /// given), and with <paramref name="full"/> its periods and transitions. GetServerTimeZones and an item's
    /// StartTimeZone/EndTimeZone both write through here, from the one cached definition per zone.
    /// </summary>
    public static void Write(EwsWriter w, string element, TimeZoneDefinition definition, bool full, string? name)
    {
        w.StartT(element);
        w.Attr("Id", definition.Id);
        w.Attr("Name", name ?? definition.Name);
        if (full)
        {
            w.StartT("Periods");
            foreach (var period in definition.Periods)
            {
                w.StartT("Period");
                w.Attr("Bias", Values.Duration(period.Bias));
                w.Attr("Name", period.Name);
                w.Attr("Id", period.Id);
                w.End();
            }

            w.End();
            w.StartT("TransitionsGroups");
            foreach (var group in definition.Groups)
            {
                w.StartT("TransitionsGroup");
                w.Attr("Id", group.Id);
                if (group is { Daylight: { } daylight, Rule: { ToDaylight: { } toDaylight, ToStandard: { } toStandard } })
                {
                    WriteRecurring(w, daylight, toDaylight);
                    WriteRecurring(w, group.Standard, toStandard);
                }
                else
                {
                    w.StartT("Transition");
                    WriteTo(w, "Period", group.Standard.Id);
                    w.End();
                }

                w.End();
            }

            w.End();
            w.StartT("Transitions");
            foreach (var group in definition.Groups)
            {
                w.StartT(group.FromYear is null ? "Transition" : "AbsoluteDateTransition");
                WriteTo(w, "Group", group.Id);
                if (group.FromYear is { } year)
                {
                    // A wall-clock date, as Exchange writes it.
                    w.T("DateTime", new DateTime(year, 1, 1).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
                }

                w.End();
            }

            w.End();
        }

        w.End();
    }

    private static void WriteRecurring(EwsWriter w, ZonePeriod to, YearlyTransition change)
    {
        w.StartT("RecurringDayTransition");
        WriteTo(w, "Period", to.Id);
        w.T("TimeOffset", Values.Duration(change.TimeOfDay));
        w.T("Month", change.Month);
        w.T("DayOfWeek", change.DayOfWeek.ToString());
        w.T("Occurrence", change.Occurrence);
        w.End();
    }

    private static void WriteTo(EwsWriter w, string kind, string target)
    {
        w.StartT("To");
        w.Attr("Kind", kind);
        w.Xml.WriteString(target);
        w.End();
    }
}

/// <summary>
/// Reads the rule a client's t:TimeZoneDefinitionType carries (the EWS Managed API sends back the full definition it
/// read): the transition group in force last, its periods' biases and its two yearly transitions.
/// </summary>
public static class TimeZoneDefinitionReader
{
    /// <summary>Whether <paramref name="zone"/> carries Periods, so a rule can be read from it.</summary>
    public static bool HasPeriods(XElement zone) => zone.Element(Ews.T + "Periods") is { } periods && periods.Elements(Ews.T + "Period").Any();

    /// <summary>The rule of the definition's last transition group; an ErrorTimeZone when it names what it does not define.</summary>
    public static YearRule Rule(XElement zone)
    {
        var periods = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        foreach (var period in zone.Element(Ews.T + "Periods")?.Elements(Ews.T + "Period") ?? [])
        {
            var id = (string?)period.Attribute("Id") ?? throw SoapRequest.Schema(period, "A Period needs an Id.");
            periods[id] = period.Attribute("Bias") is { } bias ? Duration(bias) : throw SoapRequest.Schema(period, "A Period needs a Bias.");
        }

        var groups = zone.Element(Ews.T + "TransitionsGroups")?.Elements(Ews.T + "TransitionsGroup").ToList() ?? [];
        // The last transition names the group that holds from then on; without transitions, the last group listed.
        var lastGroupId = zone.Element(Ews.T + "Transitions")?.Elements().LastOrDefault()?.Element(Ews.T + "To")?.Value.Trim();
        var group = (lastGroupId is null ? null : groups.LastOrDefault(g => (string?)g.Attribute("Id") == lastGroupId)) ?? groups.LastOrDefault();
        if (group is null)
        {
            // Periods alone: a zone with one offset.
            return periods.Count == 1 ? new YearRule(-periods.Values.Single(), TimeSpan.Zero, null, null) : throw Invalid("it has no TransitionsGroups");
        }

        var changes = new List<(TimeSpan Bias, YearlyTransition? Change)>();
        foreach (var transition in group.Elements())
        {
            var to = transition.Element(Ews.T + "To")?.Value.Trim() ?? throw SoapRequest.Schema(transition, "A transition needs a To.");
            var bias = periods.TryGetValue(to, out var b) ? b : throw Invalid($"a transition goes to the period '{Values.Excerpt(to)}' it does not define");
            changes.Add((bias, transition.Name.LocalName == "RecurringDayTransition" ? Yearly(transition) : null));
        }

        if (changes.Count == 2 && changes[0].Change is { } first && changes[1].Change is { } second && changes[0].Bias != changes[1].Bias)
        {
            // Bias is minus the offset: the period with the larger bias is standard time.
            var (standard, daylight) = changes[0].Bias > changes[1].Bias ? (changes[0], changes[1]) : (changes[1], changes[0]);
            return new YearRule(-standard.Bias, standard.Bias - daylight.Bias, daylight == changes[0] ? first : second, standard == changes[0] ? first : second);
        }

        return changes.Count > 0 ? new YearRule(-changes.Max(c => c.Bias), TimeSpan.Zero, null, null) : throw Invalid("its last TransitionsGroup is empty");
    }

    private static YearlyTransition Yearly(XElement transition)
    {
        var offset = transition.Element(Ews.T + "TimeOffset") is { } t ? Values.Duration(t) : TimeSpan.Zero;
        var month = transition.Element(Ews.T + "Month") is { } m ? Values.Int(m) : throw SoapRequest.Schema(transition, "A RecurringDayTransition needs a Month.");
        var day = Enum.TryParse<DayOfWeek>(transition.Element(Ews.T + "DayOfWeek")?.Value.Trim(), out var d) ? d : throw SoapRequest.Schema(transition, "A RecurringDayTransition needs a DayOfWeek.");
        var occurrence = transition.Element(Ews.T + "Occurrence") is { } o ? Values.Int(o) : throw SoapRequest.Schema(transition, "A RecurringDayTransition needs an Occurrence.");
        if (month is < 1 or > 12 || occurrence is < -1 or > 5 or 0)
        {
            throw Invalid("a RecurringDayTransition names no day of the year");
        }

        // Windows writes the last such day of a month as 5; EWS also as -1.
        return new YearlyTransition(month, day, occurrence == 5 ? YearlyTransition.Last : occurrence, offset);
    }

    private static TimeSpan Duration(XAttribute value)
    {
        try
        {
            return System.Xml.XmlConvert.ToTimeSpan(value.Value.Trim());
        }
        catch (FormatException)
        {
            throw SoapRequest.Schema(value, $"The value '{Values.Excerpt(value.Value)}' is not a valid xs:duration.");
        }
    }

    private static EwsException Invalid(string why) => new(ResponseCodes.ErrorTimeZone, $"The time zone definition is invalid: {why}.");
}
