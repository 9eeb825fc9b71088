using System.Globalization;
using System.Text;
using Ical.Net;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Serialization;
using Rendezvous.Domain;
using Rendezvous.Protocol;
using IcalAttendee = Ical.Net.DataTypes.Attendee;

namespace Rendezvous.Mime;

/// <summary>Items as iCalendar (RFC 5545) through Ical.Net: a calendar item's own object, and the iTIP object of a meeting message.</summary>
internal static class CalendarWriter
{
    public const string ProductId = "-//Rendezvous//Rendezvous EWS server//EN";

    /// <summary>A calendar item's MimeContent: the iCalendar object alone.</summary>
    public static byte[] CalendarItem(Item item) => Encoding.UTF8.GetBytes(Text(item, method: null));

    /// <summary>The iTIP method of a meeting message (RFC 5546 §1.4): a response that proposes a new time is a COUNTER.</summary>
    public static string? MethodOf(Item item) => item.Kind switch
    {
        ItemKind.MeetingRequest => "REQUEST",
        ItemKind.MeetingCancellation => "CANCEL",
        ItemKind.MeetingResponse => item.ProposedStart is not null && item.ProposedEnd is not null ? "COUNTER" : "REPLY",
        _ => null,
    };

    /// <summary>The iCalendar text of <paramref name="item"/>, with <paramref name="method"/> when it travels as iTIP.</summary>
    public static string Text(Item item, string? method)
    {
        var calendar = new Ical.Net.Calendar { ProductId = ProductId, Version = "2.0" };
        if (method is not null)
        {
            calendar.Method = method;
        }

        var counter = method == "COUNTER";
        var (start, end) = counter ? (item.ProposedStart, item.ProposedEnd) : (item.Start, item.End);
        // A meeting message carries no zone of its own: its times are written in UTC, as are a COUNTER's proposal. A
        // calendar item's own object has the VTIMEZONE of every zone it names, UTC's too, as Exchange writes it; so
        // has a series in a meeting message, whose rule repeats in its zone's wall-clock time (RFC 5545 §3.3.10).
        // Note: DavMail 6 takes the VTIMEZONE of a calendar item it creates as its session's zone, and fails every
        // later PUT (HTTP 503) when there is none.
        var own = method is null || item.Recurrence is not null;
        var startZone = counter ? null : Zone(item.StartTimeZone, own);
        var endZone = counter ? null : Zone(item.EndTimeZone, own) ?? startZone;
        var exceptions = counter ? [] : Exceptions(item);
        var zones = new[] { startZone, endZone }.Concat(exceptions.SelectMany(x => new[] { Zone(x.View.StartTimeZone, own), Zone(x.View.EndTimeZone, own) }));
        foreach (var zone in zones.OfType<TimeZoneInfo>().DistinctBy(z => z.Id))
        {
            calendar.AddTimeZone(VTimeZoneFor(WindowsId(zone), (start ?? item.DateTimeCreated).Year));
        }

        var e = Event(item, method, start, end, startZone, endZone);
        if (!counter && item.Kind is not ItemKind.MeetingResponse)
        {
            AddLinks(e, item);
        }

        if (!counter && item.Recurrence is { } recurrence && start is { } first)
        {
            AddSeries(e, item, recurrence, first, startZone);
        }
        else if (!counter && item.Recurrence is null && item.OriginalStart is { } originalStart)
        {
            // One occurrence of a series as an item of its own (materialised from its master): RFC 5545 §3.8.4.4 names it
            // by its original start, as an exception's VEVENT within the series is.
            e.RecurrenceIdentifier = new RecurrenceIdentifier(Time(originalStart, startZone, item.IsAllDayEvent));
        }

        calendar.Events.Add(e);

        // One VEVENT per exception (RFC 5545 §3.8.4.4), in original-start order: DavMail pairs them in document order
        // with the master's ModifiedOccurrences.
        foreach (var (original, view) in exceptions)
        {
            var viewStartZone = Zone(view.StartTimeZone, own) ?? startZone;
            var occurrence = Event(view, method, view.Start, view.End, viewStartZone, Zone(view.EndTimeZone, own) ?? viewStartZone);
            occurrence.RecurrenceIdentifier = new RecurrenceIdentifier(Time(original, startZone, item.IsAllDayEvent));
            calendar.Events.Add(occurrence);
        }

        return new CalendarSerializer().SerializeToString(calendar) ?? throw new InvalidOperationException("Ical.Net wrote nothing.");
    }

