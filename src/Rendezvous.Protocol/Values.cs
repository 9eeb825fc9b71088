using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace Rendezvous.Protocol;

/// <summary>
/// Reads XML schema values the way every client sends them: all xs:boolean forms, every xs:dateTime form
/// (with Z, with an offset, with fractions, or with no zone at all), and enumerations checked against the schema.
/// A value that cannot be read is an ErrorSchemaValidation fault at its line and position.
/// </summary>
public static class Values
{
    /// <summary>Reads any xs:boolean form (true, false, 1, 0, with spaces around).</summary>
    public static bool Bool(XObject at, string? text) => text?.Trim() switch
    {
        "true" or "1" => true,
        "false" or "0" => false,
        _ => throw SoapRequest.Schema(at, $"The value '{Values.Excerpt(text)}' is not a valid xs:boolean."),
    };

    /// <summary>Reads the element's text as an xs:boolean.</summary>
    public static bool Bool(XElement e) => Bool(e, e.Value);

    /// <summary>Reads an xs:int.</summary>
    public static int Int(XObject at, string? text) =>
        int.TryParse(text?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw SoapRequest.Schema(at, $"The value '{Values.Excerpt(text)}' is not a valid xs:int.");

    /// <summary>Reads the element's text as an xs:int.</summary>
    public static int Int(XElement e) => Int(e, e.Value);

    /// <summary>Reads an xs:dateTime as UTC. A value without a zone is read in <paramref name="zoneId"/> (UTC when null).</summary>
    public static DateTime DateTime(XObject at, string? text, string? zoneId)
    {
        var s = text?.Trim();
        if (string.IsNullOrEmpty(s) || s.Length < 10)
        {
            throw SoapRequest.Schema(at, $"The value '{Values.Excerpt(text)}' is not a valid xs:dateTime.");
        }

        try
        {
            if (HasZone(s))
            {
                return XmlConvert.ToDateTimeOffset(s).UtcDateTime;
            }

            var local = XmlConvert.ToDateTime(s, XmlDateTimeSerializationMode.Unspecified);
            return TimeZones.ToUtc(local, zoneId);
        }
        catch (FormatException)
        {
            throw SoapRequest.Schema(at, $"The value '{Values.Excerpt(text)}' is not a valid xs:dateTime.");
        }
        catch (ArgumentOutOfRangeException)
        {
            // A valid xs:dateTime whose offset or zone takes it before year 1 or after 9999 in UTC.
            throw OutOfRange(at, text, representable: false);
        }
    }

    /// <summary>Reads the element's text as an xs:dateTime, in UTC (see the other overload).</summary>
    public static DateTime DateTime(XElement e, string? zoneId) => DateTime(e, e.Value, zoneId);

    /// <summary>
    /// The earliest time an item may hold: FILETIME's (and so MAPI's) epoch. With <see cref="LatestStored"/> it leaves
    /// every stored time at least a day inside DateTime's range, so it can be shown in any zone and widened to its
    /// midnights without overflow.
    /// </summary>
    public static readonly DateTime EarliestStored = new(1601, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The latest time an item may hold: Outlook's "none" date (4501-01-01), which clients do write.</summary>
    public static readonly DateTime LatestStored = new(4501, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>
    /// An xs:dateTime an item will keep (see <see cref="DateTime(XObject, string?, string?)"/>), refused with
    /// ErrorCalendarOutOfRange for that item when it lies outside 1601–4501 in UTC.
    /// </summary>
    public static DateTime StoredDateTime(XElement e, string? zoneId)
    {
        var utc = DateTime(e, zoneId);
        return utc >= EarliestStored && utc <= LatestStored
            ? utc
            : throw new EwsException(ResponseCodes.ErrorCalendarOutOfRange,
                $"The {e.Name.LocalName} '{Excerpt(e.Value)}' is outside the range this server keeps (1601-01-01 to 4501-01-01 UTC).");
    }

    /// <summary>The fault for a date outside what can be stored or shown (ErrorValueOutOfRange, as Exchange's CalendarView).</summary>
    public static EwsFaultException OutOfRange(XObject at, string? text, bool representable = true)
    {
        var info = (IXmlLineInfo)at;
        var range = representable ? "1601-01-01 to 4501-01-01 UTC" : "years 1 to 9999 in UTC";
        return new EwsFaultException(ResponseCodes.ErrorValueOutOfRange,
            $"The date '{Excerpt(text)}' is outside the range of dates this server handles ({range}).", info.LineNumber, info.LinePosition);
    }

    private static bool HasZone(string s)
    {
        if (s.EndsWith('Z') || s.EndsWith('z'))
        {
            return true;
        }

        // An offset is ±hh:mm at the end, after the time part.
        var t = s.IndexOf('T', StringComparison.Ordinal);
        return t > 0 && s.Length >= 6 && (s[^6] == '+' || s[^6] == '-') && s[^3] == ':' && s.Length - 6 > t;
    }

    /// <summary>The value if <paramref name="allowed"/> has it, else an ErrorSchemaValidation fault naming <paramref name="typeName"/>.</summary>
    public static string Enum(XObject at, string? text, IReadOnlySet<string> allowed, string typeName)
    {
        var s = text?.Trim() ?? "";
        return allowed.Contains(s) ? s : throw SoapRequest.Schema(at, $"The value '{Values.Excerpt(text)}' is not a valid {typeName}.");
    }

    /// <summary>The element's text checked against <paramref name="allowed"/>.</summary>
    public static string Enum(XElement e, IReadOnlySet<string> allowed, string typeName) => Enum(e, e.Value, allowed, typeName);

    /// <summary>Formats a UTC time as Exchange does: seconds precision and a Z.</summary>
    /// <remarks>
    /// Digits written by hand, the same text as the format "yyyy-MM-dd'T'HH:mm:ss'Z'" gives: a calendar view writes three
    /// or four times an entry, and the custom format's parser was most of what writing them cost (issue 16, 3 December).
    /// </remarks>
    public static string Format(DateTime utc) => string.Create(20, utc, static (chars, t) =>
    {
        var (year, month, day) = t;
        Digits4(chars, year);
        chars[4] = '-';
        Digits2(chars[5..], month);
        chars[7] = '-';
        Digits2(chars[8..], day);
        chars[10] = 'T';
        Digits2(chars[11..], t.Hour);
        chars[13] = ':';
        Digits2(chars[14..], t.Minute);
        chars[16] = ':';
        Digits2(chars[17..], t.Second);
        chars[19] = 'Z';
    });

    private static void Digits4(Span<char> to, int value)
    {
        Digits2(to, value / 100);
        Digits2(to[2..], value % 100);
    }

    private static void Digits2(Span<char> to, int value)
    {
        to[0] = (char)('0' + (value / 10));
        to[1] = (char)('0' + (value % 10));
    }

    /// <summary>
    /// Formats a UTC time in the request's TimeZoneContext ([MS-OXWSCORE] R274: "all times that are returned from the
    /// server will be converted to the specified time zone"): the wall-clock time with its offset, or a Z in UTC.
    /// </summary>
    public static string Format(DateTime utc, TimeZoneInfo? zone)
    {
        if (zone is null || zone == TimeZoneInfo.Utc)
        {
            return Format(utc);
        }

        var at = System.DateTime.SpecifyKind(utc, DateTimeKind.Utc);
        var offset = zone.GetUtcOffset(at);
        var ticks = at.Ticks + offset.Ticks;
        if (offset == TimeSpan.Zero || ticks < System.DateTime.MinValue.Ticks || ticks > System.DateTime.MaxValue.Ticks)
        {
            // Note: a value stored before dates were bounded may not exist on this zone's wall clock; it is written in
            // UTC, which names the same instant, rather than failing the whole response.
            return Format(at);
        }

        return new DateTimeOffset(ticks, offset).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
    }

    /// <summary>An xs:duration as Windows writes biases and offsets: PT5H, -PT1H, PT5H30M, PT0H.</summary>
    public static string Duration(TimeSpan value)
    {
        var sign = value < TimeSpan.Zero ? "-" : "";
        var abs = value.Duration();
        var text = sign + "PT";
        if (abs.Days > 0 || abs.Hours > 0 || abs.Minutes == 0)
        {
            text += ((abs.Days * 24) + abs.Hours).ToString(CultureInfo.InvariantCulture) + "H";
        }

        if (abs.Minutes > 0)
        {
            text += abs.Minutes.ToString(CultureInfo.InvariantCulture) + "M";
        }

        return text;
    }

    /// <summary>Reads an xs:duration.</summary>
    public static TimeSpan Duration(XElement e)
    {
        try
        {
            return XmlConvert.ToTimeSpan(e.Value.Trim());
        }
        catch (FormatException)
        {
            throw SoapRequest.Schema(e, $"The value '{Values.Excerpt(e.Value)}' is not a valid xs:duration.");
        }
    }

    /// <summary>At most this many characters of client input are quoted back in an error.</summary>
    public const int ExcerptLength = 80;

    /// <summary>
    /// Client input as an error may quote it: at most <see cref="ExcerptLength"/> characters, and only characters XML
    /// can carry (a fault quoting a 9 MB attribute must not be 9 MB, nor fail to be written). <paramref name="oneLine"/>
    /// also writes line breaks and other control characters as \uXXXX, where they are the point (an address with a CRLF).
    /// </summary>
    public static string Excerpt(string? text, bool oneLine = false) =>
        text is null ? "" : Escape(text.Length <= ExcerptLength ? text : string.Concat(text.AsSpan(0, ExcerptLength), "…"), oneLine);

    /// <summary>An error message as it is sent: XML-safe and at most 2,000 characters, whatever it quotes.</summary>
    public static string ErrorText(string message) =>
        XmlText(message.Length <= 2000 ? message : string.Concat(message.AsSpan(0, 2000), "…"));

    /// <summary>
    /// <paramref name="text"/> with every character XML 1.0 cannot carry (controls, lone surrogates, U+FFFE/U+FFFF)
    /// written as \uXXXX, so a message built from bad input can still be sent.
    /// </summary>
    public static string XmlText(string text) => Escape(text, controls: false);

    private static string Escape(string text, bool controls)
    {
        System.Text.StringBuilder? escaped = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var pair = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
            if (pair || (XmlConvert.IsXmlChar(c) && !(controls && char.IsControl(c))))
            {
                escaped?.Append(text, i, pair ? 2 : 1);
                i += pair ? 1 : 0;
                continue;
            }

            // Nothing is copied until the first character that needs escaping.
            escaped ??= new System.Text.StringBuilder(text.Length + 16).Append(text, 0, i);
            escaped.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
        }

        return escaped?.ToString() ?? text;
    }

    /// <summary>An xs:boolean as Exchange writes it.</summary>
    public static string Format(bool value) => value ? "true" : "false";

    /// <summary>An xs:int, culture-invariant.</summary>
    public static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);

#pragma warning disable CS1591 // The values of the schema's enumeration each set is named after (SensitivityChoicesType, ...).
    public static readonly IReadOnlySet<string> Sensitivities = SchemaValues.SensitivityChoicesType.All;
    public static readonly IReadOnlySet<string> Importances = SchemaValues.ImportanceChoicesType.All;
    public static readonly IReadOnlySet<string> FreeBusyTypes = SchemaValues.LegacyFreeBusyType.All;
    public static readonly IReadOnlySet<string> ResponseTypes = SchemaValues.ResponseTypeType.All;
    public static readonly IReadOnlySet<string> BodyTypes = SchemaValues.BodyTypeType.All;
    public static readonly IReadOnlySet<string> MailboxTypes = SchemaValues.MailboxTypeType.All;
    public static readonly IReadOnlySet<string> MessageDispositions = SchemaValues.MessageDispositionType.All;
    public static readonly IReadOnlySet<string> CalendarCreateOrDeleteModes = SchemaValues.CalendarItemCreateOrDeleteOperationType.All;
    public static readonly IReadOnlySet<string> CalendarUpdateModes = SchemaValues.CalendarItemUpdateOperationType.All;
    public static readonly IReadOnlySet<string> MeetingRequestTypes = SchemaValues.MeetingRequestTypeType.All;
#pragma warning restore CS1591
}
