using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Edge;

/// <summary>
/// The Recurrence element both ways: RecurrenceType (calendar items: the six patterns) and TaskRecurrenceType (tasks:
/// the regeneration patterns too), each one pattern then one range, as types.xsd's RecurrencePatternTypes and
/// RecurrenceRangeTypes groups. What the schema refuses is an ErrorSchemaValidation fault; a value the schema takes but
/// a recurrence cannot hold (Interval 0, DayOfMonth 32, NumberOfOccurrences 0) is ErrorCalendarOutOfRange for that item,
/// as the ResponseCode page describes it ("specifying the fifteenth week of the month").
/// </summary>
public static partial class RecurrenceXml
{
    private static readonly string[] DayNames =
    [
        SchemaValues.DayOfWeekType.Sunday, SchemaValues.DayOfWeekType.Monday, SchemaValues.DayOfWeekType.Tuesday, SchemaValues.DayOfWeekType.Wednesday,
        SchemaValues.DayOfWeekType.Thursday, SchemaValues.DayOfWeekType.Friday, SchemaValues.DayOfWeekType.Saturday,
    ];

    private static readonly string[] MonthNames =
        [
            SchemaValues.MonthNamesType.January, SchemaValues.MonthNamesType.February, SchemaValues.MonthNamesType.March, SchemaValues.MonthNamesType.April, SchemaValues.MonthNamesType.May, SchemaValues.MonthNamesType.June,
            SchemaValues.MonthNamesType.July, SchemaValues.MonthNamesType.August, SchemaValues.MonthNamesType.September, SchemaValues.MonthNamesType.October, SchemaValues.MonthNamesType.November, SchemaValues.MonthNamesType.December,
        ];

    /// <summary>Exchange's largest Interval (Outlook's too: "every 999 days/weeks/months").</summary>
    private const int MaxInterval = 999;

    /// <summary>Reads a Recurrence element; <paramref name="forTask"/> admits the regeneration patterns.</summary>
    public static Recurrence Read(XElement recurrence, bool forTask)
    {
        var children = recurrence.Elements().ToList();
        if (children.Count != 2 || children.Any(c => c.Name.Namespace != Ews.T))
        {
            throw SoapRequest.Schema(recurrence, "A Recurrence holds one pattern and one range.");
        }

        return new Recurrence(ReadPattern(children[0], forTask), ReadRange(children[1]));
    }

