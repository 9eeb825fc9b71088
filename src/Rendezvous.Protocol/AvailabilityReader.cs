using System.Globalization;
using System.Xml.Linq;

namespace Rendezvous.Protocol;

/// <summary>Reads m:GetUserAvailabilityRequest. Values the schema refuses are ErrorSchemaValidation faults; checks on their meaning come later.</summary>
public static class AvailabilityReader
{
    private static readonly XNamespace T = Ews.T;

    /// <summary>MeetingAttendeeType's values.</summary>
    public static readonly IReadOnlySet<string> AttendeeTypes = SchemaValues.MeetingAttendeeType.All;
    /// <summary>FreeBusyViewType's values.</summary>
    public static readonly IReadOnlySet<string> FreeBusyViewTypes = SchemaValues.FreeBusyViewType.All;
    /// <summary>SuggestionQuality's values, best first.</summary>
    public static readonly IReadOnlySet<string> SuggestionQualities = SchemaValues.SuggestionQuality.All;
    private static readonly IReadOnlySet<string> DaysOfWeek = SchemaValues.DayOfWeekType.All;

    /// <summary>
    /// Reads the request. Its times are in the request's t:TimeZone; without one (ews-javascript-api at Exchange2010 and
    /// later sends the TimeZoneContext header instead) in <paramref name="timeZoneContext"/>; without either, in UTC.
    /// </summary>
    public static AvailabilityRequest Read(XElement operation, string? timeZoneContext)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var zone = operation.Element(T + "TimeZone") is { } legacy
            ? BuildZone(legacy)
            : TimeZones.Find(timeZoneContext) ?? TimeZoneInfo.Utc;

        var array = operation.Element(Ews.M + "MailboxDataArray")
            ?? throw SoapRequest.Schema(operation, "The element 'GetUserAvailabilityRequest' is missing its child 'MailboxDataArray'.");
        var mailboxes = array.Elements(T + "MailboxData").Select(ReadMailbox).ToList();

        FreeBusyOptions? freeBusy = null;
        if (operation.Element(T + "FreeBusyViewOptions") is { } f)
        {
            var window = ReadWindow(Required(f, "TimeWindow"), zone);
            var interval = f.Element(T + "MergedFreeBusyIntervalInMinutes") is { } i ? Values.Int(i) : 30;
            var view = f.Element(T + "RequestedView") is { } v ? Values.Enum(v, FreeBusyViewTypes, "FreeBusyViewType") : SchemaValues.FreeBusyViewType.Detailed;
            freeBusy = new FreeBusyOptions(window, interval, view);
        }

        SuggestionOptions? suggestions = null;
        if (operation.Element(T + "SuggestionsViewOptions") is { } s)
        {
            // Defaults as the EWS Managed API and ews-javascript-api send them when the caller sets nothing.
            suggestions = new SuggestionOptions(
                ReadWindow(Required(s, "DetailedSuggestionsWindow"), zone),
                s.Element(T + "GoodThreshold") is { } g ? Values.Int(g) : 25,
                s.Element(T + "MaximumResultsByDay") is { } m ? Values.Int(m) : 10,
                s.Element(T + "MaximumNonWorkHourResultsByDay") is { } n ? Values.Int(n) : 0,
                s.Element(T + "MeetingDurationInMinutes") is { } d ? Values.Int(d) : 60,
                s.Element(T + "MinimumSuggestionQuality") is { } q ? Values.Enum(q, SuggestionQualities, "SuggestionQuality") : SchemaValues.SuggestionQuality.Fair);
        }

