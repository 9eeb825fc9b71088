using Rendezvous.Client;
using Rendezvous.Protocol;

namespace Rendezvous.Cli;

/// <summary>
/// The rdv commands that talk to an EWS server as one user: the whole propose-new-time loop, from the organizer's
/// invitation to the attendee's proposal and the organizer applying it. Each prints a table, or with --json one JSON
/// document whose shape is the records below (camelCase).
/// </summary>
internal static class ClientCommands
{
    private static readonly TimeSpan DefaultWindow = TimeSpan.FromDays(7);

    public static async Task<int> InviteAsync(ClientSession session)
    {
        var options = session.Options;
        var subject = options.Require("--subject", "TEXT");
        var (start, end) = (Times.RequireInstant(options, "--start", session.Zone), Times.RequireInstant(options, "--end", session.Zone));
        var required = options.GetList("--to");
        if (required.Count == 0)
        {
            throw new UsageException("--to EMAIL[,EMAIL...] is required");
        }

        var meeting = new NewMeeting(subject, start, end, required)
        {
            OptionalAttendees = options.GetList("--optional"),
            Location = options.Get("--location"),
            Body = options.Get("--message"),
            AllowNewTimeProposal = !options.Has("--no-proposals"),
            TimeZone = session.ZoneId,
        };
        var id = await session.Client.CreateMeetingAsync(meeting, session.CancellationToken);
        var invited = new InvitedMeeting(
            id.Id, subject, InZone(start, session), InZone(end, session), required, meeting.OptionalAttendees, meeting.Location, meeting.AllowNewTimeProposal);
        if (session.Json)
        {
            Output.Json(session.Stdout, invited);
        }
        else
        {
            session.Stdout.WriteLine($"invited {string.Join(", ", required.Concat(invited.OptionalAttendees))} to '{subject}', {Times.ShowRange(invited.Start, invited.End)}");
            session.Stdout.WriteLine($"id {id.Id}");
        }

        return 0;
    }

    public static async Task<int> MeetingsAsync(ClientSession session)
    {
        var from = Times.GetInstant(session.Options, "--from", session.Zone) ?? DateTimeOffset.UtcNow;
        var to = Times.GetInstant(session.Options, "--to", session.Zone) ?? from + DefaultWindow;
        if (to <= from)
        {
            throw new UsageException("--to must be after --from");
        }

        var calendar = session.Client.FindCalendarItemsAsync(from, to, cancellationToken: session.CancellationToken);
        // Pending requests are listed whatever their date: they are what the user still has to answer.
        var requests = session.Client.FindMeetingRequestsAsync(cancellationToken: session.CancellationToken);
        var rows = (await calendar).Select(item => MeetingRow.From(item, item.IsMeeting ? "meeting" : "appointment", session.Zone))
            .Concat((await requests).Where(request => request.IsOutOfDate != true).Select(request => MeetingRow.From(request, "request", session.Zone)))
            .OrderBy(row => row.Start)
            .ThenBy(row => row.Kind, StringComparer.Ordinal)
            .ToList();
        if (session.Json)
        {
            Output.Json(session.Stdout, rows);
        }
        else if (rows.Count == 0)
        {
            session.Stdout.WriteLine($"nothing from {Times.Show(InZone(from, session))} to {Times.Show(InZone(to, session))}, and no pending meeting request");
        }
        else
        {
            Output.Table(
                session.Stdout,
                ["KIND", "START", "END", "SUBJECT", "ORGANIZER", "RESPONSE", "PROPOSE", "SERIES", "ID"],
                rows.Select(row => (IReadOnlyList<string>)[
                    row.Kind, Times.Show(row.Start), Times.Show(row.End), row.Subject ?? "", row.Organizer ?? "",
                    row.IsCancelled ? "Cancelled" : row.Response ?? "", Output.YesNo(row.CanProposeNewTime), row.Series ?? "", row.Id,
                ]));
        }

        return 0;
    }

    public static async Task<int> ProposeAsync(ClientSession session)
    {
        var options = session.Options;
        var (start, end) = (Times.RequireInstant(options, "--start", session.Zone), Times.RequireInstant(options, "--end", session.Zone));
        if (end <= start)
        {
            throw new UsageException("--end must be after --start");
        }

        // Accept with a proposal by default, as Microsoft's article does: the attendee keeps the slot while asking to move it.
        var answer = Answer(options, MeetingResponse.Accept);
        var meeting = await MeetingLookup.ForAttendeeAsync(session);
        await session.Client.ProposeNewTimeAsync(meeting.Id, start, end, answer, options.Get("--message"), session.CancellationToken);
        var answered = new Answered(
            meeting.Id.Id, meeting.Subject, meeting.Organizer?.Address ?? meeting.From?.Address, AnswerName(answer), InZone(start, session), InZone(end, session));
        if (session.Json)
        {
            Output.Json(session.Stdout, answered);
        }
        else
        {
            session.Stdout.WriteLine($"{AnswerName(answer)} '{Output.OneLine(meeting.Subject)}' and proposed {Times.ShowRange(answered.ProposedStart, answered.ProposedEnd)} to {answered.Organizer}");
        }

        return 0;
    }

