using Ical.Net.CalendarComponents;
using Ical.Net;
using Ical.Net.DataTypes;
using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Mime;

/// <summary>An iCalendar object (RFC 5545) read through Ical.Net into a calendar item's fields.</summary>
internal static class CalendarReader
{
    /// <summary>VCALENDAR, VEVENT, VALARM: a real object nests three deep (VTIMEZONE, STANDARD likewise).</summary>
    private const int MaxNesting = 8;

    /// <summary>Components in one object: an event with its zones and alarms, or a series with its exceptions.</summary>
    private const int MaxComponents = 1000;

    /// <param name="owner">
    /// The mailbox owner's address: when the object is someone else's meeting (its ORGANIZER is another), the owner's
    /// ATTENDEE's PARTSTAT is their answer (MyResponseType); null leaves the answer as it is.
    /// </param>
    /// <param name="attachments">Where the VEVENT's ATTACH values go as new attachments (CreateItem); null: they are not read.</param>
    public static void Apply(Item item, string text, string? floatingZone, string? owner = null, MimeAttachments? attachments = null)
    {
        CheckShape(text);
        var calendar = Ical.Net.Calendar.Load(text) ?? throw MimeContent.Failed("The MimeContent is not an iCalendar object.");
        if (calendar.Events.Any(static v => v.RecurrenceIdentifier?.Range == Ical.Net.DataTypes.RecurrenceRange.ThisAndFuture))
        {
            // RFC 5545 §3.8.4.4: the VEVENT changes this occurrence and every later one. EWS has no such edit (one
            // occurrence, or the whole series), and taking it as this occurrence alone would lose what it means.
            throw MimeContent.Failed("A RECURRENCE-ID with RANGE=THISANDFUTURE cannot be stored: EWS changes one occurrence or the whole series. Split the series into two instead.");
        }

        var master = calendar.Events.FirstOrDefault(v => v.RecurrenceIdentifier is null);
        var e = master ?? calendar.Events.FirstOrDefault() ?? throw MimeContent.Failed("The iCalendar object has no VEVENT.");
        ApplyEvent(item, e, floatingZone, calendar, owner);
        if (attachments is not null)
        {
            ReadAttachments(e, attachments);
        }

        // MimeContent is the whole item: a series is what this object says (none when it has no RRULE). An object with
        // only RECURRENCE-ID VEVENTs (an invitation to one occurrence of someone else's series, RFC 5546 §3.2.2) has no
        // master to attach them to: its first is kept as a single item with that occurrence's times.
        item.Recurrence = null;
        item.DeletedOccurrences = null;
        item.Exceptions = null;
        if (master is not null)
        {
            ApplySeries(item, master, calendar, floatingZone, owner);
        }
    }

    /// <summary>
    /// A master VEVENT's RRULE, EXDATE and RECURRENCE-ID siblings: the recurrence (walked in the series' start zone),
    /// the deleted occurrences' original starts and, for each exception, only what it changes (Start and End always).
    /// </summary>
    private static void ApplySeries(Item item, CalendarEvent master, Ical.Net.Calendar calendar, string? floatingZone, string? owner)
    {
#pragma warning disable CS0618 // RecurrenceRules: the only view of a second RRULE, which EWS cannot hold.
        var rules = master.RecurrenceRules;
#pragma warning restore CS0618
        if (rules.Count == 0)
        {
            return;
        }

        if (rules.Count > 1 || master.RecurrenceDates.GetAllDates().Any())
        {
            // As RecurrenceRules.FromRule refuses what EWS cannot express: one pattern, no extra dates.
            throw MimeContent.Failed("The VEVENT repeats by several RRULEs or by RDATE; an EWS series has one pattern.");
        }

        if (item.Start is not { } firstUtc)
        {
            return;
        }

        var zone = TimeZones.Find(item.StartTimeZone?.Id);
        var localStart = zone is null ? firstUtc : TimeZones.ToLocal(firstUtc, zone);
        var rule = rules[0].ToString() ?? "";
        item.Recurrence = RecurrenceRules.FromRule(rule, localStart, zone);

        // EXDATE and RECURRENCE-ID without a zone of their own are in DTSTART's.
        var seriesZone = item.StartTimeZone?.Id ?? floatingZone;
        var deleted = new SortedSet<DateTime>();
        foreach (var date in master.ExceptionDates.GetAllDates())
        {
            deleted.Add(Original(date, localStart, seriesZone, calendar));
        }

        var uid = item.Uid;
        var before = item.Clone();
        var exceptions = new SortedDictionary<DateTime, OccurrenceException>();
        foreach (var v in calendar.Events)
        {
            if (v.RecurrenceIdentifier is not { StartTime: { } original } || (v.Uid is { Length: > 0 } own && own != uid))
            {
                continue;
            }

            var originalUtc = Original(original, localStart, seriesZone, calendar);
            if (v.Status?.Equals("CANCELLED", StringComparison.OrdinalIgnoreCase) == true)
            {
                // Google writes an occurrence removed from a meeting series as its RECURRENCE-ID with STATUS:CANCELLED
                // rather than an EXDATE: the occurrence is deleted.
                deleted.Add(originalUtc);
                continue;
            }

            var occurrence = before.Clone();
            ApplyEvent(occurrence, v, seriesZone, calendar, owner);
            exceptions[originalUtc] = new OccurrenceException(originalUtc, Changes(before, occurrence));
        }

        item.DeletedOccurrences = deleted.Count > 0 ? [.. deleted] : null;
        item.Exceptions = exceptions.Count > 0 ? [.. exceptions.Where(x => !deleted.Contains(x.Key)).Select(x => x.Value)] : null;
    }