    private static RecurrencePattern ReadPattern(XElement e, bool forTask)
    {
        var kind = e.Name.LocalName switch
        {
            "RelativeYearlyRecurrence" => RecurrencePatternKind.RelativeYearly,
            "AbsoluteYearlyRecurrence" => RecurrencePatternKind.AbsoluteYearly,
            "RelativeMonthlyRecurrence" => RecurrencePatternKind.RelativeMonthly,
            "AbsoluteMonthlyRecurrence" => RecurrencePatternKind.AbsoluteMonthly,
            "WeeklyRecurrence" => RecurrencePatternKind.Weekly,
            "DailyRecurrence" => RecurrencePatternKind.Daily,
            "DailyRegeneration" when forTask => RecurrencePatternKind.DailyRegeneration,
            "WeeklyRegeneration" when forTask => RecurrencePatternKind.WeeklyRegeneration,
            "MonthlyRegeneration" when forTask => RecurrencePatternKind.MonthlyRegeneration,
            "YearlyRegeneration" when forTask => RecurrencePatternKind.YearlyRegeneration,
            _ => throw SoapRequest.Schema(e, $"'{e.Name.LocalName}' is not a recurrence pattern."),
        };
        var fields = Sequence(e, kind switch
        {
            RecurrencePatternKind.RelativeYearly => ["DaysOfWeek", "DayOfWeekIndex", "Month"],
            RecurrencePatternKind.AbsoluteYearly => ["DayOfMonth", "Month"],
            RecurrencePatternKind.RelativeMonthly => ["Interval", "DaysOfWeek", "DayOfWeekIndex"],
            RecurrencePatternKind.AbsoluteMonthly => ["Interval", "DayOfMonth"],
            RecurrencePatternKind.Weekly => ["Interval", "DaysOfWeek", "FirstDayOfWeek?"],
            _ => ["Interval"],
        });
        var interval = fields.TryGetValue("Interval", out var i) ? Values.Int(i) : 1;
        if (interval is < 1 or > MaxInterval)
        {
            throw new EwsException(ResponseCodes.ErrorCalendarOutOfRange, $"The recurrence Interval must be between 1 and {MaxInterval}.");
        }

        var days = RecurrenceDays.None;
        if (fields.TryGetValue("DaysOfWeek", out var d))
        {
            days = kind == RecurrencePatternKind.Weekly ? DayList(d) : OneDay(d);
            if (days == RecurrenceDays.None)
            {
                throw new EwsException(ResponseCodes.ErrorCalendarInvalidDayForWeeklyRecurrence, "A weekly recurrence needs at least one day of the week.");
            }
        }

        DayOfWeekIndex? index = fields.TryGetValue("DayOfWeekIndex", out var x)
            ? Enum.Parse<DayOfWeekIndex>(Values.Enum(x, SchemaValues.DayOfWeekIndexType.All, "DayOfWeekIndexType"))
            : null;
        int? dayOfMonth = null;
        if (fields.TryGetValue("DayOfMonth", out var m))
        {
            dayOfMonth = Values.Int(m);
            if (dayOfMonth is < 1 or > 31)
            {
                throw new EwsException(ResponseCodes.ErrorCalendarOutOfRange, "The recurrence DayOfMonth must be between 1 and 31.");
            }
        }

        int? month = fields.TryGetValue("Month", out var mo) ? Array.IndexOf(MonthNames, Values.Enum(mo, SchemaValues.MonthNamesType.All, "MonthNamesType")) + 1 : null;
        var firstDay = fields.TryGetValue("FirstDayOfWeek", out var f) ? (DayOfWeek)Array.IndexOf(DayNames, Day(f)) : DayOfWeek.Sunday;
        return new RecurrencePattern(kind, interval, days, index, dayOfMonth, month, firstDay);
    }

    private static RecurrenceRange ReadRange(XElement e)
    {
        var (kind, names) = e.Name.LocalName switch
        {
            "NoEndRecurrence" => (RecurrenceRangeKind.NoEnd, new[] { "StartDate" }),
            "EndDateRecurrence" => (RecurrenceRangeKind.EndDate, ["StartDate", "EndDate"]),
            "NumberedRecurrence" => (RecurrenceRangeKind.Numbered, ["StartDate", "NumberOfOccurrences"]),
            _ => throw SoapRequest.Schema(e, $"'{e.Name.LocalName}' is not a recurrence range."),
        };
        var fields = Sequence(e, names);
        int? count = null;
        if (fields.TryGetValue("NumberOfOccurrences", out var n))
        {
            count = Values.Int(n);
            if (count < 1)
            {
                throw new EwsException(ResponseCodes.ErrorCalendarOutOfRange, "A numbered recurrence needs at least one occurrence.");
            }
        }

        return new RecurrenceRange(kind, Date(fields["StartDate"]), fields.TryGetValue("EndDate", out var end) ? Date(end) : null, count);
    }

    /// <summary>The element's children by name, in the order <paramref name="names"/> gives ("?" marks an optional one).</summary>
    private static Dictionary<string, XElement> Sequence(XElement parent, string[] names)
    {
        var found = new Dictionary<string, XElement>(StringComparer.Ordinal);
        var at = 0;
        foreach (var child in parent.Elements())
        {
            while (at < names.Length && names[at].TrimEnd('?') != child.Name.LocalName && names[at].EndsWith('?'))
            {
                at++;
            }

            if (at >= names.Length || child.Name.Namespace != Ews.T || names[at].TrimEnd('?') != child.Name.LocalName)
            {
                throw SoapRequest.Schema(child, $"The element '{child.Name.LocalName}' is not expected in '{parent.Name.LocalName}'.");
            }

            found[child.Name.LocalName] = child;
            at++;
        }

        var missing = names.Skip(at).FirstOrDefault(s => !s.EndsWith('?'));
        return missing is null ? found : throw SoapRequest.Schema(parent, $"'{parent.Name.LocalName}' needs a '{missing}'.");
    }

