using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Server.Handlers;

/// <summary>
/// GetUserAvailability: free/busy views and meeting suggestions for up to 100 mailboxes, each answered (or failing) on
/// its own in request order. Only each mailbox's Calendar folder counts.
/// </summary>
public static class AvailabilityHandler
{
    public static async Task<Action<EwsWriter>> GetUserAvailability(EwsRequest request)
    {
        var query = AvailabilityReader.Read(request.Operation, request.Soap.TimeZoneContext);
        Availability.Validate(query);

        // Every window this request reads; each mailbox's calendar is read once for both views.
        var windows = new[] { query.FreeBusy?.Window, query.Suggestions?.Window }.OfType<UtcWindow>().ToList();
        var suggestionReach = query.Suggestions is { } so ? TimeSpan.FromMinutes(so.MeetingDurationInMinutes) : TimeSpan.Zero;
        var reach = new UtcWindow(windows.Min(w => w.Start) - suggestionReach, windows.Max(w => w.End) + suggestionReach);

        var mailboxes = new List<Outcome<MailboxState>>();
        foreach (var mailbox in query.Mailboxes)
        {
            mailboxes.Add(await request.OneAsync(() => LoadAsync(request, mailbox, reach)));
        }

        List<(FreeBusyViewResult?, EwsException?)>? views = null;
        if (query.FreeBusy is { } options)
        {
            views = [.. mailboxes.Select(m => m.Error is { } error
                ? ((FreeBusyViewResult?)null, error)
                : (Availability.View(m.Value!.Calendar, options, m.Value.Right, m.Value.WorkingHours), (EwsException?)null))];
        }

        IReadOnlyList<SuggestionDay>? suggestions = null;
        if (query.Suggestions is { } suggestionOptions)
        {
            var attendees = query.Mailboxes
                .Select((q, i) => mailboxes[i].Value is { } state ? new AttendeeCalendar(q, state.Calendar, state.WorkingHours) : new AttendeeCalendar(q, null, null))
                .ToList();
            suggestions = Suggestions.Suggest(attendees, suggestionOptions, query.Zone);
        }

        return w => AvailabilityWriter.Write(w, query.Zone, views, suggestions);
    }

    private sealed record MailboxState(IReadOnlyList<Item> Calendar, WorkingHours WorkingHours, DetailRight Right);

    private static async Task<MailboxState> LoadAsync(EwsRequest request, MailboxQuery mailbox, UtcWindow reach)
    {
        var store = request.Store;
        var user = await store.FindUserAsync(mailbox.Address, request.Cancellation)
            ?? throw new EwsException(ResponseCodes.ErrorMailRecipientNotFound,
                $"No mailbox was found for {mailbox.Address}: the mail recipient is not found in the directory.");
        var calendar = await store.GetDistinguishedFolderAsync(user.MailboxId, "calendar", request.Cancellation);
        var items = calendar is null ? [] : await store.GetFreeBusyInWindowAsync(calendar.Id, reach.Start, reach.End, request.Cancellation);
        var hours = await store.GetWorkingHoursAsync(user.MailboxId, request.Cancellation) ?? WorkingHours.Default;
        // No delegation or calendar permissions exist yet: others get Exchange's default right, free/busy time only.
        var right = user.MailboxId == request.User.MailboxId ? DetailRight.Owner : DetailRight.FreeBusy;
        return new MailboxState(items, hours, right);
    }
}