    public static async Task<int> RespondAsync(ClientSession session)
    {
        var answer = Answer(session.Options, fallback: null);
        var meeting = await MeetingLookup.ForAttendeeAsync(session);
        await session.Client.RespondAsync(meeting.Id, answer, session.Options.Get("--message"), session.CancellationToken);
        var answered = new Answered(meeting.Id.Id, meeting.Subject, meeting.Organizer?.Address ?? meeting.From?.Address, AnswerName(answer), null, null);
        if (session.Json)
        {
            Output.Json(session.Stdout, answered);
        }
        else
        {
            session.Stdout.WriteLine($"{AnswerName(answer)} '{Output.OneLine(meeting.Subject)}'; {answered.Organizer} is told");
        }

        return 0;
    }

    public static async Task<int> ProposalsAsync(ClientSession session)
    {
        var received = new List<MeetingProposals>();
        if (MeetingLookup.IsNamed(session.Options))
        {
            var meeting = await MeetingLookup.ForOrganizerAsync(session);
            received.Add(await session.Client.GetProposalsAsync(meeting.Id, session.CancellationToken));
        }
        else
        {
            received.AddRange(await session.Client.FindProposalsAsync(session.CancellationToken));
        }

        var views = received.OrderBy(r => r.Meeting.Start).Select(r => MeetingWithProposals.From(r, session.Zone)).ToList();
        if (session.Json)
        {
            Output.Json(session.Stdout, views);
            return 0;
        }

        if (views.Count == 0)
        {
            session.Stdout.WriteLine("no proposals");
        }

        foreach (var view in views)
        {
            session.Stdout.WriteLine($"'{Output.OneLine(view.Subject)}'  {Times.ShowRange(view.Start, view.End)}  --id {view.Id}");
            if (view.Proposals.Count == 0)
            {
                session.Stdout.WriteLine("  no proposals yet");
                continue;
            }

            Output.Table(
                session.Stdout,
                ["ATTENDEE", "ANSWER", "PROPOSED START", "PROPOSED END", "RECEIVED", "MESSAGE"],
                view.Proposals.Select(p => (IReadOnlyList<string>)[
                    p.Attendee, p.Answer ?? "", Times.Show(p.ProposedStart), Times.Show(p.ProposedEnd), Times.Show(p.Received), p.Message ?? "",
                ]),
                indent: "  ");
        }

        return 0;
    }

    public static async Task<int> AvailabilityAsync(ClientSession session, IReadOnlyList<string> mailboxes)
    {
        var options = session.Options;
        var (from, to) = (Times.RequireInstant(options, "--from", session.Zone), Times.RequireInstant(options, "--to", session.Zone));
        var duration = options.GetNumber("--duration") is { } minutes
            ? minutes <= 1440 ? (int)minutes : throw new UsageException("--duration is at most 1440 minutes (a day)")
            : 30;
        var availability = await session.Client.GetAvailabilityAsync(
            mailboxes,
            from,
            to,
            // The user's zone, so suggestions are grouped by the user's days and working hours read on their clock.
            new AvailabilityOptions { TimeZone = session.ZoneId, SuggestionDurationMinutes = duration },
            session.CancellationToken);
        var view = AvailabilityView.Of(availability, InZone(from, session), InZone(to, session), duration, session.Zone);
        if (session.Json)
        {
            Output.Json(session.Stdout, view);
            return 0;
        }

        foreach (var mailbox in view.Mailboxes)
        {
            session.Stdout.WriteLine(mailbox.Address);
            if (mailbox.Error is { } error)
            {
                session.Stdout.WriteLine($"  {error.Code}: {Output.OneLine(error.Message)}");
            }
            else if (mailbox.Busy.Count == 0)
            {
                session.Stdout.WriteLine("  free all along");
            }
            else
            {
                Output.Table(
                    session.Stdout,
                    ["START", "END", "BUSY", "SUBJECT"],
                    mailbox.Busy.Select(b => (IReadOnlyList<string>)[Times.Show(b.Start), Times.Show(b.End), b.BusyType, b.Subject ?? ""]),
                    indent: "  ");
            }
        }

        session.Stdout.WriteLine($"suggested times ({duration} min)");
        if (view.Suggestions.Count == 0)
        {
            session.Stdout.WriteLine("  none");
        }
        else
        {
            Output.Table(
                session.Stdout,
                ["START", "END", "QUALITY", "WORK HOURS"],
                view.Suggestions.Select(s => (IReadOnlyList<string>)[Times.Show(s.Start), Times.Show(s.End), s.Quality, Output.YesNo(s.IsWorkTime)]),
                indent: "  ");
        }

        return 0;
    }