    /// <summary>
    /// An occurrence's original start (UTC) from EXDATE or RECURRENCE-ID: a DATE in a timed series is that day's
    /// occurrence (at the series' time of day).
    /// </summary>
    private static DateTime Original(CalDateTime time, DateTime localStart, string? seriesZone, Ical.Net.Calendar calendar)
    {
        if (!time.HasTime && localStart.TimeOfDay != TimeSpan.Zero)
        {
            time = new CalDateTime(DateTime.SpecifyKind(time.Value.Date + localStart.TimeOfDay, DateTimeKind.Unspecified), seriesZone);
        }

        return Instant(time, seriesZone, calendar).Utc;
    }

    /// <summary>What <paramref name="occurrence"/> holds that <paramref name="master"/> does not, or holds otherwise; Start and End always.</summary>
    private static Item Changes(Item master, Item occurrence)
    {
        var changes = new Item { Kind = occurrence.Kind };
        foreach (var (definition, value) in occurrence.Properties.Entries)
        {
            if (master.Properties[definition] is not { } was || !SameValue(was, value))
            {
                changes.Properties.Set(definition, value);
            }
        }

        changes.Start = occurrence.Start;
        changes.End = occurrence.End;
        return changes;
    }

    /// <summary>Values as the bag holds them: immutable records and strings, or lists of them.</summary>
    private static bool SameValue(object a, object b) =>
        a is System.Collections.IList x && b is System.Collections.IList y
            ? x.Count == y.Count && x.Cast<object?>().Zip(y.Cast<object?>()).All(p => Equals(p.First, p.Second))
            : Equals(a, b);