    /// <summary>
    /// A master's RRULE and EXDATE: the rule in the series' start zone (UTC when the server writes it in UTC) from the
    /// wall-clock first start, and each deleted occurrence's original start in the zone DTSTART is in.
    /// </summary>
    private static void AddSeries(CalendarEvent e, Item item, Recurrence recurrence, DateTime firstUtc, TimeZoneInfo? startZone)
    {
        var localStart = startZone is null ? firstUtc : TimeZones.ToLocal(firstUtc, startZone);
        if (RecurrenceRules.ToRule(recurrence, localStart, startZone, item.IsAllDayEvent) is not { } rule)
        {
            return;
        }

        e.RecurrenceRule = new RecurrenceRule(rule);
        foreach (var deleted in (item.DeletedOccurrences ?? []).Order())
        {
            e.ExceptionDates.Add(Time(deleted, startZone, item.IsAllDayEvent));
        }
    }

    /// <summary>
    /// Each exception of a master as the occurrence reads: the master overlaid with what the exception changes (the
    /// master's later changes show where the exception did not change the property itself), in original-start order.
    /// </summary>
    private static List<(DateTime Original, Item View)> Exceptions(Item master)
    {
        if (master.Recurrence is null || master.Exceptions is not { Count: > 0 } exceptions)
        {
            return [];
        }

        // The series' own properties left out once, not copied with every exception.
        var occurrence = master.Clone();
        occurrence.Recurrence = null;
        occurrence.DeletedOccurrences = null;
        occurrence.Exceptions = null;
        return [.. exceptions.OrderBy(x => x.OriginalStartUtc).Select(x => (x.OriginalStartUtc, Overlay(occurrence, x)))];
    }

    /// <summary>An occurrence as an item: <paramref name="occurrence"/> (the master without its series) overlaid with the exception's changes.</summary>
    private static Item Overlay(Item occurrence, OccurrenceException exception)
    {
        var view = occurrence.Clone();
        exception.ApplyTo(view);
        return view;
    }

    /// <summary>One VEVENT of <paramref name="item"/>: its times in the zones given, its people and Outlook's properties.</summary>
    private static CalendarEvent Event(Item item, string? method, DateTime? start, DateTime? end, TimeZoneInfo? startZone, TimeZoneInfo? endZone)
    {
        var counter = method == "COUNTER";
        var e = new CalendarEvent
        {
            Uid = item.Uid ?? item.Id,
            Summary = item.Subject,
            Location = item.Location,
            Sequence = item.AppointmentSequenceNumber,
            DtStamp = Utc(item.DateTimeStamp ?? (item.LastModifiedTime == default ? item.DateTimeCreated : item.LastModifiedTime)),
        };
        if (item.Body is { } body && body.Text.Length > 0)
        {
            e.Description = body.BodyType == SchemaValues.BodyTypeType.HTML ? Html.ToText(body.Text) : body.Text;
        }

        var allDay = item.IsAllDayEvent && !counter;
        if (start is { } s)
        {
            e.DtStart = Time(s, startZone, allDay);
        }

        if (end is { } en)
        {
            e.DtEnd = Time(en, endZone, allDay);
        }

        if (item.Organizer is { } organizer)
        {
            e.Organizer = new Organizer(MailTo(organizer.Address)) { CommonName = organizer.Name };
        }

        AddAttendees(e, item, method);
        e.Status = item.IsCancelled || method == "CANCEL" ? "CANCELLED" : item.Kind == ItemKind.MeetingRequest ? "CONFIRMED" : item.IsMeeting ? "CONFIRMED" : null;
        var busy = BusyStatus(item);
        e.Transparency = busy == "FREE" ? "TRANSPARENT" : "OPAQUE";
        e.Class = item.Sensitivity switch
        {
            SchemaValues.SensitivityChoicesType.Private => "PRIVATE",
            SchemaValues.SensitivityChoicesType.Confidential => "CONFIDENTIAL",
            _ => "PUBLIC",
        };
        e.Priority = item.Importance switch
        {
            SchemaValues.ImportanceChoicesType.High => 1,
            SchemaValues.ImportanceChoicesType.Low => 9,
            _ => 5,
        };
        if (item.Categories is { Count: > 0 } categories)
        {
            foreach (var c in categories)
            {
                e.Categories.Add(c);
            }
        }

        if (counter && item.Start is { } originalStart && item.End is { } originalEnd)
        {
            // Note: Outlook's COUNTER names the time being countered; Evolution and Thunderbird read DTSTART/DTEND.
            e.AddProperty("X-MS-OLK-ORIGINALSTART", UtcText(originalStart));
            e.AddProperty("X-MS-OLK-ORIGINALEND", UtcText(originalEnd));
        }

        if (counter && item.Body is { Text.Length: > 0 } comment)
        {
            e.AddProperty("COMMENT", comment.BodyType == SchemaValues.BodyTypeType.HTML ? Html.ToText(comment.Text) : comment.Text);
        }

        // Outlook's and Exchange's own properties, which Outlook, DavMail and others read back.
        e.AddProperty("X-MICROSOFT-CDO-BUSYSTATUS", busy);
        if (item.Kind == ItemKind.MeetingRequest && item.IntendedFreeBusyStatus is { } intended)
        {
            e.AddProperty("X-MICROSOFT-CDO-INTENDEDSTATUS", BusyValue(intended));
        }

        e.AddProperty("X-MICROSOFT-CDO-ALLDAYEVENT", allDay ? "TRUE" : "FALSE");
        e.AddProperty("X-MICROSOFT-CDO-IMPORTANCE", item.Importance switch
        {
            SchemaValues.ImportanceChoicesType.High => "2",
            SchemaValues.ImportanceChoicesType.Low => "0",
            _ => "1",
        });
        if (item.AllowNewTimeProposal == false)
        {
            e.AddProperty("X-MICROSOFT-DISALLOW-COUNTER", "TRUE");
        }

        if (item.Kind == ItemKind.CalendarItem && item.ReminderIsSet == true)
        {
            var alarm = new Alarm
            {
                Action = "DISPLAY",
                Description = "REMINDER",
                Trigger = new Trigger(Duration.FromMinutes(-(item.ReminderMinutesBeforeStart ?? 15))),
            };
            e.Alarms.Add(alarm);
        }

        return e;
    }