    public static async Task<int> ApplyProposalAsync(ClientSession session)
    {
        var attendee = session.Options.Require("--from", "EMAIL (the attendee whose proposal to apply)");
        var meeting = await MeetingLookup.ForOrganizerAsync(session);
        var received = await session.Client.GetProposalsAsync(meeting.Id, session.CancellationToken);
        var proposal = received.Proposals.FirstOrDefault(p => p.Attendee.Is(attendee))
            ?? throw new CommandException($"no proposal from {attendee} for '{Output.OneLine(meeting.Subject)}'");
        var moved = await session.Client.ApplyProposalAsync(received.Meeting.Id, proposal, session.CancellationToken);
        var applied = new AppliedProposal(
            moved.Id,
            received.Meeting.Subject,
            proposal.Attendee.Address,
            Times.InZone(received.Meeting.Start, session.Zone),
            Times.InZone(received.Meeting.End, session.Zone),
            Times.InZone(proposal.ProposedStart, session.Zone),
            Times.InZone(proposal.ProposedEnd, session.Zone),
            [.. received.Meeting.Attendees.Select(a => a.Mailbox.Address)]);
        if (session.Json)
        {
            Output.Json(session.Stdout, applied);
        }
        else
        {
            session.Stdout.WriteLine($"moved '{Output.OneLine(applied.Subject)}' from {Times.ShowRange(applied.PreviousStart, applied.PreviousEnd)} to {Times.ShowRange(applied.Start, applied.End)}");
            session.Stdout.WriteLine($"update sent to {string.Join(", ", applied.Attendees)}");
        }

        return 0;
    }

    public static async Task<int> CancelAsync(ClientSession session)
    {
        var meeting = await MeetingLookup.ForOrganizerAsync(session);
        await session.Client.CancelAsync(meeting.Id, session.Options.Get("--message"), session.CancellationToken);
        var cancelled = new CancelledMeeting(
            meeting.Id.Id, meeting.Subject, Times.InZone(meeting.Start, session.Zone), Times.InZone(meeting.End, session.Zone), [.. meeting.Attendees.Select(a => a.Mailbox.Address)]);
        if (session.Json)
        {
            Output.Json(session.Stdout, cancelled);
        }
        else
        {
            session.Stdout.WriteLine($"cancelled '{Output.OneLine(meeting.Subject)}', {Times.ShowRange(cancelled.Start, cancelled.End)}");
            session.Stdout.WriteLine($"cancellation sent to {string.Join(", ", cancelled.Attendees)}");
        }

        return 0;
    }

    private static DateTimeOffset InZone(DateTimeOffset time, ClientSession session) => TimeZoneInfo.ConvertTime(time, session.Zone);

    /// <summary>The answer the flags choose; exactly one of them, unless the command has a default.</summary>
    private static MeetingResponse Answer(Options options, MeetingResponse? fallback)
    {
        var chosen = new (string Flag, MeetingResponse Answer)[] { ("--accept", MeetingResponse.Accept), ("--tentative", MeetingResponse.Tentative), ("--decline", MeetingResponse.Decline) }
            .Where(choice => options.Has(choice.Flag))
            .ToList();
        return chosen switch
        {
            [var one] => one.Answer,
            [] when fallback is { } answer => answer,
            [] => throw new UsageException("one of --accept, --tentative or --decline is required"),
            _ => throw new UsageException("choose one of --accept, --tentative or --decline"),
        };
    }

    private static string AnswerName(MeetingResponse answer) => answer switch
    {
        MeetingResponse.Accept => "accepted",
        MeetingResponse.Tentative => "tentatively accepted",
        _ => "declined",
    };
}

