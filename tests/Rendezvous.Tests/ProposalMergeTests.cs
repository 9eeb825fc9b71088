using Rendezvous.Client;
using Rendezvous.Protocol;

namespace Rendezvous.Tests;

/// <summary>How the client merges MeetingResponses and tracked proposals into one proposal per attendee (no server).</summary>
public sealed class ProposalMergeTests
{
    private static readonly DateTime Nine = new(2031, 1, 6, 9, 0, 0, DateTimeKind.Utc);
    private static readonly EmailAddress Bob = new("Bob Durand", "bob@example.com");

    private static EwsItem Meeting(params Attendee[] attendees) => new()
    {
        Id = new ItemId("MEETING", "CK"),
        Kind = ItemKind.CalendarItem,
        Uid = "uid-1",
        Start = Nine,
        End = Nine.AddHours(1),
        RequiredAttendees = attendees,
    };

    private static EwsItem Response(string id, DateTime sent, DateTime? proposedStart, string associated = "MEETING", DateTime? meetingStart = null) => new()
    {
        Id = new ItemId(id),
        Kind = ItemKind.MeetingResponse,
        From = new EmailAddress(null, "BOB@example.com"),
        ResponseType = "Tentative",
        DateTimeSent = sent,
        AssociatedCalendarItemId = new ItemId(associated),
        Start = meetingStart ?? Nine,
        End = (meetingStart ?? Nine).AddHours(1),
        ProposedStart = proposedStart,
        ProposedEnd = proposedStart?.AddHours(1),
    };

    [Fact]
    public void The_latest_response_of_an_attendee_wins_and_a_plain_answer_withdraws_the_proposal()
    {
        var earlier = Response("R1", Nine.AddDays(-2), Nine.AddHours(2));
        var later = Response("R2", Nine.AddDays(-1), Nine.AddHours(4));
        Assert.Equal(Nine.AddHours(4), Assert.Single(Proposals.Merge(Meeting(), [later, earlier])).ProposedStart);

        var withdrawn = Response("R3", Nine.AddHours(-12), null);
        Assert.Empty(Proposals.Merge(Meeting(), [earlier, later, withdrawn]));
    }

    [Fact]
    public void Responses_to_another_meeting_or_to_an_earlier_time_are_left_out()
    {
        var other = Response("R1", Nine.AddDays(-1), Nine.AddHours(2), associated: "OTHER");
        var stale = Response("R2", Nine.AddDays(-1), Nine.AddHours(2), meetingStart: Nine.AddDays(-7));
        Assert.Empty(Proposals.Merge(Meeting(), [other, stale]));
    }

    [Fact]
    public void A_tracked_proposal_counts_even_without_its_message_and_merges_with_it_when_both_exist()
    {
        var tracked = new Attendee(Bob) { ResponseType = "Tentative", LastResponseTime = Nine.AddDays(-1), ProposedStart = Nine.AddHours(2), ProposedEnd = Nine.AddHours(3) };
        var alone = Assert.Single(Proposals.Merge(Meeting(tracked), []));
        Assert.True(alone.Tracked);
        Assert.Null(alone.ResponseMessageId);

        var both = Assert.Single(Proposals.Merge(Meeting(tracked), [Response("R1", Nine.AddDays(-1), Nine.AddHours(2))]));
        Assert.True(both.Tracked);
        Assert.Equal(new ItemId("R1"), both.ResponseMessageId);
        Assert.Equal("Bob Durand", both.Attendee.Name);
    }
}
