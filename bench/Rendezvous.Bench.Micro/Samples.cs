using System.Globalization;
using System.Xml.Linq;
using Rendezvous.Bench.Load;
using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;

namespace Rendezvous.Bench.Micro;

/// <summary>The requests and items the benchmarks work on, shaped like the load generator's (bench/Rendezvous.Bench.Load).</summary>
public static class Samples
{
    public const string Organizer = "organizer@bench.test";
    public static readonly XNamespace M = Ews.M;
    public static readonly DateTime Now = new(2030, 1, 1, 8, 0, 0, DateTimeKind.Utc);
    public static readonly DateTime Start = new(2031, 1, 6, 9, 0, 0, DateTimeKind.Utc);

    public static string Attendee(int i) => string.Create(CultureInfo.InvariantCulture, $"att-{i:00}@bench.test");

    /// <summary>The getitem workload's request: IdOnly plus ten properties of one calendar item.</summary>
    public static byte[] GetItemRequest(string id) => Requests.Envelope(Requests.GetItemTenProperties(id));

    /// <summary>The invite workload's request: a meeting with ten attendees, SendToAllAndSaveCopy.</summary>
    public static byte[] CreateMeetingRequest() => Requests.Envelope(Requests.CreateMeeting(
        "Bench invite", Enumerable.Range(0, 10).Select(Attendee), new DateTime(2033, 1, 3, 8, 0, 0, DateTimeKind.Utc), new DateTime(2033, 1, 3, 9, 0, 0, DateTimeKind.Utc)));

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
        item.Id = EwsIds.NewItemId(owner.Id);
        item.MailboxId = owner.Id;
        item.FolderId = EwsIds.NewFolderId(owner.Id);
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
