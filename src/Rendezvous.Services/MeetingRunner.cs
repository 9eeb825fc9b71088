using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Services;

/// <summary>
/// Connects the meeting workflow to the store: loads the state a step decides from, and applies the step's decision
/// as one change set. A step whose state changed under it (another attendee's response landed first) is decided again.
/// </summary>
public static class MeetingRunner
{
    private const int Attempts = 8;

    public static WorkflowContext Context(Session session) => new(session.Now, EwsIds.NewItemId);

    /// <summary>
    /// A mailbox's items for the meeting <paramref name="meeting"/>: its UID and its organizer. Items of another
    /// organizer's meeting with the same UID are not part of it (a reused UID never reaches someone else's meeting).
    /// </summary>
    public static async Task<MeetingView> ViewAsync(Session session, Mailbox owner, MeetingKey? meeting) =>
        meeting is null ? MeetingView.Empty(owner) : new MeetingView(owner, await session.Store.GetMeetingItemsAsync(owner.Id, meeting.Uid, session.Cancellation)).Of(meeting);

    /// <summary>
    /// The view of the mailbox at <paramref name="address"/>, or null when it is not on this server; with its
    /// delegation, so that meeting messages for it reach its delegates as it says (issue 18 §2).
    /// </summary>
    public static async Task<MeetingView?> LocalViewAsync(Session session, string address, MeetingKey? meeting)
    {
        if (await session.Store.FindUserAsync(address, session.Cancellation) is not { } user)
        {
            return null;
        }

        var view = await ViewAsync(session, user.Mailbox, meeting) with { Delegates = await DelegateService.MeetingDelegatesAsync(session, user.Mailbox) };
        if (meeting is null || view.Delegates is not { } delegates)
        {
            return view;
        }

        // The delegates' copies of this meeting's requests, which an update or cancellation puts out of date with the owner's.
        var copies = new List<PlacedItem>();
        foreach (var delegateMailbox in delegates.Recipients)
        {
            copies.AddRange(await session.Store.GetMeetingItemsAsync(delegateMailbox.Id, meeting.Uid, session.Cancellation));
        }

        return view with { DelegateItems = copies };
    }

    /// <summary>The views of those <paramref name="addresses"/> that have a mailbox here.</summary>
    public static async Task<Dictionary<string, MeetingView>> LocalViewsAsync(Session session, IEnumerable<string> addresses, MeetingKey? meeting)
    {
        var views = new Dictionary<string, MeetingView>(StringComparer.OrdinalIgnoreCase);
        foreach (var address in addresses.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (await LocalViewAsync(session, address, meeting) is { } view)
            {
                views[address] = view;
            }
        }

        return views;
    }

    /// <summary>
    /// Decides with <paramref name="decide"/> and applies the decision atomically. Steps on the same meeting take turns
    /// (responses from many attendees all update the organizer's item); if the state still moved on, the step is
    /// decided again from fresh state.
    /// </summary>
    /// <remarks>
    /// Rooms the decision delivered a request or cancellation to answer it once the turn is over
    /// (<see cref="RoomBooking"/>); a room's own answer (<paramref name="answerRooms"/> false) delivers to no room.
    /// </remarks>
    public static async Task<IReadOnlyList<Item>> RunAsync(Session session, MeetingKey? meeting, Func<Task<Decision>> decide, bool answerRooms = true)
    {
        var decision = await DecideAndApplyAsync(session, meeting, decide);
        if (answerRooms)
        {
            await RoomBooking.AnswerDeliveredAsync(session, decision);
        }

        return decision.Results;
    }

    private static async Task<Decision> DecideAndApplyAsync(Session session, MeetingKey? meeting, Func<Task<Decision>> decide)
    {
        // Turns are per meeting (UID and organizer): a meeting reusing another's UID never waits on it.
        // The store's turn spans every node of a server on PostgreSQL (issue 19 §5).
        await using var turn = meeting is null ? null : await session.Store.MeetingTurnAsync(meeting.Name, session.Cancellation);
        for (var attempt = 1; ; attempt++)
        {
            var decision = await decide();
            try
            {
                await ApplyAsync(session, decision);
                return decision;
            }
            catch (ConcurrencyException) when (attempt < Attempts)
            {
                // Another request changed an item this decision read; decide again.
            }
        }
    }

    /// <summary>
    /// <see cref="RunAsync"/> for a step on the caller's item <paramref name="reference"/>. The item is read once to learn
    /// its meeting (turns are per meeting), then again inside the turn, so the step decides from what it will change.
    /// </summary>
    public static async Task<IReadOnlyList<Item>> RunOnItemAsync(Session session, ItemRef reference, Func<Item, Task<Decision>> decide)
    {
        var first = await session.GetOwnItemAsync(reference);
        return await RunAsync(session, MeetingKey.Of(first), async () => await decide(await session.GetOwnItemAsync(reference)));
    }

