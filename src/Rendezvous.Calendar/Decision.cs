using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Calendar;

/// <summary>Where a new item goes: a distinguished folder of a mailbox, or a folder by id.</summary>
public readonly record struct Place(string MailboxId, string? Folder, string? FolderId = null)
{
    public static Place In(Mailbox mailbox, string distinguishedFolder) => new(mailbox.Id, distinguishedFolder);

    public static Place ById(string mailboxId, string folderId) => new(mailboxId, null, folderId);
}

/// <summary>What the workflow needs from the world besides the state: the time and a source of new item ids (per mailbox).</summary>
public sealed record WorkflowContext(DateTime Now, Func<string, string> NewItemId)
{
    /// <summary>
    /// Who sends the step's meeting messages when not the mailbox's owner: a delegate sending on the owner's behalf
    /// (<c>SendingRights</c> decides), written as their Sender, the owner staying their From. Null: the owner.
    /// </summary>
    public EmailAddress? OnBehalfSender { get; init; }
}

/// <summary>
/// Everything one workflow step decided: items to create where, items to update (each with the change number it was
/// decided from), items to delete, and the recipients it could not deliver to. The server applies a decision in one
/// transaction, so a step is never half-done; if any updated or deleted item moved on meanwhile, nothing is written
/// and the step is decided again from fresh state.
/// </summary>
public sealed class Decision
{
    public List<(Item Item, Place Place)> Creates { get; } = [];

    public List<(Item Item, long ExpectedChangeNumber)> Updates { get; } = [];

    public List<string> Deletes { get; } = [];

    /// <summary>Where a moved item came from: its new id to the id it had (the store logs the move as one).</summary>
    public Dictionary<string, string> Sources { get; } = new(StringComparer.Ordinal);

    /// <summary>Addresses not on this server: kept on the items, not delivered (external delivery comes later).</summary>
    public List<string> Undelivered { get; } = [];

    /// <summary>The items the operation reports back to the caller, in order.</summary>
    public List<Item> Results { get; } = [];

    /// <summary>
    /// Attachment rows to write with the decision: a created item made from another (an invitation from the organizer's
    /// item) holds its attachment headers, and names here whose bytes the store copies to it. A created item holding
    /// headers that nothing here gives bytes to (a response cloned from a meeting) is written without them.
    /// </summary>
    public List<AttachmentWrite> Attachments { get; } = [];

    /// <summary>Has the store copy <paramref name="from"/>'s attachments to <paramref name="to"/> (when <paramref name="to"/> holds any).</summary>
    public void CopyAttachments(Item from, Item to)
    {
        if (to.Attachments is not null && from.Attachments is not null)
        {
            Attachments.Add(new AttachmentCopy(from.Id, to));
        }
    }

    public Item Create(Item item, Place place, WorkflowContext context)
    {
        if (context.OnBehalfSender is { } sender && item.Kind is ItemKind.MeetingRequest or ItemKind.MeetingResponse or ItemKind.MeetingCancellation)
        {
            // Every meeting message the step sends, in one place: a delegate's goes out naming them as its Sender.
            item.Sender = sender;
        }

        return CreateAt(item, place, context);
    }

    private Item CreateAt(Item item, Place place, WorkflowContext context)
    {
        item.Id = context.NewItemId(place.MailboxId);
        Creates.Add((item, place));
        return item;
    }

    /// <summary>Replaces <paramref name="before"/> with <paramref name="after"/> (a changed copy of it).</summary>
    public Item Update(PlacedItem before, Item after)
    {
        Updates.Add((after, before.Item.ChangeNumber));
        return after;
    }

    /// <summary>Moves <paramref name="after"/> (a possibly changed copy of <paramref name="before"/>): a move is a copy and a delete, with a new id.</summary>
    public Item Move(PlacedItem before, Item after, Place to, WorkflowContext context)
    {
        Deletes.Add(before.Item.Id);
        // A moved message keeps its Sender: it was sent before this step.
        CreateAt(after, to, context);
        Sources[after.Id] = before.Item.Id;
        return after;
    }
}