    /// <summary>One VEVENT's fields onto <paramref name="item"/>: only those the VEVENT carries (the rest stay as they are).</summary>
    private static void ApplyEvent(Item item, CalendarEvent e, string? floatingZone, Ical.Net.Calendar calendar, string? owner)
    {
        if (e.Uid is { Length: > 0 } uid)
        {
            item.Uid = uid;
        }

        if (e.Summary is { } summary)
        {
            item.Subject = summary;
        }

        if (e.Properties.FirstOrDefault(p => p.Name.Equals("X-ALT-DESC", StringComparison.OrdinalIgnoreCase)) is { Value: string html } altDesc
            && altDesc.Parameters.Get("FMTTYPE") is { } type && type.Equals("text/html", StringComparison.OrdinalIgnoreCase))
        {
            item.Body = new Body(SchemaValues.BodyTypeType.HTML, html);
        }
        else if (e.Description is { } description)
        {
            item.Body = new Body(SchemaValues.BodyTypeType.Text, description);
        }

        if (e.Location is { } location)
        {
            item.Location = location;
        }

        if (e.DtStart is null)
        {
            throw MimeContent.Failed("The VEVENT has no DTSTART (or one that is not a date).");
        }

        var allDay = e.DtStart is { HasTime: false } || Flag(e, "X-MICROSOFT-CDO-ALLDAYEVENT") == true;
        if (e.DtStart is { } start)
        {
            var (utc, zone) = Instant(start, floatingZone, calendar);
            item.Start = utc;
            item.StartTimeZone = zone;
            item.EndTimeZone = zone;
            var (endUtc, endZone) = e.DtEnd is { } dtEnd ? Instant(dtEnd, floatingZone, calendar)
                : e.Duration is { } duration ? Instant(start.Add(duration), floatingZone, calendar)
                : (start.HasTime ? utc : utc.AddDays(1), zone);
            item.End = endUtc;
            item.EndTimeZone = endZone ?? zone;
        }

        item.IsAllDayEvent = allDay;
        if (e.Organizer?.Value is { } organizer && Address(organizer) is { } organizerAddress)
        {
            item.Organizer = new EmailAddress(e.Organizer.CommonName, organizerAddress);
        }

        List<Protocol.Attendee> required = [], optional = [], resources = [];
        foreach (var a in e.Attendees)
        {
            if (a.Value is not { } uri || Address(uri) is not { } address || (item.Organizer?.Is(address) ?? false))
            {
                continue; // An attendee without an address, or the organizer listed among them (DavMail and Outlook do).
            }

            var attendee = new Protocol.Attendee(new EmailAddress(string.IsNullOrEmpty(a.CommonName) ? null : a.CommonName, AddressRules.Require(address, "SMTP")));
            var isResource = a.Type is { } cutype && (cutype.Equals("RESOURCE", StringComparison.OrdinalIgnoreCase) || cutype.Equals("ROOM", StringComparison.OrdinalIgnoreCase));
            (isResource ? resources : a.Role?.Equals("OPT-PARTICIPANT", StringComparison.OrdinalIgnoreCase) == true ? optional : a.Role?.Equals("NON-PARTICIPANT", StringComparison.OrdinalIgnoreCase) == true ? resources : required).Add(attendee);
        }

        item.RequiredAttendees = required.Count > 0 ? required : item.RequiredAttendees;
        item.OptionalAttendees = optional.Count > 0 ? optional : item.OptionalAttendees;
        item.Resources = resources.Count > 0 ? resources : item.Resources;
        if (owner is not null && item.Organizer is { } organizerOfIt && !organizerOfIt.Is(owner)
            && e.Attendees.FirstOrDefault(a => a.Value is { } uri && Address(uri) is { } address && address.Equals(owner, StringComparison.OrdinalIgnoreCase)) is { } mine
            && ResponseOf(mine.ParticipationStatus) is { } answer)
        {
            item.MyResponseType = answer;
        }

        var busy = Text(e, "X-MICROSOFT-CDO-BUSYSTATUS")?.ToUpperInvariant() switch
        {
            "FREE" => SchemaValues.LegacyFreeBusyType.Free,
            "TENTATIVE" => SchemaValues.LegacyFreeBusyType.Tentative,
            "BUSY" => SchemaValues.LegacyFreeBusyType.Busy,
            "OOF" => SchemaValues.LegacyFreeBusyType.OOF,
            "WORKINGELSEWHERE" => SchemaValues.LegacyFreeBusyType.WorkingElsewhere,
            _ => e.Transparency?.Equals("TRANSPARENT", StringComparison.OrdinalIgnoreCase) == true ? SchemaValues.LegacyFreeBusyType.Free : null,
        };
        if (busy is not null)
        {
            item.LegacyFreeBusyStatus = busy;
        }

        if (Flag(e, "X-MICROSOFT-DISALLOW-COUNTER") is { } disallow)
        {
            item.AllowNewTimeProposal = !disallow;
        }

        item.Sensitivity = e.Class?.ToUpperInvariant() switch
        {
            "PRIVATE" => SchemaValues.SensitivityChoicesType.Private,
            "CONFIDENTIAL" => SchemaValues.SensitivityChoicesType.Confidential,
            "PUBLIC" => SchemaValues.SensitivityChoicesType.Normal,
            _ => item.Sensitivity,
        };
        if (e.Priority is > 0 and var priority)
        {
            item.Importance = priority < 5 ? SchemaValues.ImportanceChoicesType.High : priority > 5 ? SchemaValues.ImportanceChoicesType.Low : SchemaValues.ImportanceChoicesType.Normal;
        }

        if (e.Categories.Count > 0)
        {
            item.Categories = [.. e.Categories];
        }

        if (e.Alarms.FirstOrDefault(a => a.Trigger?.Duration is not null) is { Trigger.Duration: { } before })
        {
            item.ReminderIsSet = true;
            item.ReminderMinutesBeforeStart = (int)Math.Clamp(-before.ToTimeSpanUnspecified().TotalMinutes, 0, 2 * 365 * 24 * 60);
        }
    }