    /// <summary>
    /// The item's reference attachments as ATTACH URIs with the FILENAME and FMTTYPE Google writes (RFC 5545 §3.8.1.1):
    /// a link is what ATTACH carries by reference, and CalDAV clients show it. File attachments stay out of a calendar
    /// item's object (see <see cref="MimeContent.TryPrepare"/>); a meeting message carries them as MIME parts.
    /// </summary>
    private static void AddLinks(CalendarEvent e, Item item)
    {
        foreach (var a in item.Attachments ?? [])
        {
            if (a.Kind != AttachmentKind.Reference || a.Link?.AttachLongPathName is not { } path || !Uri.TryCreate(path, UriKind.Absolute, out var uri))
            {
                continue;
            }

            var attach = new Ical.Net.DataTypes.Attachment { Uri = uri };
            if (a.ContentType is { Length: > 0 } type)
            {
                attach.FormatType = type;
            }

            if (a.Name is { Length: > 0 } name)
            {
                attach.Parameters.Set("FILENAME", name);
            }

            e.Attachments.Add(attach);
        }
    }

    private static void AddAttendees(CalendarEvent e, Item item, string? method)
    {
        if (item.Kind == ItemKind.MeetingResponse)
        {
            // A REPLY (or COUNTER) names the one attendee who answers, with their answer (RFC 5546 §3.2.3).
            if (item.From is { } from)
            {
                e.Attendees.Add(new IcalAttendee(MailTo(from.Address))
                {
                    CommonName = from.Name,
                    Role = "REQ-PARTICIPANT",
                    ParticipationStatus = PartStat(item.ResponseType),
                });
            }

            return;
        }

        var required = item.RequiredAttendees ?? Attendees(item.ToRecipients);
        var optional = item.OptionalAttendees ?? Attendees(item.CcRecipients);
        var rsvp = method != "CANCEL" && (item.CalendarIsResponseRequested ?? item.IsResponseRequested ?? true);
        foreach (var (list, role) in new[] { (required, "REQ-PARTICIPANT"), (optional, "OPT-PARTICIPANT"), (item.Resources ?? [], "NON-PARTICIPANT") })
        {
            foreach (var a in list)
            {
                var attendee = new IcalAttendee(MailTo(a.Mailbox.Address))
                {
                    CommonName = a.Mailbox.Name,
                    Role = role,
                    ParticipationStatus = method is "REQUEST" or "CANCEL" ? "NEEDS-ACTION" : PartStat(a.ResponseType),
                    Rsvp = rsvp,
                };
                if (role == "NON-PARTICIPANT")
                {
                    attendee.Type = "RESOURCE";
                }

                e.Attendees.Add(attendee);
            }
        }
    }

    private static List<Protocol.Attendee> Attendees(List<EmailAddress>? addresses) => [.. (addresses ?? []).Select(a => new Protocol.Attendee(a))];

