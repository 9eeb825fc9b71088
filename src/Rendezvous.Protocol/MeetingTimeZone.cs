using System.Globalization;
using System.Xml.Linq;

namespace Rendezvous.Protocol;

/// <summary>
/// The Exchange 2007 MeetingTimeZone (t:TimeZoneType: a base offset and a yearly standard/daylight rule). It is mapped
/// to the Windows zone it names, or else to a known zone following the same rule this year, and written back from
/// the item's StartTimeZone.
/// </summary>
public static class MeetingTimeZone
{
    private static readonly string[] Indexes = [SchemaValues.DayOfWeekIndexType.First, SchemaValues.DayOfWeekIndexType.Second, SchemaValues.DayOfWeekIndexType.Third, SchemaValues.DayOfWeekIndexType.Fourth];

    /// <summary>The zone a t:MeetingTimeZone element names or follows; an unknown one is an ErrorTimeZone.</summary>
    public static TimeZoneRef Read(XElement element)
    {
        if ((string?)element.Attribute("TimeZoneName") is { Length: > 0 } name && TimeZones.WindowsId(name) is { } named)
        {
            return new TimeZoneRef(named, TimeZones.DisplayName(named));
        }

        var baseOffset = element.Element(Ews.T + "BaseOffset") is { } b ? Values.Duration(b) : TimeSpan.Zero;
        var standard = element.Element(Ews.T + "Standard");
        var daylight = element.Element(Ews.T + "Daylight");
        YearRule rule;
        if (standard is not null && daylight is not null)
        {
            var standardBias = baseOffset + Offset(standard);
            var daylightBias = baseOffset + Offset(daylight);
            rule = new YearRule(-standardBias, standardBias - daylightBias, Change(daylight), Change(standard));
            if (rule.DaylightDelta == TimeSpan.Zero)
            {
                rule = new YearRule(-standardBias, TimeSpan.Zero, null, null);
            }
        }
        else
        {
            rule = new YearRule(-baseOffset, TimeSpan.Zero, null, null);
        }

        var year = DateTime.UtcNow.Year;
        // Several Windows zones share most rules ("Pacific Standard Time", "British Columbia Standard Time"...): the shortest name is the plainest.
        var byName = TimeZones.KnownWindowsIds.OrderBy(id => id.Length).ThenBy(id => id, StringComparer.Ordinal).ToList();
        var match = byName.FirstOrDefault(id => TimeZones.Definition(id).RuleFor(year) == rule)
            ?? byName.FirstOrDefault(id => TimeZones.Definition(id).RuleFor(year) is { HasDaylight: false } r && r.StandardOffset == rule.StandardOffset)
            ?? throw new EwsException(ResponseCodes.ErrorTimeZone, "No time zone known to this server follows the rules of this MeetingTimeZone.");
        return new TimeZoneRef(match, TimeZones.DisplayName(match));
    }

    private static TimeSpan Offset(XElement change) =>
        change.Element(Ews.T + "Offset") is { } o ? Values.Duration(o) : throw SoapRequest.Schema(change, $"'{change.Name.LocalName}' needs an Offset.");

    private static YearlyTransition? Change(XElement change)
    {
        var time = change.Element(Ews.T + "Time") is { } t
            ? TimeSpan.TryParse(t.Value.Trim(), CultureInfo.InvariantCulture, out var parsed) ? parsed : throw SoapRequest.Schema(t, $"The value '{Values.Excerpt(t.Value)}' is not a valid xs:time.")
            : TimeSpan.Zero;
        if (change.Element(Ews.T + "RelativeYearlyRecurrence") is { } relative)
        {
            var day = Enum.TryParse<DayOfWeek>(relative.Element(Ews.T + "DaysOfWeek")?.Value.Trim(), out var d) ? d : throw SoapRequest.Schema(relative, "DaysOfWeek must name one day.");
            var indexText = relative.Element(Ews.T + "DayOfWeekIndex")?.Value.Trim();
            var index = indexText == SchemaValues.DayOfWeekIndexType.Last ? YearlyTransition.Last : Array.IndexOf(Indexes, indexText) + 1;
            var month = DateTimeFormatInfo.InvariantInfo.MonthNames.Take(12).ToList().IndexOf(relative.Element(Ews.T + "Month")?.Value.Trim() ?? "") + 1;
            if (index == 0 || month == 0)
            {
                throw SoapRequest.Schema(relative, "RelativeYearlyRecurrence needs a DayOfWeekIndex and a Month.");
            }

            return new YearlyTransition(month, day, index, time);
        }

        if (change.Element(Ews.T + "AbsoluteDate") is { } absolute)
        {
            var date = DateTime.TryParse(absolute.Value.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var at) ? at : throw SoapRequest.Schema(absolute, "AbsoluteDate must be an xs:date.");
            var occurrence = date.Day + 7 > DateTime.DaysInMonth(date.Year, date.Month) ? YearlyTransition.Last : ((date.Day - 1) / 7) + 1;
            return new YearlyTransition(date.Month, date.DayOfWeek, occurrence, time);
        }

        return null;
    }

    /// <summary>Writes the legacy form of <paramref name="zone"/> as it stands in <paramref name="year"/>.</summary>
    public static void Write(EwsWriter w, string element, TimeZoneRef zone, int year)
    {
        var rule = TimeZones.Definition(TimeZones.WindowsId(zone.Id) ?? "UTC").RuleFor(year);
        w.StartT(element);
        w.Attr("TimeZoneName", zone.Id);
        w.T("BaseOffset", Values.Duration(-rule.StandardOffset));
        if (rule is { ToStandard: { } toStandard, ToDaylight: { } toDaylight })
        {
            WriteChange(w, "Standard", TimeSpan.Zero, toStandard);
            WriteChange(w, "Daylight", -rule.DaylightDelta, toDaylight);
        }

        w.End();
    }

    private static void WriteChange(EwsWriter w, string element, TimeSpan offset, YearlyTransition change)
    {
        w.StartT(element);
        w.T("Offset", Values.Duration(offset));
        w.StartT("RelativeYearlyRecurrence");
        w.T("DaysOfWeek", change.DayOfWeek.ToString());
        w.T("DayOfWeekIndex", change.Occurrence == YearlyTransition.Last ? SchemaValues.DayOfWeekIndexType.Last : Indexes[change.Occurrence - 1]);
        w.T("Month", DateTimeFormatInfo.InvariantInfo.MonthNames[change.Month - 1]);
        w.End();
        w.T("Time", change.TimeOfDay.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture));
        w.End();
    }
}
