using System.Globalization;
using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Mime.Tests;

/// <summary>Real-world iCalendar objects (tests/data/mime, SOURCES.md) read into a calendar item's fields.</summary>
public sealed class SampleTests
{
    private static Item Read(string file, string? floatingZone = null)
    {
        var item = new Item { Kind = ItemKind.CalendarItem };
        MimeContent.Apply(item, File.ReadAllBytes(TestFiles.Mime(file)), floatingZone);
        return item;
    }

    private static DateTime Utc(string text) => DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    [Theory]
    [InlineData("exchange2010-publish-eastern.ics", "minimal-demo-event-est-20241028@example.com", "Anonymous Test Event for TZID", "2024-10-28T21:00:00Z", "2024-10-28T22:00:00Z", "Eastern Standard Time")]
    [InlineData("google-event-with-attendee.ics", "79fs7pkqvht9m5igs0vjv1sfra@google.com", "event with alarms", "2024-10-04T18:15:00Z", "2024-10-04T19:00:00Z", null)]
    [InlineData("thunderbird-event-with-alarm.ics", "b9a23b47-f109-4e7a-908c-75e925b27def", "event with alarms", "2024-10-23T14:00:00Z", "2024-10-23T15:00:00Z", "GMT Standard Time")]
    [InlineData("evolution-lightning-global-tzids.ics", "libical-evolution@issue-313", "libical / Evolution globally unique TZID", "2020-04-26T12:00:00Z", null, null)]
    [InlineData("apple-calendarserver-event.ics", "1C4B4547-9D99-446B-B1D7-135AE04A319E", "Another Event", "2011-05-16T15:45:00Z", "2011-05-16T17:00:00Z", null)]
    [InlineData("davmail-put-event-with-attendee.ics", "research-event-1@example.com", "Planning", "2030-01-07T09:00:00Z", "2030-01-07T10:00:00Z", null)]
    [InlineData("rfc5546-counter.ics", "counter-sample-1@example.com", "Quarterly planning", "2030-03-04T14:00:00Z", "2030-03-04T15:00:00Z", null)]
    public void A_sample_gives_its_uid_subject_and_times(string file, string uid, string subject, string start, string? end, string? zone)
    {
        var item = Read(file);
        Assert.Equal(uid, item.Uid);
        Assert.Equal(subject, item.Subject);
        Assert.Equal(Utc(start), item.Start);
        if (end is not null)
        {
            Assert.Equal(Utc(end), item.End);
        }

        Assert.Equal(zone, item.StartTimeZone?.Id);
    }

    [Fact]
    public void DavMails_put_gives_its_attendee_location_and_organizer()
    {
        var item = Read("davmail-put-event-with-attendee.ics");
        Assert.Equal("Room 1", item.Location);
        Assert.Equal("alice@example.com", item.Organizer?.Address);
        var bob = Assert.Single(item.RequiredAttendees!);
        Assert.Equal("bob@example.com", bob.Mailbox.Address);
        Assert.Equal("Bob", bob.Mailbox.Name);
        Assert.False(item.IsAllDayEvent);
    }

    [Fact]
    public void The_lotus_notes_invitation_gives_its_attendees_without_the_organizer()
    {
        var item = Read("lotus-notes-request-via-apple-calendarserver.ics");
        Assert.Equal("5 day daily repeating meeting", item.Subject);
        Assert.Equal("iCalChair@coffeebean.com", item.Organizer?.Address);
        var participant = Assert.Single(item.RequiredAttendees!);
        Assert.Equal("iCalParticipant@coffeebean.com", participant.Mailbox.Address);
        // TZID "Eastern" is only the object's own VTIMEZONE (-0400 in April).
        Assert.Equal(Utc("2005-04-11T13:00:00Z"), item.Start);
    }

    [Fact]
    public void The_counter_sample_gives_the_attendee_who_proposes()
    {
        var item = Read("rfc5546-counter.ics");
        Assert.Equal("bob@example.com", Assert.Single(item.RequiredAttendees!).Mailbox.Address);
        Assert.Equal("alice@example.com", item.Organizer?.Address);
    }

    [Fact]
    public void The_thunderbird_alarm_becomes_the_reminder()
    {
        var item = Read("thunderbird-event-with-alarm.ics");
        Assert.True(item.ReminderIsSet);
        Assert.NotNull(item.ReminderMinutesBeforeStart);
    }

    [Theory]
    [InlineData("BEGIN:VCALENDAR")]
    [InlineData("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")]
    [InlineData("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:not-a-date\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")]
    [InlineData("Subject: no calendar here\r\n\r\nhello")]
    [InlineData("\u0001\u0002\u0003")]
    public void Bad_iCalendar_is_a_conversion_failure_not_a_crash(string content)
    {
        var item = new Item { Kind = ItemKind.CalendarItem };
        var e = Assert.Throws<DomainException>(() => MimeContent.Apply(item, System.Text.Encoding.UTF8.GetBytes(content), null));
        Assert.Equal(ErrorCode.MimeContentConversionFailed, e.Code);
    }

    [Fact]
    public void A_calendar_nested_a_million_deep_is_refused_before_the_parser_sees_it()
    {
        // Regression guard: Ical.Net parses by recursion; this would take the process's stack.
        var text = "BEGIN:VCALENDAR\r\n" + string.Concat(Enumerable.Repeat("BEGIN:X\r\n", 1_000_000));
        var item = new Item { Kind = ItemKind.CalendarItem };
        // A recursion this deep would end the test process (stack overflow), so reaching the assertion is the proof.
        var e = Assert.Throws<DomainException>(() => MimeContent.Apply(item, System.Text.Encoding.UTF8.GetBytes(text), null));
        Assert.Equal(ErrorCode.MimeContentConversionFailed, e.Code);
    }

    [Fact]
    public void An_attendee_that_is_not_an_address_is_ErrorInvalidRecipients()
    {
        var text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20300101T100000Z\r\nDTEND:20300101T110000Z\r\nATTENDEE:mailto:bob%0D%0Abcc@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        var item = new Item { Kind = ItemKind.CalendarItem };
        var e = Assert.Throws<EwsException>(() => MimeContent.Apply(item, System.Text.Encoding.UTF8.GetBytes(text), null));
        Assert.Equal(ResponseCodes.ErrorInvalidRecipients, e.Code);
    }
}