    private static string Day(XElement e) => Values.Enum(e, e.Value, SchemaValues.DayOfWeekType.All, "DayOfWeekType") is var s && Array.IndexOf(DayNames, s) >= 0
        ? s
        : throw new EwsException(ResponseCodes.ErrorCalendarOutOfRange, $"FirstDayOfWeek must be a day of the week, not '{Values.Excerpt(e.Value)}'.");

    private static RecurrenceDays Days(XObject at, string value) => value switch
    {
        SchemaValues.DayOfWeekType.Day => RecurrenceDays.Day,
        SchemaValues.DayOfWeekType.Weekday => RecurrenceDays.Weekday,
        SchemaValues.DayOfWeekType.WeekendDay => RecurrenceDays.WeekendDay,
        _ => (RecurrenceDays)(1 << Array.IndexOf(DayNames, Values.Enum(at, value, SchemaValues.DayOfWeekType.All, "DayOfWeekType"))),
    };

    /// <summary>DaysOfWeekType: a whitespace-separated list of DayOfWeekType (Weekday and WeekendDay stand for their days).</summary>
    private static RecurrenceDays DayList(XElement e) =>
        e.Value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Aggregate(RecurrenceDays.None, (all, s) => all | Days(e, s));

    /// <summary>A relative pattern's DayOfWeekType: one value (Day, Weekday and WeekendDay are what its index counts).</summary>
    private static RecurrenceDays OneDay(XElement e) => Days(e, e.Value.Trim());