/// <summary>
/// A meeting's identity: its UID and its organizer. As in iTIP (RFC 5546), only the organizer changes a meeting, so
/// someone else's meeting that reuses the UID is another meeting, never a change to this one.
/// </summary>
public sealed record MeetingKey(string Uid, string Organizer)
{
    /// <summary>The meeting <paramref name="item"/> belongs to, or null when it names no UID or no organizer.</summary>
    public static MeetingKey? Of(Item item) =>
        item.Uid is { Length: > 0 } uid && item.Organizer is { Address.Length: > 0 } organizer ? new MeetingKey(uid, organizer.Address) : null;

    /// <summary>Whether <paramref name="item"/> belongs to this meeting: the same UID and the same organizer.</summary>
    public bool Matches(Item item) =>
        string.Equals(item.Uid, Uid, StringComparison.Ordinal) && item.Organizer is { } organizer && organizer.Is(Organizer);

    /// <summary>The name the meeting's turns are taken under (addresses compare without case).</summary>
    public string Name => Uid + "\n" + Organizer.ToUpperInvariant();
}

/// <summary>
/// One mailbox's side of a meeting: its owner and the items it holds for the meeting. <see cref="Items"/> may hold
/// more (every item with the UID); once <see cref="Meeting"/> is set, <see cref="Visible"/> and what derives from it
/// see that meeting's items only.
/// </summary>
public sealed record MeetingView(Mailbox Owner, IReadOnlyList<PlacedItem> Items)
{
    public const string Calendar = "calendar";
    public const string Inbox = "inbox";
    public const string SentItems = "sentitems";
    public const string Drafts = "drafts";
    public const string DeletedItems = "deleteditems";

    public static MeetingView Empty(Mailbox owner) => new(owner, []);

    /// <summary>The meeting this view is of; null: every item it holds.</summary>
    public MeetingKey? Meeting { get; init; }

    /// <summary>This mailbox's side of the meeting <paramref name="item"/> belongs to, and of nothing else.</summary>
    public MeetingView Of(Item item) => Of(MeetingKey.Of(item));

    /// <summary>
    /// The owner's delegation, when the owner has delegates receiving copies of meeting messages: those for the owner are
    /// delivered as it says (<see cref="DelegateDelivery"/>). Null: to the owner alone.
    /// </summary>
    public MeetingDelegates? Delegates { get; init; }

    /// <summary>This mailbox's side of the meeting <paramref name="key"/> (no key: no meeting, so no items).</summary>
    public MeetingView Of(MeetingKey? key) => key is null ? Empty(Owner) with { Delegates = Delegates } : this with { Meeting = key };

    /// <summary>The meeting's items the owner can still see (not in the Recoverable Items dumpster).</summary>
    public IEnumerable<PlacedItem> Visible => Items.Where(p => p.Folder is not ("recoverableitemsdeletions" or "recoverableitemsroot") && (Meeting is null || Meeting.Matches(p.Item)));

    /// <summary>The owner's calendar item for the meeting: the one in a calendar rather than in Deleted Items.</summary>
    public PlacedItem? CalendarItem => Visible
        .Where(p => p.Item.Kind == ItemKind.CalendarItem)
        .OrderBy(p => p.Folder == Calendar ? 0 : p.Folder == DeletedItems ? 2 : 1)
        .FirstOrDefault();

    /// <summary>Meeting requests the owner received, wherever they are (but not the copies they sent).</summary>
    public IEnumerable<PlacedItem> ReceivedRequests => Visible.Where(p => p.Item.Kind == ItemKind.MeetingRequest && p.Folder != SentItems);

    /// <summary>
    /// The meeting's items in the Inboxes (and wherever they moved them) of the owner's delegates who receive copies:
    /// what <see cref="DelegateRequests"/> reads, so that their copies go out of date with the owner's own (issue 18 §2).
    /// </summary>
    public IReadOnlyList<PlacedItem> DelegateItems { get; init; } = [];

    /// <summary>The delegates' copies of the meeting requests delivered for the owner (IsDelegated, representing the owner).</summary>
    public IEnumerable<PlacedItem> DelegateRequests => DelegateItems.Where(p => p.Item.Kind == ItemKind.MeetingRequest && p.Item.IsDelegated == true
        && p.Item.ReceivedRepresenting is { } principal && principal.Is(Owner.Address)
        && p.Folder is not ("recoverableitemsdeletions" or "recoverableitemsroot" or SentItems) && (Meeting is null || Meeting.Matches(p.Item)));
}
