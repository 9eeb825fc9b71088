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
    public static bool Bool(XObject at, string? text) => text?.Trim() switch
    {
        "true" or "1" => true,
        "false" or "0" => false,
        _ => throw SoapRequest.Schema(at, $"The value '{text}' is not a valid xs:boolean."),
    };

    public static bool Bool(XElement e) => Bool(e, e.Value);

    public static int Int(XObject at, string? text) =>
        int.TryParse(text?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw SoapRequest.Schema(at, $"The value '{text}' is not a valid xs:int.");

    public static int Int(XElement e) => Int(e, e.Value);

    /// <summary>Reads an xs:dateTime as UTC. A value without a zone is read in <paramref name="zoneId"/> (UTC when null).</summary>
    public static DateTime DateTime(XObject at, string? text, string? zoneId)
    {
        var s = text?.Trim();
        if (string.IsNullOrEmpty(s) || s.Length < 10)
        {
            throw SoapRequest.Schema(at, $"The value '{text}' is not a valid xs:dateTime.");
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
            throw SoapRequest.Schema(at, $"The value '{text}' is not a valid xs:dateTime.");
        }
    }

    public static DateTime DateTime(XElement e, string? zoneId) => DateTime(e, e.Value, zoneId);

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

    public static string Enum(XObject at, string? text, IReadOnlySet<string> allowed, string typeName)
    {
        var s = text?.Trim() ?? "";
        return allowed.Contains(s) ? s : throw SoapRequest.Schema(at, $"The value '{text}' is not a valid {typeName}.");
    }

    public static string Enum(XElement e, IReadOnlySet<string> allowed, string typeName) => Enum(e, e.Value, allowed, typeName);

    /// <summary>Formats a UTC time as Exchange does: seconds precision and a Z.</summary>
    public static string Format(DateTime utc) =>
        utc.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

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
        if (offset == TimeSpan.Zero)
        {
            return Format(at);
        }

        return new DateTimeOffset(at.Ticks + offset.Ticks, offset).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
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

    public static TimeSpan Duration(XElement e)
    {
        try
        {
            return XmlConvert.ToTimeSpan(e.Value.Trim());
        }
        catch (FormatException)
        {
            throw SoapRequest.Schema(e, $"The value '{e.Value}' is not a valid xs:duration.");
        }
    }

    public static string Format(bool value) => value ? "true" : "false";

    public static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static readonly IReadOnlySet<string> Sensitivities = new HashSet<string>(StringComparer.Ordinal) { "Normal", "Personal", "Private", "Confidential" };
    public static readonly IReadOnlySet<string> Importances = new HashSet<string>(StringComparer.Ordinal) { "Low", "Normal", "High" };
    public static readonly IReadOnlySet<string> FreeBusyTypes = new HashSet<string>(StringComparer.Ordinal) { "Free", "Tentative", "Busy", "OOF", "WorkingElsewhere", "NoData" };
    public static readonly IReadOnlySet<string> ResponseTypes = new HashSet<string>(StringComparer.Ordinal) { "Unknown", "Organizer", "Tentative", "Accept", "Decline", "NoResponseReceived" };
    public static readonly IReadOnlySet<string> BodyTypes = new HashSet<string>(StringComparer.Ordinal) { "HTML", "Text" };
    public static readonly IReadOnlySet<string> MailboxTypes = new HashSet<string>(StringComparer.Ordinal) { "Unknown", "OneOff", "Mailbox", "PublicDL", "PrivateDL", "Contact", "PublicFolder", "GroupMailbox", "ImplicitContact", "User" };
    public static readonly IReadOnlySet<string> MessageDispositions = new HashSet<string>(StringComparer.Ordinal) { "SaveOnly", "SendOnly", "SendAndSaveCopy" };
    public static readonly IReadOnlySet<string> CalendarCreateOrDeleteModes = new HashSet<string>(StringComparer.Ordinal) { "SendToNone", "SendOnlyToAll", "SendToAllAndSaveCopy" };
    public static readonly IReadOnlySet<string> CalendarUpdateModes = new HashSet<string>(StringComparer.Ordinal) { "SendToNone", "SendOnlyToAll", "SendOnlyToChanged", "SendToAllAndSaveCopy", "SendToChangedAndSaveCopy" };
    public static readonly IReadOnlySet<string> MeetingRequestTypes = new HashSet<string>(StringComparer.Ordinal) { "None", "FullUpdate", "InformationalUpdate", "NewMeetingRequest", "Outdated", "SilentUpdate", "PrincipalWantsCopy" };
}
