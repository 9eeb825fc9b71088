using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Services;

/// <summary>What CreateItem says for all its items: how messages go, whether invitations go, where copies are kept.</summary>
public sealed record CreateItemOptions(string? Disposition, string? Invitations, FolderRef? SavedFolder, string? TimeZoneContext);

/// <summary>One entry of a CreateItem, as read: a new item or a response object.</summary>
public abstract record NewEntry
{
    /// <summary>The attachments that came inline with a new item, top-level ones first in their order, each followed by those inside it.</summary>
    public IReadOnlyList<NewAttachment> Attachments { get; init; } = [];
}

/// <summary>A new calendar item (a meeting when it has attendees).</summary>
public sealed record NewCalendarItem(Item Item) : NewEntry;

/// <summary>A new message: saved as a draft or sent.</summary>
public sealed record NewMessage(Item Item) : NewEntry;

/// <summary>An item no workflow acts on yet (a generic Item, Contact, DistributionList, Task, PostItem): saved as given.</summary>
public sealed record NewPlainItem(Item Item) : NewEntry;

/// <summary>
/// A response object in CreateItem (AcceptItem, TentativelyAcceptItem, DeclineItem, CancelCalendarItem, RemoveItem):
/// what it refers to and what the sender added.
/// </summary>
public sealed record ResponseObject(string Name, ItemRef? Reference, string? Subject, Body? Body, DateTime? ProposedStart, DateTime? ProposedEnd)
{
    /// <summary>True when the text came as NewBodyContent: it goes above the quoted original instead of replacing it.</summary>
    public bool BodyIsNewContent { get; init; }

    public IReadOnlyList<EmailAddress> ToRecipients { get; init; } = [];

    public IReadOnlyList<EmailAddress> CcRecipients { get; init; } = [];

    public IReadOnlyList<EmailAddress> BccRecipients { get; init; } = [];
}

/// <summary>AcceptItem, TentativelyAcceptItem or DeclineItem.</summary>
public sealed record NewMeetingResponse(ResponseKind Kind, ResponseObject Response) : NewEntry;

/// <summary>CancelCalendarItem.</summary>
public sealed record NewCancellation(ResponseObject Response) : NewEntry;

/// <summary>RemoveItem.</summary>
public sealed record NewRemoval(ResponseObject Response) : NewEntry;

/// <summary>ReplyToItem, ReplyAllToItem or ForwardItem.</summary>
public sealed record NewReply(ReplyKind Kind, ResponseObject Response) : NewEntry;

public enum ReplyKind
{
    Reply,
    ReplyAll,
    Forward,
}

public enum DeleteMode
{
    HardDelete,
    SoftDelete,
    MoveToDeletedItems,
}

/// <summary>
/// What DeleteItem says for all its ids. AffectedTaskOccurrences SpecifiedOccurrenceOnly deletes a recurring task's
/// current occurrence alone (the series moves on); <see cref="Tasks"/> reads and writes the task's fields.
/// </summary>
public sealed record DeleteItemOptions(DeleteMode Mode, string? Cancellations, string? AffectedTaskOccurrences = null)
{
    public ITaskFields? Tasks { get; init; }
}

/// <summary>What MoveItem and CopyItem say for all their ids.</summary>
public sealed record MoveItemOptions(bool Move, bool ReturnNewIds);

/// <summary>What SendItem says for all its ids.</summary>
public sealed record SendItemOptions(bool SaveCopy, FolderRef? SavedFolder);

/// <summary>
/// A GetItem's running total of the bytes of items it holds until its response is written: past the budget, the
/// rest are not even read.
/// </summary>
public sealed class ItemReadBudget(long budget)
{
    public long Budget { get; } = budget;

    public long Loaded { get; set; }

    public bool Stopped { get; set; }
}

public enum ConflictMode
{
    NeverOverwrite,
    AutoResolve,
    AlwaysOverwrite,
}

/// <summary>What UpdateItem says for all its changes; a message is sent after its update when <paramref name="Disposition"/> says so.</summary>
public sealed record UpdateItemOptions(ConflictMode Conflict, string? MeetingMode, string? Disposition = null, FolderRef? SavedFolder = null)
{
    /// <summary>How a task's fields are read and written (the edge's), for the recurring task rules; none: tasks update plainly.</summary>
    public ITaskFields? Tasks { get; init; }
}

/// <summary>One ItemChange: the item (with the ChangeKey the client last saw) and its updates, in order.</summary>
public sealed record ItemChange(ItemRef Reference, IReadOnlyList<FieldUpdate> Updates);

public enum UpdateAction
{
    Set,
    Append,
    Delete,
}

/// <summary>One Set, Append or Delete of a property; Set and Append carry the new value.</summary>
public sealed record FieldUpdate(UpdateAction Action, PropertyPath Path, IPropertyValue? Value)
{
    /// <summary>For a Delete: how the property table removes the path from an item.</summary>
    public IPropertyRemoval? Removal { get; init; }
}

/// <summary>
/// A new property value as the client sent it. Whether it fits depends on the item it lands on (its type, the zone
/// a calendar item's times are read in), so it is applied to the item rather than read on its own.
/// </summary>
public interface IPropertyValue
{
    void SetOn(Item item);

    void AppendTo(Item item);
}

/// <summary>
/// How a DeleteItemField removes its property. Which paths can be deleted from an item depends on its type and on the
/// property table, which the edge holds; the service decides whether the update applies at all.
/// </summary>
public interface IPropertyRemoval
{
    void DeleteFrom(Item item);
}

/// <summary>A CalendarView: the window (UTC) and at most how many occurrences.</summary>
public sealed record CalendarWindow(DateTime Start, DateTime End, int? Max);

/// <summary>What a FindItem asks of each of its parent folders.</summary>
public sealed record FindItemRequest(string Traversal, Restriction? Restriction, SortOrder? Sort, Paging Paging, CalendarWindow? Window)
{
    /// <summary>What a CalendarView's writer and service read of its single items (null: the whole items).</summary>
    public ItemProjection? Reads { get; init; }
}
