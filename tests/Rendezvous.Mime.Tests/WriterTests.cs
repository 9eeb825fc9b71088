using System.Text;
using MimeKit;
using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Mime.Tests;

/// <summary>What the server writes reads back: MimeKit and Ical.Net parse it, and MimeContent.Apply takes the same fields back.</summary>
public sealed class WriterTests
{
    private static Item Meeting() => new()
    {
        Kind = ItemKind.CalendarItem,
        Uid = "writer-1@example.com",
        Subject = "Planning ü",
        Body = new Body("Text", "Agenda\nline two"),
        Location = "Room 1",
        Start = new DateTime(2030, 1, 7, 8, 0, 0, DateTimeKind.Utc),
        End = new DateTime(2030, 1, 7, 9, 0, 0, DateTimeKind.Utc),
        StartTimeZone = new TimeZoneRef("Romance Standard Time"),
        EndTimeZone = new TimeZoneRef("Romance Standard Time"),
        Organizer = new EmailAddress("Alice", "alice@example.com"),
        RequiredAttendees = [new Protocol.Attendee(new EmailAddress("Bob", "bob@example.com")) { ResponseType = "Accept" }],
        IsMeeting = true,
        AppointmentSequenceNumber = 3,
        DateTimeStamp = new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc),
    };

    [Fact]
    public void A_calendar_item_reads_back_into_the_same_fields()
    {
        var bytes = MimeContent.Write(Meeting());
        var back = new Item { Kind = ItemKind.CalendarItem };
        MimeContent.Apply(back, bytes, null);
        var original = Meeting();
        Assert.Equal((original.Uid, original.Subject, original.Location, original.Start, original.End), (back.Uid, back.Subject, back.Location, back.Start, back.End));
        Assert.Equal("Romance Standard Time", back.StartTimeZone?.Id);
        Assert.Equal("Agenda\nline two", back.Body?.Text);
        Assert.Equal("bob@example.com", Assert.Single(back.RequiredAttendees!).Mailbox.Address);
        var e = Assert.Single(Ical.Net.Calendar.Load(Encoding.UTF8.GetString(bytes))!.Events);
        Assert.Equal(3, e.Sequence);
        Assert.Equal("ACCEPTED", Assert.Single(e.Attendees).ParticipationStatus);
    }

    [Fact]
    public void A_meeting_request_is_a_message_with_a_calendar_part_of_method_REQUEST()
    {
        var request = Meeting();
        request.Kind = ItemKind.MeetingRequest;
        request.From = request.Organizer;
        request.ToRecipients = [new EmailAddress("Bob", "bob@example.com")];
        var message = MimeMessage.Load(new MemoryStream(MimeContent.Write(request)));
        Assert.Equal("urn:content-classes:calendarmessage", message.Body!.Headers["Content-class"]);
        var part = message.BodyParts.OfType<TextPart>().Single(p => p.ContentType.IsMimeType("text", "calendar"));
        Assert.Equal("REQUEST", part.ContentType.Parameters["method"]);
        Assert.Equal("REQUEST", Ical.Net.Calendar.Load(part.Text)!.Method);
        Assert.Equal("Agenda\nline two", message.TextBody?.TrimEnd());
    }
}
