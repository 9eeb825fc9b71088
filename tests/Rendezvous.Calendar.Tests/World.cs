using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Calendar.Tests;

/// <summary>
/// Mailboxes in memory, for scenario tests of the workflow: each step reads its state from here, and its decision
/// is applied the way the store applies it (all or nothing; a stale update or delete is refused).
/// </summary>
public sealed class World
{
    private readonly Dictionary<string, Mailbox> mailboxes = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, PlacedItem> items = new(StringComparer.Ordinal);
    private long changeNumber;
    private int nextId;

    public World(params string[] users)
    {
        foreach (var user in users)
        {
            mailboxes[user] = new Mailbox("mbx-" + user, user + "@example.com", char.ToUpperInvariant(user[0]) + user[1..]);
        }
    }

    public DateTime Now { get; set; } = new(2030, 1, 1, 8, 0, 0, DateTimeKind.Utc);

    /// <summary>Ids as the server makes them (a series' occurrence ids are derived from its master's), instead of short readable ones.</summary>
    public bool ServerIds { get; init; }

    public WorkflowContext Context => new(Now, mailbox => ServerIds ? EwsIds.NewItemId(mailbox) : "id" + ++nextId);

    public Mailbox this[string user] => mailboxes[user];

    public static string Address(string user) => user + "@example.com";

    /// <summary>The items in one folder of a user's mailbox.</summary>
    public IReadOnlyList<Item> In(string user, string folder) =>
        [.. items.Values.Where(p => p.Item.MailboxId == mailboxes[user].Id && p.Folder == folder).Select(p => p.Item)];

    public Item Get(string id) => items[id].Item;

    public PlacedItem Placed(string id) => items[id];

    public bool Exists(string id) => items.ContainsKey(id);

    public MeetingView View(string user, string? uid) =>
        new(mailboxes[user], uid is null ? [] : [.. items.Values.Where(p => p.Item.MailboxId == mailboxes[user].Id && p.Item.Uid == uid).Select(p => p with { Item = p.Item.Clone() })]);

    /// <summary>The views of the local users among <paramref name="addresses"/>.</summary>
    public Dictionary<string, MeetingView> Views(IEnumerable<string> addresses, string? uid) =>
        addresses.Distinct(StringComparer.OrdinalIgnoreCase).Where(a => mailboxes.ContainsKey(a.Split('@')[0]) && a.EndsWith("@example.com", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(a => a, a => View(a.Split('@')[0], uid), StringComparer.OrdinalIgnoreCase);

    /// <summary>Applies a decision atomically, refusing it whole if an item it read has moved on.</summary>
    public Decision Apply(Decision decision)
    {
        foreach (var (item, expected) in decision.Updates)
        {
            if (!items.TryGetValue(item.Id, out var current) || current.Item.ChangeNumber != expected)
            {
                throw new InvalidOperationException($"stale update of {item.Id}");
            }
        }

        foreach (var id in decision.Deletes)
        {
            if (!items.ContainsKey(id))
            {
                throw new InvalidOperationException($"stale delete of {id}");
            }
        }

        foreach (var id in decision.Deletes)
        {
            items.Remove(id);
        }

        foreach (var (item, _) in decision.Updates)
        {
            item.ChangeNumber = ++changeNumber;
            items[item.Id] = items[item.Id] with { Item = item };
        }

        foreach (var (item, place) in decision.Creates)
        {
            Assert.Null(place.FolderId);
            item.MailboxId = place.MailboxId;
            item.FolderId = place.Folder!;
            item.ChangeNumber = ++changeNumber;
            items.Add(item.Id, new PlacedItem(item, place.Folder));
        }

        return decision;
    }

    /// <summary>A meeting as a client would create it, prepared by the rules the server applies.</summary>
    public Item NewMeeting(string organizer, string subject, DateTime start, TimeSpan duration, string[] required, string[]? optional = null, bool? allowNewTimeProposal = null)
    {
        var meeting = new Item
        {
            Kind = ItemKind.CalendarItem,
            ItemClass = "IPM.Appointment",
            Subject = subject,
            Start = start,
            End = start + duration,
            Location = "Room 1",
            AllowNewTimeProposal = allowNewTimeProposal,
            RequiredAttendees = [.. required.Select(a => new Attendee(new EmailAddress(null, a.Contains('@', StringComparison.Ordinal) ? a : Address(a))))],
            OptionalAttendees = optional is null ? null : [.. optional.Select(a => new Attendee(new EmailAddress(null, Address(a))))],
        };
        CalendarRules.PrepareNewCalendarItem(meeting, mailboxes[organizer], "UTC", Now);
        return meeting;
    }

    public Item Create(string organizer, Item meeting, string invitations = "SendToAllAndSaveCopy")
    {
        var decision = Apply(MeetingWorkflow.Create(meeting, mailboxes[organizer], Place.In(mailboxes[organizer], "calendar"), invitations,
            Views(MeetingWorkflow.AttendeeAddresses(meeting, mailboxes[organizer]), meeting.Uid), null, Context));
        return decision.Results[0];
    }

    public Decision Respond(string attendee, string referenceId, MeetingReply reply, string disposition = "SendAndSaveCopy")
    {
        var reference = items[referenceId].Item;
        var organizer = reference.Organizer is { } o && mailboxes.TryGetValue(o.Address.Split('@')[0], out _) ? View(o.Address.Split('@')[0], reference.Uid) : null;
        return Apply(MeetingWorkflow.Respond(reply, items[referenceId] with { Item = reference.Clone() }, View(attendee, reference.Uid), organizer, disposition, null, Context));
    }

    public Decision Update(string organizer, string id, Action<Item> change, string mode = "SendToAllAndSaveCopy")
    {
        var before = items[id] with { Item = items[id].Item.Clone() };
        var after = before.Item.Clone();
        change(after);
        // As MeetingService: those invited to one occurrence alone are told when the update drops its exception.
        var addresses = MeetingWorkflow.AttendeeAddresses(before.Item, mailboxes[organizer]).Concat(MeetingWorkflow.AttendeeAddresses(after, mailboxes[organizer]))
            .Concat(MeetingWorkflow.ExceptionAttendeeAddresses(before.Item, mailboxes[organizer]));
        return Apply(MeetingWorkflow.Update(before, after, mailboxes[organizer], mode, Views(addresses, after.Uid), null, Context));
    }

    public Decision Cancel(string organizer, string id, string mode = "SendToAllAndSaveCopy")
    {
        var meeting = items[id] with { Item = items[id].Item.Clone() };
        return Apply(MeetingWorkflow.Cancel(meeting, mailboxes[organizer], new Body("Text", "Sorry"), mode, Views(MeetingWorkflow.AttendeeAddresses(meeting.Item, mailboxes[organizer]), meeting.Item.Uid),
            Place.In(mailboxes[organizer], "deleteditems"), null, Context));
    }
}