    /// <summary>
    /// A VEVENT's ATTACH values (RFC 5545 §3.8.1.1) as new attachments: inline bytes (VALUE=BINARY, named by Outlook's
    /// X-FILENAME or the FILENAME Google and Thunderbird write) a file attachment; an http or https URI (Google Drive's,
    /// OneDrive's) a reference attachment linking to it. A CID URI names a part of the MIME message around the object,
    /// already an attachment of its own; any other URI (file:, ...) names nothing another user could reach: left out.
    /// </summary>
    private static void ReadAttachments(CalendarEvent e, MimeAttachments into)
    {
        foreach (var a in e.Attachments)
        {
            var name = a.Parameters.Get("X-FILENAME") ?? a.Parameters.Get("FILENAME");
            if (a.Data is { } data)
            {
                var header = new Domain.Attachment(Domain.Attachment.NewId(), AttachmentKind.File)
                {
                    Name = name ?? "attachment",
                    ContentType = a.FormatType ?? "application/octet-stream",
                    Size = data.Length,
                    LastModifiedTime = into.Now,
                };
                into.Added.Add(new NewAttachment(header, AttachmentContent.Bytes(data.Length, () => new MemoryStream(data, writable: false))));
            }
            else if (a.Uri is { IsAbsoluteUri: true } uri && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
            {
                var header = new Domain.Attachment(Domain.Attachment.NewId(), AttachmentKind.Reference)
                {
                    Name = name ?? LastSegment(uri),
                    ContentType = a.FormatType,
                    LastModifiedTime = into.Now,
                    Link = new ReferenceLink { AttachLongPathName = uri.OriginalString },
                };
                into.Added.Add(new NewAttachment(header, AttachmentContent.Bytes(0, static () => Stream.Null)));
            }
        }

        static string LastSegment(Uri uri) => Uri.UnescapeDataString(uri.Segments.LastOrDefault(s => s != "/")?.TrimEnd('/') ?? uri.Host);
    }

    /// <summary>
    /// Ical.Net parses by recursion and keeps every component: a body of 10 MiB of BEGIN lines must not cost a stack or
    /// minutes. Counting BEGIN lines is no parsing; the library reads whatever passes.
    /// </summary>
    private static void CheckShape(string text)
    {
        int depth = 0, components = 0;
        foreach (var raw in text.AsSpan().EnumerateLines())
        {
            var line = raw.TrimStart();
            if (line.StartsWith("BEGIN:", StringComparison.OrdinalIgnoreCase))
            {
                if (++depth > MaxNesting || ++components > MaxComponents)
                {
                    throw MimeContent.Failed($"The iCalendar object nests deeper than {MaxNesting} or has more than {MaxComponents} components.");
                }
            }
            else if (line.StartsWith("END:", StringComparison.OrdinalIgnoreCase))
            {
                depth = Math.Max(0, depth - 1);
            }
        }
    }

    /// <summary>
    /// A DATE-TIME as UTC with the zone the item keeps: UTC when it says so (even beside a TZID, as DavMail writes
    /// it); a TZID the server knows (Windows or IANA) read in that zone; one only the object's VTIMEZONE defines read
    /// by Ical.Net; floating in the request's zone.
    /// </summary>
    private static (DateTime Utc, TimeZoneRef? Zone) Instant(CalDateTime time, string? floatingZone, Ical.Net.Calendar calendar)
    {
        var local = DateTime.SpecifyKind(time.HasTime ? time.Value : time.Value.Date, DateTimeKind.Unspecified);
        if (time.IsUtc)
        {
            return (Stored(DateTime.SpecifyKind(local, DateTimeKind.Utc)), null);
        }

        var zoneId = time.TzId ?? floatingZone;
        if (TimeZones.WindowsId(zoneId) is { } windowsId && TimeZones.Find(windowsId) is { } zone)
        {
            return (Stored(TimeZones.ToUtc(local, zone)), new TimeZoneRef(windowsId, TimeZones.DisplayName(windowsId)));
        }

        if (time.TzId is { } tzId)
        {
            if (OwnZoneOffset(calendar, tzId, local) is { } offset)
            {
                return (Stored(DateTime.SpecifyKind(local - offset, DateTimeKind.Utc)), null);
            }

            return (Stored(time.AsUtc), null);
        }

        return (Stored(DateTime.SpecifyKind(local, DateTimeKind.Utc)), null);
    }

    /// <summary>
    /// The offset at <paramref name="local"/> of a zone only the object's own VTIMEZONE defines (Lotus Notes'
    /// "Eastern", Apple's own ids): the STANDARD or DAYLIGHT part whose latest onset comes last. Only yearly rules are
    /// followed (what every zone uses), each at most a few thousand times, so a crafted rule costs nothing.
    /// </summary>
    private static TimeSpan? OwnZoneOffset(Ical.Net.Calendar calendar, string tzId, DateTime local)
    {
        var zone = calendar.TimeZones.FirstOrDefault(z => string.Equals(z.TzId, tzId, StringComparison.OrdinalIgnoreCase));
        if (zone is null)
        {
            return null;
        }

        DateTime? best = null;
        TimeSpan? offset = null;
        foreach (var part in zone.TimeZoneInfos)
        {
            if (part.OffsetTo is not { } to || part.DtStart is not { } first)
            {
                continue;
            }

            DateTime? latest = null;
            if (part.RecurrenceRule is not { } rule)
            {
                latest = first.Value <= local ? first.Value : null;
            }
            else if (rule.Frequency == FrequencyType.Yearly)
            {
                foreach (var onset in part.GetOccurrences(first).Take(MaxOnsets))
                {
                    var at = onset.Period.StartTime.Value;
                    if (at > local)
                    {
                        break;
                    }

                    latest = at;
                }
            }

            if (latest is { } l && (best is null || l > best))
            {
                best = l;
                offset = to.Offset;
            }
        }

        return offset;
    }

    private const int MaxOnsets = 5000;

    /// <summary>A time an item may keep (1601–4501 UTC, as every time the server reads).</summary>
    private static DateTime Stored(DateTime utc) =>
        utc >= Values.EarliestStored && utc <= Values.LatestStored
            ? utc
            : throw new EwsException(ResponseCodes.ErrorCalendarOutOfRange, "The iCalendar object's times lie outside the range a calendar item can hold (1601 to 4501).");

    /// <summary>
    /// An ATTENDEE's PARTSTAT (RFC 5545 §3.2.12) as EWS's ResponseType: null for a value that gives no answer
    /// (DELEGATED, an X- value).
    /// </summary>
    private static string? ResponseOf(string? partStat) => partStat?.ToUpperInvariant() switch
    {
        "ACCEPTED" => SchemaValues.ResponseTypeType.Accept,
        "TENTATIVE" => SchemaValues.ResponseTypeType.Tentative,
        "DECLINED" => SchemaValues.ResponseTypeType.Decline,
        "NEEDS-ACTION" => SchemaValues.ResponseTypeType.NoResponseReceived,
        _ => null,
    };

    private static string? Address(Uri uri) => Address(uri.OriginalString);

    private static string? Address(string value)
    {
        var v = value.Trim();
        if (v.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase))
        {
            v = Uri.UnescapeDataString(v["mailto:".Length..]);
        }

        return v.Contains('@', StringComparison.Ordinal) ? v : null;
    }

    private static string? Text(CalendarEvent e, string name) =>
        e.Properties.FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase))?.Value?.ToString()?.Trim();

    private static bool? Flag(CalendarEvent e, string name) => Text(e, name)?.ToUpperInvariant() switch
    {
        "TRUE" => true,
        "FALSE" => false,
        _ => null,
    };
}