    /// <summary>
    /// <see cref="RunOnItemAsync"/> for a step that may name one occurrence of a series (an OccurrenceItemId or an
    /// occurrence's own ItemId): <paramref name="decide"/> gets the occurrence as an item (its OriginalStart set), or the stored item.
    /// </summary>
    public static async Task<IReadOnlyList<Item>> RunOnItemOrOccurrenceAsync(Session session, ItemRef reference, Func<Item, Task<Decision>> decide)
    {
        var first = await session.GetItemOrOccurrenceAsync(reference);
        return await RunAsync(session, MeetingKey.Of(first), async () => await decide(await session.GetItemOrOccurrenceAsync(reference)));
    }

    private static async Task ApplyAsync(Session session, Decision decision)
    {
        var now = session.Now;
        var changes = new ChangeSet();
        // Every delivery's folder in one lookup (on PostgreSQL one round trip, not one an attendee).
        var wanted = decision.Creates.Where(static c => c.Place.FolderId is null).Select(static c => (c.Place.MailboxId, c.Place.Folder!)).Distinct().ToList();
        var folders = await session.Store.GetDistinguishedFolderIdsAsync(wanted, session.Cancellation);
        foreach (var (item, place) in decision.Creates)
        {
            var folderId = place.FolderId;
            if (folderId is null && !folders.TryGetValue((place.MailboxId, place.Folder!), out folderId))
            {
                throw new InvalidOperationException($"Mailbox {place.MailboxId} has no {place.Folder} folder.");
            }

            item.MailboxId = place.MailboxId;
            item.FolderId = folderId;
            item.DateTimeCreated = item.DateTimeCreated == default ? now : item.DateTimeCreated;
            item.DateTimeReceived ??= now;
            item.LastModifiedTime = now;
            item.LastModifiedName = session.User.DisplayName;
            item.FieldChanges.Clear();
            StampSeries(item);
            changes.Inserts.Add(item);
        }

        foreach (var (item, expected) in decision.Updates)
        {
            item.StampModified(now);
            StampSeries(item);
            changes.Updates.Add((item, expected));
        }

        changes.Deletes.AddRange(decision.Deletes);
        foreach (var (to, from) in decision.Sources)
        {
            changes.Sources[to] = from;
        }

        // Headers only where bytes come with them: from the decision's attachment writes, or from a moved item's source.
        changes.Attachments.AddRange(decision.Attachments);
        var given = decision.Attachments.Select(static a => a switch { AttachmentAdd add => add.Item, AttachmentCopy copy => copy.To, _ => null })
            .OfType<Item>().ToHashSet(ReferenceEqualityComparer.Instance);
        foreach (var (item, _) in decision.Creates)
        {
            if (item.Attachments is not null && !given.Contains(item) && !decision.Sources.ContainsKey(item.Id))
            {
                item.Attachments = null;
            }
        }

        await session.Store.ApplyAsync(changes, session.Cancellation);
        CarryMasterChangeKeys(decision);
        if (decision.Undelivered.Count > 0)
        {
            session.Inform("Not delivered (no mailbox on this server): " + string.Join(", ", decision.Undelivered));
        }
    }

    /// <summary>
    /// An occurrence among the results was made from its master before the master was written: it takes the change
    /// number the store gave the master, so its ChangeKey is the master's current one (an occurrence has its master's).
    /// </summary>
    private static void CarryMasterChangeKeys(Decision decision)
    {
        Dictionary<string, Item>? updated = null;
        foreach (var result in decision.Results)
        {
            if (!EwsIds.TryParseOccurrenceId(result.Id, out var masterId, out _))
            {
                continue;
            }

            updated ??= decision.Updates.Select(static u => u.Item).Concat(decision.Creates.Select(static c => c.Item))
                .GroupBy(static i => i.Id, StringComparer.Ordinal).ToDictionary(static g => g.Key, static g => g.Last(), StringComparer.Ordinal);
            if (updated.TryGetValue(masterId, out var master))
            {
                result.ChangeNumber = master.ChangeNumber;
            }
        }
    }

    // A calendar item's series bounds are what the store's window of series finds it by (SeriesItems.StampSeriesBounds).
    private static void StampSeries(Item item)
    {
        if (item.Kind == ItemKind.CalendarItem)
        {
            SeriesItems.StampSeriesBounds(item);
        }
    }
}
