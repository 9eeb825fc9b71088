using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Rendezvous.Calendar;
using Rendezvous.Protocol;

namespace Rendezvous.Bench.Micro;

/// <summary>The requests and items the benchmarks work on, shaped like the load generator's (bench/Rendezvous.Bench.Load).</summary>
public static class Samples
{
    public const string Organizer = "organizer@bench.test";
    public static readonly XNamespace M = Ews.M;
    public static readonly DateTime Now = new(2030, 1, 1, 8, 0, 0, DateTimeKind.Utc);
    public static readonly DateTime Start = new(2031, 1, 6, 9, 0, 0, DateTimeKind.Utc);

    public static readonly string[] TenProperties =
    [
        "item:Subject", "item:Sensitivity", "calendar:Start", "calendar:End", "calendar:Location", "calendar:IsAllDayEvent",
        "calendar:LegacyFreeBusyStatus", "calendar:IsMeeting", "calendar:MyResponseType", "calendar:Organizer",
    ];

    public static string Attendee(int i) => string.Create(CultureInfo.InvariantCulture, $"att-{i:00}@bench.test");

    public static byte[] Envelope(string body) => Encoding.UTF8.GetBytes(
        $"""
        <?xml version="1.0" encoding="utf-8"?>
        <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">
          <s:Header><t:RequestServerVersion Version="Exchange2016"/></s:Header>
          <s:Body>{body}</s:Body>
        </s:Envelope>
        """);

    public static string TenPropertiesShape(string baseShape = "IdOnly") =>
        $"<m:ItemShape><t:BaseShape>{baseShape}</t:BaseShape><t:AdditionalProperties>"
        + string.Concat(TenProperties.Select(p => $"<t:FieldURI FieldURI=\"{p}\"/>"))
        + "</t:AdditionalProperties></m:ItemShape>";

    /// <summary>The getitem workload's request: IdOnly plus ten properties of one calendar item.</summary>
    public static byte[] GetItemRequest(string id) =>
        Envelope($"""<m:GetItem>{TenPropertiesShape()}<m:ItemIds><t:ItemId Id="{id}"/></m:ItemIds></m:GetItem>""");

    /// <summary>The invite workload's request: a meeting with ten attendees, SendToAllAndSaveCopy.</summary>
    public static byte[] CreateMeetingRequest() => Envelope(
        $"""
        <m:CreateItem SendMeetingInvitations="SendToAllAndSaveCopy">
          <m:SavedItemFolderId><t:DistinguishedFolderId Id="calendar"/></m:SavedItemFolderId>
          <m:Items>
            <t:CalendarItem>
              <t:Subject>Bench invite</t:Subject>
              <t:Body BodyType="Text">Agenda: the quarter, next steps, owners.</t:Body>
              <t:Start>2033-01-03T08:00:00Z</t:Start>
              <t:End>2033-01-03T09:00:00Z</t:End>
              <t:Location>Room 1</t:Location>
              <t:RequiredAttendees>{string.Concat(Enumerable.Range(0, 10).Select(i => $"<t:Attendee><t:Mailbox><t:EmailAddress>{Attendee(i)}</t:EmailAddress></t:Mailbox></t:Attendee>"))}</t:RequiredAttendees>
            </t:CalendarItem>
          </m:Items>
        </m:CreateItem>
        """);

    /// <summary>A seeded-style appointment, as the store holds it (see the load generator's Seeder).</summary>
    public static Item Appointment(int i)
    {
        var owner = new Mailbox("mbx-owner", Organizer, "Bench Organizer");
        var start = Start.AddHours(i);
        var item = new Item
        {
            Kind = ItemKind.CalendarItem,
            ItemClass = "IPM.Appointment",
            Subject = string.Create(CultureInfo.InvariantCulture, $"Bench appointment {i}"),
            Body = new Body("Text", "Agenda: review of the quarter, the next steps and who owns them. Dial-in details are in the invitation."),
            Sensitivity = "Normal",
            Start = start,
            End = start.AddHours(1),
            Location = "Room 7",
            LegacyFreeBusyStatus = "Busy",
            ReminderIsSet = true,
            ReminderMinutesBeforeStart = 15,
        };
        CalendarRules.PrepareNewCalendarItem(item, owner, null, Now);
        item.Id = EwsIds.NewItemId();
        item.MailboxId = owner.Id;
        item.FolderId = EwsIds.NewFolderId();
        item.DateTimeCreated = Now;
        item.DateTimeReceived = Now;
        item.LastModifiedTime = Now;
        item.LastModifiedName = owner.DisplayName;
        item.ChangeNumber = 1000 + i;
        return item;
    }

    /// <summary>A meeting with ten required attendees, prepared as CreateItem prepares it.</summary>
    public static Item Meeting()
    {
        var item = Appointment(0);
        item.Subject = "Bench meeting";
        item.RequiredAttendees = [.. Enumerable.Range(0, 10).Select(i => new Attendee(new EmailAddress(null, Attendee(i))))];
        item.IsMeeting = true;
        return item;
    }

    public static WriteContext WriteContext(string reader) => new()
    {
        Version = ExchangeVersion.Exchange2016,
        Reader = reader,
        ResponseObjects = item => CalendarRules.ResponseObjects(item, reader, ExchangeVersion.Exchange2016),
    };
}
