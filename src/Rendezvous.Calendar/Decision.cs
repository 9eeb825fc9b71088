using Rendezvous.Protocol;

namespace Rendezvous.Calendar;

/// <summary>Where a new item goes: a distinguished folder of a mailbox, or a folder by id.</summary>
public readonly record struct Place(string MailboxId, string? Folder, string? FolderId = null)
{
    public static Place In(Mailbox mailbox, string distinguishedFolder) => new(mailbox.Id, distinguishedFolder);

    public static Place ById(string mailboxId, string folderId) => new(mailboxId, null, folderId);
}

/// <summary>What the workflow needs from the world besides the state: the time and a source of new item ids.</summary>
public sealed record WorkflowContext(DateTime Now, Func<string> NewItemId);

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

    /// <summary>Addresses not on this server: kept on the items, not delivered (external delivery comes later).</summary>
    public List<string> Undelivered { get; } = [];

    /// <summary>The items the operation reports back to the caller, in order.</summary>
    public List<Item> Results { get; } = [];

    public Item Create(Item item, Place place, WorkflowContext context)
    {
        item.Id = context.NewItemId();
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
        return Create(after, to, context);
    }
}

/// <summary>One mailbox's side of a meeting: its owner and every item it holds for the meeting's UID.</summary>
public sealed record MeetingView(Mailbox Owner, IReadOnlyList<PlacedItem> Items)
{
    public const string Calendar = "calendar";
    public const string Inbox = "inbox";
    public const string SentItems = "sentitems";
    public const string Drafts = "drafts";
    public const string DeletedItems = "deleteditems";

    public static MeetingView Empty(Mailbox owner) => new(owner, []);

    /// <summary>Items the owner can still see (not in the Recoverable Items dumpster).</summary>
    public IEnumerable<PlacedItem> Visible => Items.Where(p => p.Folder is not ("recoverableitemsdeletions" or "recoverableitemsroot"));

    /// <summary>The owner's calendar item for the meeting: the one in a calendar rather than in Deleted Items.</summary>
    public PlacedItem? CalendarItem => Visible
        .Where(p => p.Item.Kind == ItemKind.CalendarItem)
        .OrderBy(p => p.Folder == Calendar ? 0 : p.Folder == DeletedItems ? 2 : 1)
        .FirstOrDefault();

    /// <summary>Meeting requests the owner received, wherever they are (but not the copies they sent).</summary>
    public IEnumerable<PlacedItem> ReceivedRequests => Visible.Where(p => p.Item.Kind == ItemKind.MeetingRequest && p.Folder != SentItems);
}