/// <summary>
/// One line of `rdv meetings`: a calendar item or a pending meeting request. <see cref="Series"/> says what it is of a
/// recurring meeting: "occurrence", "exception" (a modified occurrence), "series" (a request for the whole series), or
/// nothing for a single meeting; <see cref="OriginalStart"/> is the occurrence's place in the pattern (its RecurrenceId).
/// </summary>
internal sealed record MeetingRow(
    string Kind, DateTimeOffset? Start, DateTimeOffset? End, string? Subject, string? Organizer, string? Location, string? Response, bool IsCancelled, bool CanProposeNewTime, string Id)
{
    public string? Series { get; init; }

    public DateTimeOffset? OriginalStart { get; init; }

    private static string? SeriesOf(EwsItem item) => item.CalendarItemType switch
    {
        SchemaValues.CalendarItemTypeType.Occurrence => "occurrence",
        SchemaValues.CalendarItemTypeType.Exception => "exception",
        SchemaValues.CalendarItemTypeType.RecurringMaster => "series",
        // A request for one occurrence says Occurrence or Exception; one without the type but with a RecurrenceId is for one too.
        _ when item.RecurrenceId is not null => "occurrence",
        _ => null,
    };

    public static MeetingRow From(EwsItem item, string kind, TimeZoneInfo zone) => new(
        kind,
        Times.InZone(item.Start, zone),
        Times.InZone(item.End, zone),
        item.Subject,
        item.Organizer?.Address ?? item.From?.Address,
        item.Location,
        item.MyResponseType,
        item.IsCancelled,
        item.CanProposeNewTime,
        item.Id.Id)
    {
        Series = SeriesOf(item),
        OriginalStart = Times.InZone(item.RecurrenceId, zone),
    };
}

internal sealed record InvitedMeeting(
    string Id, string Subject, DateTimeOffset Start, DateTimeOffset End, IReadOnlyList<string> RequiredAttendees, IReadOnlyList<string> OptionalAttendees, string? Location, bool AllowNewTimeProposal);

/// <summary>What propose and respond sent; the proposed times only for propose.</summary>
internal sealed record Answered(string Id, string? Subject, string? Organizer, string Answer, DateTimeOffset? ProposedStart, DateTimeOffset? ProposedEnd);

internal sealed record ProposalRow(string Attendee, string? Name, string? Answer, DateTimeOffset ProposedStart, DateTimeOffset ProposedEnd, DateTimeOffset? Received, string? Message);

internal sealed record MeetingWithProposals(string Id, string? Subject, DateTimeOffset? Start, DateTimeOffset? End, IReadOnlyList<ProposalRow> Proposals)
{
    public static MeetingWithProposals From(MeetingProposals received, TimeZoneInfo zone) => new(
        received.Meeting.Id.Id,
        received.Meeting.Subject,
        Times.InZone(received.Meeting.Start, zone),
        Times.InZone(received.Meeting.End, zone),
        [.. received.Proposals.Select(p => new ProposalRow(
            p.Attendee.Address,
            p.Attendee.Name,
            p.ResponseType,
            Times.InZone(p.ProposedStart, zone),
            Times.InZone(p.ProposedEnd, zone),
            Times.InZone(p.RespondedAt, zone),
            Output.OneLine(p.Message) is { Length: > 0 } message ? message : null))]);
}

internal sealed record BusyBlock(DateTimeOffset Start, DateTimeOffset End, string BusyType, string? Subject, string? Location);

internal sealed record EwsError(string Code, string Message);

internal sealed record MailboxView(string Address, EwsError? Error, IReadOnlyList<BusyBlock> Busy);

internal sealed record SuggestedTime(DateTimeOffset Start, DateTimeOffset End, string Quality, bool IsWorkTime);

internal sealed record AvailabilityView(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<MailboxView> Mailboxes, IReadOnlyList<SuggestedTime> Suggestions)
{
    public static AvailabilityView Of(AvailabilityResult result, DateTimeOffset from, DateTimeOffset to, int durationMinutes, TimeZoneInfo zone) => new(
        from,
        to,
        [.. result.Mailboxes.Select(m => new MailboxView(
            m.Address,
            m.Error is { } error ? new EwsError(error.Code, error.Message) : null,
            // Free blocks are not busy: they stay out so "busy" means what it says.
            [.. (m.View?.Events ?? []).Where(e => e.BusyType != SchemaValues.LegacyFreeBusyType.Free).Select(e => new BusyBlock(
                Times.InZone(e.Start, zone), Times.InZone(e.End, zone), e.BusyType, e.Details?.Subject, e.Details?.Location))]))],
        [.. result.Suggestions.SelectMany(day => day.Suggestions).Select(s => new SuggestedTime(
            Times.InZone(s.MeetingTime, zone), Times.InZone(s.MeetingTime.AddMinutes(durationMinutes), zone), s.Quality, s.IsWorkTime))]);
}

internal sealed record AppliedProposal(
    string Id, string? Subject, string ProposedBy, DateTimeOffset? PreviousStart, DateTimeOffset? PreviousEnd, DateTimeOffset Start, DateTimeOffset End, IReadOnlyList<string> Attendees);

internal sealed record CancelledMeeting(string Id, string? Subject, DateTimeOffset? Start, DateTimeOffset? End, IReadOnlyList<string> Attendees);