        return new AvailabilityRequest(zone, mailboxes, freeBusy, suggestions);
    }

    private static TimeZoneInfo BuildZone(XElement legacy)
    {
        try
        {
            return ReadTimeZone(legacy).ToTimeZoneInfo("GetUserAvailability");
        }
        catch (ArgumentException e)
        {
            throw new EwsFaultException(ResponseCodes.ErrorTimeZone, "The time zone is invalid: " + e.Message);
        }
    }

    private static MailboxQuery ReadMailbox(XElement data)
    {
        var email = Required(data, "Email");
        var address = Required(email, "Address").Value.Trim();
        var type = Values.Enum(Required(data, "AttendeeType"), AttendeeTypes, "MeetingAttendeeType");
        var exclude = data.Element(T + "ExcludeConflicts") is { } x && Values.Bool(x);
        return new MailboxQuery(address, type, exclude);
    }

    private static UtcWindow ReadWindow(XElement window, TimeZoneInfo zone)
    {
        var startElement = Required(window, "StartTime");
        var endElement = Required(window, "EndTime");
        var start = ReadLocal(startElement, zone);
        var end = ReadLocal(endElement, zone);
        if (end == start)
        {
            // Note: ews-javascript-api (like the EWS Managed API) writes the window's dates at midnight, so a window
            // asked for within one day arrives with EndTime equal to StartTime: read it as that whole day.
            return new UtcWindow(start.Utc, TimeZones.ToUtc(start.Local.AddDays(1), zone));
        }

        return new UtcWindow(start.Utc, end.Utc);
    }

    /// <summary>An xs:dateTime (or an xs:date, read as its midnight): with an offset it is exact; without, a wall-clock time of <paramref name="zone"/>.</summary>
    private static (DateTime Utc, DateTime Local) ReadLocal(XElement e, TimeZoneInfo zone)
    {
        try
        {
            var read = ReadLocalUnchecked(e, zone);
            return read.Utc >= Values.EarliestStored && read.Utc <= Values.LatestStored ? read : throw Values.OutOfRange(e, e.Value);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw Values.OutOfRange(e, e.Value);
        }
    }

    private static (DateTime Utc, DateTime Local) ReadLocalUnchecked(XElement e, TimeZoneInfo zone)
    {
        var text = e.Value.Trim();
        if (text.Length == 10 && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            var midnight = date.ToDateTime(TimeOnly.MinValue);
            return (TimeZones.ToUtc(midnight, zone), midnight);
        }

        var utc = Values.DateTime(e, "UTC");
        var hasZone = text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 19 && text.LastIndexOfAny(['+', '-']) > 10);
        if (hasZone)
        {
            return (utc, TimeZoneInfo.ConvertTimeFromUtc(utc, zone));
        }

        // Without a zone Values.DateTime read it as UTC: the same digits are the wall-clock time asked for.
        var local = DateTime.SpecifyKind(utc, DateTimeKind.Unspecified);
        return (TimeZones.ToUtc(local, zone), local);
    }

    /// <summary>A t:TimeZone (SerializableTimeZone).</summary>
    public static SerializableTimeZone ReadTimeZone(XElement e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var bias = Values.Int(Required(e, "Bias"));
        return new SerializableTimeZone(bias, ReadTransition(Required(e, "StandardTime")), ReadTransition(Required(e, "DaylightTime")));
    }

    private static LegacyTransition ReadTransition(XElement e)
    {
        var timeElement = Required(e, "Time");
        if (!TimeSpan.TryParseExact(timeElement.Value.Trim(), ["hh\\:mm\\:ss", "hh\\:mm"], CultureInfo.InvariantCulture, out var time))
        {
            throw SoapRequest.Schema(timeElement, $"The value '{Values.Excerpt(timeElement.Value)}' is not a time of day (hh:mm:ss).");
        }

        var day = Values.Enum(Required(e, "DayOfWeek"), DaysOfWeek, "DayOfWeekType");
        int? year = e.Element(T + "Year") is { } y ? Values.Int(y) : null;
        return new LegacyTransition(
            Values.Int(Required(e, "Bias")),
            time,
            Values.Int(Required(e, "DayOrder")),
            Values.Int(Required(e, "Month")),
            Enum.Parse<DayOfWeek>(day),
            year);
    }

    private static XElement Required(XElement parent, string name) =>
        parent.Element(T + name) ?? throw SoapRequest.Schema(parent, $"The element '{Values.Excerpt(parent.Name.LocalName)}' is missing its child '{Values.Excerpt(name)}'.");
}