    /// <summary>xs:date: yyyy-mm-dd with an optional zone (Z or ±hh:mm), which names no day of its own and is dropped.</summary>
    private static DateOnly Date(XElement e)
    {
        var match = XsDate().Match(e.Value.Trim());
        if (!match.Success || !DateOnly.TryParseExact(match.Groups[1].Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            throw SoapRequest.Schema(e, $"The value '{Values.Excerpt(e.Value)}' is not a valid xs:date.");
        }

        return date;
    }

    [GeneratedRegex(@"^(\d{4}-\d{2}-\d{2})(Z|[+-](?:0\d|1[0-4]):[0-5]\d)?$", RegexOptions.CultureInvariant)]
    private static partial Regex XsDate();

    /// <summary>
    /// Writes <paramref name="recurrence"/> as the element <paramref name="element"/> in schema order. FirstDayOfWeek is
    /// Exchange2010_SP1's (the WeeklyRecurrence page: "introduced in Exchange 2010 SP1").
    /// </summary>
    public static void Write(EwsWriter w, string element, Recurrence recurrence, WriteContext context, TimeZoneInfo? zone = null)
    {
        var p = recurrence.Pattern;
        w.StartT(element);
        w.StartT(p.Kind switch
        {
            RecurrencePatternKind.RelativeYearly => "RelativeYearlyRecurrence",
            RecurrencePatternKind.AbsoluteYearly => "AbsoluteYearlyRecurrence",
            RecurrencePatternKind.RelativeMonthly => "RelativeMonthlyRecurrence",
            RecurrencePatternKind.AbsoluteMonthly => "AbsoluteMonthlyRecurrence",
            RecurrencePatternKind.Weekly => "WeeklyRecurrence",
            RecurrencePatternKind.Daily => "DailyRecurrence",
            RecurrencePatternKind.DailyRegeneration => "DailyRegeneration",
            RecurrencePatternKind.WeeklyRegeneration => "WeeklyRegeneration",
            RecurrencePatternKind.MonthlyRegeneration => "MonthlyRegeneration",
            _ => "YearlyRegeneration",
        });
        switch (p.Kind)
        {
            case RecurrencePatternKind.RelativeYearly:
                w.T("DaysOfWeek", OneDayName(p.DaysOfWeek));
                w.T("DayOfWeekIndex", (p.Index ?? DayOfWeekIndex.First).ToString());
                w.T("Month", MonthNames[(p.Month ?? 1) - 1]);
                break;
            case RecurrencePatternKind.AbsoluteYearly:
                w.T("DayOfMonth", p.DayOfMonth ?? 1);
                w.T("Month", MonthNames[(p.Month ?? 1) - 1]);
                break;
            case RecurrencePatternKind.RelativeMonthly:
                w.T("Interval", p.Interval);
                w.T("DaysOfWeek", OneDayName(p.DaysOfWeek));
                w.T("DayOfWeekIndex", (p.Index ?? DayOfWeekIndex.First).ToString());
                break;
            case RecurrencePatternKind.AbsoluteMonthly:
                w.T("Interval", p.Interval);
                w.T("DayOfMonth", p.DayOfMonth ?? 1);
                break;
            case RecurrencePatternKind.Weekly:
                w.T("Interval", p.Interval);
                w.T("DaysOfWeek", string.Join(' ', DayNames.Where((_, day) => p.DaysOfWeek.HasFlag((RecurrenceDays)(1 << day)))));
                if (context.Supports(ExchangeVersion.Exchange2010_SP1))
                {
                    w.T("FirstDayOfWeek", DayNames[(int)p.FirstDayOfWeek]);
                }

                break;
            default:
                w.T("Interval", p.Interval);
                break;
        }

        w.End();
        var r = recurrence.Range;
        w.StartT(r.Kind switch
        {
            RecurrenceRangeKind.NoEnd => "NoEndRecurrence",
            RecurrenceRangeKind.EndDate => "EndDateRecurrence",
            _ => "NumberedRecurrence",
        });
        w.T("StartDate", Format(r.StartDate, zone));
        if (r.Kind == RecurrenceRangeKind.EndDate)
        {
            w.T("EndDate", Format(r.EndDate ?? r.StartDate, zone));
        }
        else if (r.Kind == RecurrenceRangeKind.Numbered)
        {
            w.T("NumberOfOccurrences", r.NumberOfOccurrences ?? 1);
        }

        w.End();
        w.End();
    }

    private static string OneDayName(RecurrenceDays days) => days switch
    {
        RecurrenceDays.Day => SchemaValues.DayOfWeekType.Day,
        RecurrenceDays.Weekday => SchemaValues.DayOfWeekType.Weekday,
        RecurrenceDays.WeekendDay => SchemaValues.DayOfWeekType.WeekendDay,
        _ => DayNames.Where((_, day) => days.HasFlag((RecurrenceDays)(1 << day))).FirstOrDefault() ?? SchemaValues.DayOfWeekType.Sunday,
    };

    /// <summary>
    /// A date as xs:date: the day in the series' own zone, with that zone's offset on the day when there is one, as
    /// Exchange writes a calendar item's range ("2016-01-01-08:00"; the EWS Managed API and exchangelib read the date
    /// part of that 16-character form as a date, and a bare "2016-01-01" as a datetime at midnight UTC).
    /// </summary>
    private static string Format(DateOnly date, TimeZoneInfo? zone)
    {
        var day = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        if (zone is null)
        {
            return day;
        }

        var offset = zone.GetUtcOffset(date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified));
        return day + (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().ToString(@"hh\:mm", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The recurrence an item holds under <paramref name="definition"/>: the typed value, or, for an item stored before
    /// issue 16 (a task's Recurrence was kept raw, its XML verbatim), that XML read now; null when there is none or it
    /// no longer reads.
    /// </summary>
    public static Recurrence? Of(Item item, PropertyDefinition definition, bool forTask)
    {
        switch (item.Properties[definition])
        {
            case Recurrence r:
                return r;
            case string raw:
                try
                {
                    return Read(XElement.Parse(raw), forTask);
                }
                catch (Exception e) when (e is EwsException or EwsFaultException or System.Xml.XmlException)
                {
                    return null;
                }

            default:
                return null;
        }
    }
}