    public static string PartStat(string? responseType) => responseType switch
    {
        SchemaValues.ResponseTypeType.Accept or SchemaValues.ResponseTypeType.Organizer => "ACCEPTED",
        SchemaValues.ResponseTypeType.Tentative => "TENTATIVE",
        SchemaValues.ResponseTypeType.Decline => "DECLINED",
        _ => "NEEDS-ACTION",
    };

    private static string BusyStatus(Item item) => BusyValue(item.LegacyFreeBusyStatus ?? (item.Kind == ItemKind.MeetingRequest ? SchemaValues.LegacyFreeBusyType.Tentative : SchemaValues.LegacyFreeBusyType.Busy));

    private static string BusyValue(string status) => status switch
    {
        SchemaValues.LegacyFreeBusyType.Free => "FREE",
        SchemaValues.LegacyFreeBusyType.Tentative => "TENTATIVE",
        SchemaValues.LegacyFreeBusyType.OOF => "OOF",
        SchemaValues.LegacyFreeBusyType.WorkingElsewhere => "WORKINGELSEWHERE",
        _ => "BUSY",
    };

    private static string MailTo(string address) => "mailto:" + address;

    /// <summary>
    /// The zone to write times in: none (UTC) for a zone the server does not know, or, unless <paramref name="keepUtc"/>,
    /// for UTC and the zones of its offset without daylight saving.
    /// </summary>
    private static TimeZoneInfo? Zone(TimeZoneRef? zone, bool keepUtc) =>
        zone is null || TimeZones.Find(zone.Id) is not { } info || !keepUtc && info.BaseUtcOffset == TimeSpan.Zero && !info.SupportsDaylightSavingTime ? null : info;

    /// <summary>The TZID of a zone: its Windows id as clients with their own table read it ("UTC" is not one DavMail knows).</summary>
    private static string WindowsId(TimeZoneInfo zone) => TimeZones.ClientZoneId(TimeZones.WindowsId(zone.Id) ?? zone.Id);

    private static CalDateTime Time(DateTime utc, TimeZoneInfo? zone, bool allDay)
    {
        var local = zone is null ? utc : TimeZones.ToLocal(utc, zone);
        if (allDay)
        {
            return new CalDateTime(DateOnly.FromDateTime(local));
        }

        return zone is null ? Utc(utc) : new CalDateTime(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), WindowsId(zone));
    }

    private static CalDateTime Utc(DateTime utc) => new(DateTime.SpecifyKind(utc, DateTimeKind.Utc), CalDateTime.UtcTzId);

    private static string UtcText(DateTime utc) => utc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// The VTIMEZONE of a Windows zone as Exchange writes one: the rule of the item's year from the server's zone table
    /// (<see cref="TimeZones.Definition"/>), a STANDARD and a DAYLIGHT part recurring yearly from 1601.
    /// </summary>
    public static VTimeZone VTimeZoneFor(string windowsId, int year)
    {
        var rule = TimeZones.Definition(windowsId).RuleFor(year);
        var zone = new VTimeZone(windowsId);
        var standard = rule.StandardOffset;
        if (!rule.HasDaylight)
        {
            zone.TimeZoneInfos.Add(new VTimeZoneInfo("STANDARD")
            {
                DtStart = new CalDateTime(1601, 1, 1, 0, 0, 0),
                OffsetFrom = new UtcOffset(standard),
                OffsetTo = new UtcOffset(standard),
            });
            return zone;
        }

        var daylight = standard + rule.DaylightDelta;
        zone.TimeZoneInfos.Add(Part("STANDARD", rule.ToStandard!, daylight, standard));
        zone.TimeZoneInfos.Add(Part("DAYLIGHT", rule.ToDaylight!, standard, daylight));
        return zone;
    }

    private static VTimeZoneInfo Part(string name, YearlyTransition at, TimeSpan from, TimeSpan to)
    {
        var part = new VTimeZoneInfo(name)
        {
            DtStart = new CalDateTime(1601, 1, 1, at.TimeOfDay.Hours, at.TimeOfDay.Minutes, at.TimeOfDay.Seconds),
            OffsetFrom = new UtcOffset(from),
            OffsetTo = new UtcOffset(to),
        };
        var day = at.DayOfWeek.ToString()[..2].ToUpperInvariant();
        var occurrence = at.Occurrence == YearlyTransition.Last ? -1 : at.Occurrence;
        part.RecurrenceRule = new RecurrenceRule(string.Create(CultureInfo.InvariantCulture, $"FREQ=YEARLY;BYDAY={occurrence}{day};BYMONTH={at.Month}"));
        return part;
    }
}
