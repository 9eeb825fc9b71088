using Rendezvous.Protocol;

namespace Rendezvous.Client;

/// <summary>Merges the two places a proposal shows up for the organizer into one per attendee.</summary>
internal static class Proposals
{
    /// <summary>
    /// For each attendee, their latest answer to <paramref name="meeting"/>: a MeetingResponse in the Inbox (matched by
    /// AssociatedCalendarItemId, else by UID) or the calendar item's own tracking (AttendeeType's LastResponseTime and
    /// ProposedStart/ProposedEnd, Exchange2013). When the latest answer carries no proposal, the attendee has none;
    /// responses to an earlier time of the meeting are left out.
    /// </summary>
    public static IReadOnlyList<Proposal> Merge(EwsItem meeting, IEnumerable<EwsItem> inbox)
    {
        var latest = new Dictionary<string, (DateTime? At, Proposal? Proposal)>(StringComparer.OrdinalIgnoreCase);

        foreach (var response in inbox.Where(r => r.Kind == ItemKind.MeetingResponse && Answers(r, meeting) && !Outdated(r, meeting)))
        {
            // Note: Exchange may give From as an EX (X.500) address for senders in its own organization, while the
            // tracked attendees carry SMTP addresses; such an attendee can then be listed twice. Resolving it needs
            // ResolveNames, which this client does not call yet.
            var who = response.From;
            if (who is null || who.Address.Length == 0)
            {
                continue;
            }

            var at = response.DateTimeSent ?? response.DateTimeReceived;
            var proposal = response.ProposedStart is { } start && response.ProposedEnd is { } end
                ? new Proposal(who, response.ResponseType, start, end)
                {
                    RespondedAt = at,
                    ResponseMessageId = response.Id,
                    Message = string.IsNullOrWhiteSpace(response.Body?.Text) ? null : response.Body!.Text.Trim(),
                }
                : null;
            Keep(latest, who.Address, at, proposal);
        }

        foreach (var attendee in meeting.Attendees)
        {
            var who = attendee.Mailbox;
            if (who.Address.Length == 0)
            {
                continue;
            }

            if (attendee.ProposedStart is { } start && attendee.ProposedEnd is { } end)
            {
                var known = latest.GetValueOrDefault(who.Address);
                var sameAsMessage = known.Proposal is { } p && p.ProposedStart == start && p.ProposedEnd == end;
                if (sameAsMessage)
                {
                    // The message and the tracking agree: one proposal, marked as tracked, with the attendee's name.
                    latest[who.Address] = (known.At, known.Proposal! with { Attendee = who.Name is null ? known.Proposal.Attendee : who, Tracked = true });
                    continue;
                }

                Keep(latest, who.Address, attendee.LastResponseTime, new Proposal(who, attendee.ResponseType, start, end)
                {
                    RespondedAt = attendee.LastResponseTime,
                    Tracked = true,
                });
            }
            else if (attendee.LastResponseTime is { } answered)
            {
                // A tracked answer without a proposal, later than any message: the proposal was withdrawn or applied.
                Keep(latest, who.Address, answered, null);
            }
        }

        return [.. latest.Values.Select(v => v.Proposal).OfType<Proposal>().OrderBy(p => p.RespondedAt ?? DateTime.MaxValue)];
    }

    /// <summary>
    /// A meeting is its UID and its organizer: a response with the UID of another organizer's meeting answers that one.
    /// A side that does not say who organizes is taken at its UID.
    /// </summary>
    /// For one occurrence of a series, the occurrence (RecurrenceId) is part of it: an answer to the third occurrence
    /// is not one to the series, nor to the second.
    private static bool Answers(EwsItem response, EwsItem meeting) =>
        (response.AssociatedCalendarItemId is { } id && string.Equals(id.Id, meeting.Id.Id, StringComparison.Ordinal))
        || (response.Uid is not null && string.Equals(response.Uid, meeting.Uid, StringComparison.Ordinal)
            && response.RecurrenceId == meeting.RecurrenceId
            && (response.Organizer is null || meeting.Organizer is null || response.Organizer.Is(meeting.Organizer.Address)));

    /// <summary>
    /// Whether the response answered an earlier time of the meeting: since Exchange2013 a MeetingResponse carries the
    /// Start and End of the meeting it answers, and once the organizer moved the meeting its proposal is settled.
    /// </summary>
    private static bool Outdated(EwsItem response, EwsItem meeting) =>
        response.Start is { } start && response.End is { } end && meeting.Start is not null && meeting.End is not null
        && (start != meeting.Start || end != meeting.End);

    /// <summary>Keeps the answer if it is later than what is known (an undated answer loses to a dated one).</summary>
    private static void Keep(Dictionary<string, (DateTime? At, Proposal? Proposal)> latest, string address, DateTime? at, Proposal? proposal)
    {
        if (!latest.TryGetValue(address, out var known) || (at ?? DateTime.MinValue) > (known.At ?? DateTime.MinValue))
        {
            latest[address] = (at, proposal);
        }
    }
}
