using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Store;

/// <summary>A distribution list of the server: its address, name and members' addresses, in the order they were added.</summary>
public sealed record DistributionListRecord(string Address, string DisplayName, IReadOnlyList<string> Members);

/// <summary>A user and their mailbox.</summary>
/// <summary>A room mailbox: the user it is, and how many people it seats (null: not said).</summary>
public sealed record RoomRecord(UserRecord User, int? Capacity);

/// <summary>A room list: a distribution group of rooms, as Exchange's room lists.</summary>
public sealed record RoomListRecord(string Address, string DisplayName);

public sealed record UserRecord(string MailboxId, string Address, string DisplayName, string PasswordHash)
{
    public Mailbox Mailbox => new(MailboxId, Address, DisplayName);

    /// <summary>The mailbox's culture (RFC 3066), in which its default folders are named.</summary>
    public string Culture { get; init; } = DefaultFolders.DefaultCulture;
}

/// <summary>
/// A mailbox as free/busy looks it up for a caller: its user (<see cref="IMailStore.FindUserAsync"/>), its Calendar folder
/// (null: it has none), what <see cref="IMailStore.GetRightsAsync"/> answers for the caller on that folder, the caller's
/// entry among the mailbox's delegates (<see cref="Delegation.Of"/>) and its working hours (<see cref="IMailStore.GetWorkingHoursAsync"/>).
/// </summary>
public sealed record FreeBusyMailbox(UserRecord User, Folder? Calendar, FolderRights? CallerRights, DelegateEntry? CallerAsDelegate, WorkingHours? WorkingHours);

/// <summary>
/// Everything one request decided to write, applied in one transaction: either all of it is durable or none.
/// An update carries the change number it was based on; if the stored item moved on meanwhile the whole set
/// is refused with <see cref="ConcurrencyException"/> and the caller decides again from fresh state.
/// The store numbers what it writes: once applied, each item and folder holds its new change number.
/// </summary>
public sealed class ChangeSet
{
    /// <summary>
    /// A <see cref="Item.FieldChanges"/> value meaning "this change": the store replaces it with the change number it
    /// gives the item, which only exists once the write's transaction has it.
    /// </summary>
    public const long ThisChange = 0;

    public List<Item> Inserts { get; } = [];

    /// <summary>
    /// Where an inserted item came from (its id to its source's id): a copy, or, when the source is in
    /// <see cref="Deletes"/>, a move. The change log records it as such rather than as a creation (and a deletion).
    /// </summary>
    public Dictionary<string, string> Sources { get; } = new(StringComparer.Ordinal);

    /// <summary>Inserts <paramref name="to"/>, a copy of the item <paramref name="fromId"/>, and deletes that item.</summary>
    public void Move(string fromId, Item to)
    {
        Deletes.Add(fromId);
        Copy(fromId, to);
    }

    /// <summary>Inserts <paramref name="to"/>, a copy of the item <paramref name="fromId"/>.</summary>
    public void Copy(string fromId, Item to)
    {
        Inserts.Add(to);
        Sources[to.Id] = fromId;
    }

    public List<(Item Item, long ExpectedChangeNumber)> Updates { get; } = [];

    public List<string> Deletes { get; } = [];

    public List<Folder> FolderInserts { get; } = [];

    public List<string> FolderDeletes { get; } = [];

    public List<Folder> FolderUpdates { get; } = [];

    /// <summary>
    /// Attachment rows written, in order, before anything else of the set (so before <see cref="Deletes"/>: the bytes of a
    /// sent draft are copied to the delivered copies before the draft goes). An item inserted as a copy or move of
    /// another (<see cref="Sources"/>) takes that item's attachment rows without being named here.
    /// </summary>
    public List<AttachmentWrite> Attachments { get; } = [];

    /// <summary>
    /// Folders whose permission set is replaced, each by the whole set given (issue 18), written after the folder
    /// inserts (so a new folder's set may be among them). Changing a set changes nothing else: the folder's change
    /// number moves on only when it is also in <see cref="FolderUpdates"/>.
    /// </summary>
    public List<(string FolderId, IReadOnlyList<PermissionEntry> Entries)> Permissions { get; } = [];

    /// <summary>
    /// Delegate rows added, updated or removed (issue 18 §2), written after <see cref="Permissions"/> in the same
    /// transaction, so that a delegate never exists without its folder levels. A row that is not as the write expects
    /// (an add of one already there, an update or remove of one not there) fails the whole set (<see cref="DelegateStateException"/>).
    /// </summary>
    public List<DelegateWrite> Delegates { get; } = [];

    /// <summary>Grants added or removed, written after <see cref="Delegates"/> in the same transaction (a delegate's send-on-behalf right).</summary>
    public List<GrantWrite> Grants { get; } = [];

    /// <summary>
    /// The permission set each folder must still have (null: it was never set) for the change set to be written, checked
    /// in its transaction before <see cref="Permissions"/>: a set read, changed and written back (AppendToFolderField)
    /// then never loses what another request wrote meanwhile. One that differs fails the set with <see cref="ConcurrencyException"/>.
    /// </summary>
    public List<(string FolderId, IReadOnlyList<PermissionEntry>? Expected)> PermissionChecks { get; } = [];

    /// <summary>
    /// Principals' DeliverMeetingRequests settings, written with <see cref="Delegates"/> in the same transaction, so that
    /// an AddDelegate or UpdateDelegate that fails changes neither.
    /// </summary>
    public List<(string PrincipalMailboxId, string DeliverMeetingRequests)> DeliverySettings { get; } = [];

    public bool IsEmpty => Inserts.Count + Updates.Count + Deletes.Count + FolderInserts.Count + FolderDeletes.Count + FolderUpdates.Count + Attachments.Count + Permissions.Count
        + Delegates.Count + Grants.Count + DeliverySettings.Count + PermissionChecks.Count == 0;
}

public enum DelegateWriteKind
{
    Add,
    Update,
    Remove,
}

/// <summary>One delegate row of a <see cref="ChangeSet"/>: <see cref="Entry"/> added, its settings updated, or the delegate it names removed.</summary>
public sealed record DelegateWrite(string PrincipalMailboxId, DelegateEntry Entry, DelegateWriteKind Kind);

/// <summary>One grant of a <see cref="ChangeSet"/>, added (once) or removed.</summary>
public sealed record GrantWrite(string GranteeMailboxId, GrantKind Kind, string PrincipalMailboxId, bool Add);

/// <summary>A change set's delegate row was not as it expected (<see cref="Exists"/>: it was there); nothing of the set was written.</summary>
public sealed class DelegateStateException(string principalMailboxId, string delegateMailboxId, bool exists)
    : Exception(exists ? $"{delegateMailboxId} is a delegate of {principalMailboxId} already." : $"{delegateMailboxId} is not a delegate of {principalMailboxId}.")
{
    public bool Exists { get; } = exists;
}

public sealed class ConcurrencyException(string itemId, bool gone = false)
    : Exception(gone ? $"Item {itemId} was deleted while the request was being decided." : $"Item {itemId} changed while the request was being decided.")
{
    public string ItemId { get; } = itemId;

    /// <summary>The item no longer exists (deleted or moved by another request), rather than changed.</summary>
    public bool Gone { get; } = gone;
}

public sealed class DuplicateException(string message) : Exception(message);

/// <summary>A write refused because the store has no room left (the disk, or the configured size limit, is full). Nothing of it was written.</summary>
public sealed class StoreFullException(Exception inner) : Exception("The mailbox store is full: the write was not made.", inner);

/// <summary>What happened to an item or folder since a synchronization watermark.</summary>
public enum SyncChangeKind
{
    /// <summary>It entered the folder (or scope) after the watermark: the client has never seen it.</summary>
    Create,

    /// <summary>Its content changed after the watermark.</summary>
    Update,

    /// <summary>Only its read flag changed after the watermark.</summary>
    ReadFlagChange,

    /// <summary>It left the folder (deleted or moved out) after the watermark, having been there at the watermark.</summary>
    Delete,
}

/// <summary>What a change did, as the change log records it.</summary>
public enum ChangeKind
{
    /// <summary>A new item or folder.</summary>
    Created = 1,

    /// <summary>Its content (or, for a folder, its properties) changed.</summary>
    Modified = 2,

    /// <summary>Only an item's read flag (and its stamps) changed.</summary>
    ReadFlagChanged = 3,

    /// <summary>It moved: <see cref="ChangeLogEntry.SourceId"/> in <see cref="ChangeLogEntry.SourceFolderId"/> is now <see cref="ChangeLogEntry.Id"/>.</summary>
    Moved = 4,

    /// <summary>A copy of <see cref="ChangeLogEntry.SourceId"/> (which stays) was made as <see cref="ChangeLogEntry.Id"/>.</summary>
    Copied = 5,

    /// <summary>It is gone from <see cref="ChangeLogEntry.SourceFolderId"/>.</summary>
    Deleted = 6,
}

/// <summary>
/// One entry of a mailbox's change log, in the order changes committed (<see cref="Seq"/>, shared by every entry of one
/// folder deletion). <see cref="FolderId"/> is where the item (a folder: its parent) is after the change, null once
/// deleted; <see cref="SourceFolderId"/> is where it was before a move or deletion (a copy: where its source is).
/// The log names folders by id and outlives them.
/// </summary>
public sealed record ChangeLogEntry(long Seq, ChangeKind Kind, bool IsFolder, string Id, string? FolderId, string? SourceId, string? SourceFolderId);

/// <summary>Entries of a change log after a position, and the position that covers them (the mailbox's last number when all were read).</summary>
public sealed record ChangeLogPage(IReadOnlyList<ChangeLogEntry> Entries, long Position, bool IncludesLast);

/// <summary>
/// The mailboxes that have change log entries after a cursor, and the cursor that covers them. The cursor is a position
/// in the log of every mailbox at once, in commit order: what a notifier polls to learn which mailboxes to read.
/// </summary>
public sealed record ChangedMailboxes(IReadOnlyList<string> MailboxIds, long Cursor);

/// <summary>One item change: <see cref="Item"/> is its current state, null for a <see cref="SyncChangeKind.Delete"/>.</summary>
public sealed record ItemSyncChange(SyncChangeKind Kind, string ItemId, Item? Item);

/// <summary>
/// A page of item changes in commit order. <see cref="Watermark"/> and <see cref="Entered"/> are where the next page
/// starts (see <see cref="SyncState"/>); when <see cref="IncludesLast"/> both are the store's position when the page
/// was read, covering everything up to then.
/// </summary>
public sealed record ItemSyncPage(IReadOnlyList<ItemSyncChange> Changes, long Watermark, bool IncludesLast, long Entered);

/// <summary>One folder change: <see cref="Folder"/> is its current state (with counts), null for a <see cref="SyncChangeKind.Delete"/>.</summary>
public sealed record FolderSyncChange(SyncChangeKind Kind, string FolderId, Folder? Folder);

/// <summary>All folder changes of a scope since a watermark, and the watermark that covers them.</summary>
/// <summary>A recurring master as the series index holds it: id, change number and series bounds (UTC ticks, no end for an open-ended series).</summary>
public sealed record SeriesVersion(string Id, long ChangeNumber, long StartTicks, long? EndTicks);

public sealed record FolderSyncPage(IReadOnlyList<FolderSyncChange> Changes, long Watermark);

/// <summary>An attachment as stored: its root item and mailbox, its header, its content's length and, for an item attachment, the attached item.</summary>
public sealed record StoredAttachment(string ItemId, string MailboxId, Attachment Header, long Length, Item? AttachedItem);

/// <summary>
/// The storage boundary, implemented by SqliteMailStore and (Rendezvous.Store.Postgres) PostgresMailStore; StoreContractTests holds both to it.
/// Reads return copies the caller may change; only <see cref="ApplyAsync"/> writes items.
/// </summary>
public partial interface IMailStore : IAsyncDisposable
{
    /// <summary>The server's distribution lists with their members (migration 12), by address.</summary>
    Task<IReadOnlyList<DistributionListRecord>> ListDistributionListsAsync(CancellationToken cancellationToken);

    /// <summary>The distribution list of that address, if there is one.</summary>
    Task<DistributionListRecord?> FindDistributionListAsync(string address, CancellationToken cancellationToken);

    /// <summary>Adds a member (an address) to a list, creating the list (named <paramref name="displayName"/>, else by its address); false if it was one.</summary>
    Task<bool> AddDistributionListMemberAsync(string listAddress, string? displayName, string member, CancellationToken cancellationToken);

    /// <summary>Removes a member from a list (the list goes with its last member); false if it was none.</summary>
    Task<bool> RemoveDistributionListMemberAsync(string listAddress, string member, CancellationToken cancellationToken);

    Task<UserRecord?> FindUserAsync(string address, CancellationToken cancellationToken);

    Task<UserRecord?> FindUserByMailboxAsync(string mailboxId, CancellationToken cancellationToken);

    Task<IReadOnlyList<UserRecord>> ListUsersAsync(CancellationToken cancellationToken);

    /// <summary>Creates the user, their mailbox and its distinguished folders. Throws <see cref="DuplicateException"/> if the address exists.</summary>
    Task<UserRecord> AddUserAsync(string address, string displayName, string passwordHash, CancellationToken cancellationToken);

    /// <summary><see cref="AddUserAsync(string, string, string, CancellationToken)"/> with the mailbox's culture, in which its folders are named.</summary>
    Task<UserRecord> AddUserAsync(string address, string displayName, string passwordHash, string culture, CancellationToken cancellationToken);

    /// <summary>Sets the mailbox's culture and names its default folders in it; false when there is no such user.</summary>
    Task<bool> SetCultureAsync(string address, string culture, CancellationToken cancellationToken);

    Task<bool> SetPasswordHashAsync(string address, string passwordHash, CancellationToken cancellationToken);

    /// <summary>Removes the user with their whole mailbox.</summary>
    Task<bool> RemoveUserAsync(string address, CancellationToken cancellationToken);

    /// <summary>
    /// Grants <paramref name="granteeMailboxId"/> a right over <paramref name="principalMailboxId"/> (null: every mailbox,
    /// impersonation only); false when it held it already.
    /// </summary>
    Task<bool> AddGrantAsync(string granteeMailboxId, GrantKind kind, string? principalMailboxId, CancellationToken cancellationToken);

    /// <summary>Takes back that right (<paramref name="principalMailboxId"/> null: every one of that kind, the all-mailboxes one included); how many were held.</summary>
    Task<int> RemoveGrantsAsync(string granteeMailboxId, GrantKind kind, string? principalMailboxId, CancellationToken cancellationToken);

    /// <summary>The rights an account holds.</summary>
    Task<IReadOnlyList<GrantRecord>> ListGrantsAsync(string granteeMailboxId, CancellationToken cancellationToken);

    /// <summary>The rights others hold over one mailbox by name (not the all-mailboxes grants).</summary>
    Task<IReadOnlyList<GrantRecord>> ListGrantsOverAsync(string principalMailboxId, CancellationToken cancellationToken);

    /// <summary>Whether the account holds <paramref name="kind"/> over that mailbox, by name or over every mailbox.</summary>
    Task<bool> HasGrantAsync(string granteeMailboxId, GrantKind kind, string principalMailboxId, CancellationToken cancellationToken);

    /// <summary>The room mailbox <paramref name="mailboxId"/> is, or null when it is a person's.</summary>
    Task<RoomRecord?> GetRoomAsync(string mailboxId, CancellationToken cancellationToken);

    /// <summary>Makes the mailbox a room (or updates its capacity).</summary>
    Task SetRoomAsync(string mailboxId, int? capacity, CancellationToken cancellationToken);

    /// <summary>Every room, by address.</summary>
    Task<IReadOnlyList<RoomRecord>> ListRoomsAsync(CancellationToken cancellationToken);

    /// <summary>Every room list, by address.</summary>
    Task<IReadOnlyList<RoomListRecord>> ListRoomListsAsync(CancellationToken cancellationToken);

    /// <summary>Creates a room list. Throws <see cref="DuplicateException"/> if the address is a list or a user already.</summary>
    Task AddRoomListAsync(string address, string displayName, CancellationToken cancellationToken);

    Task<bool> RemoveRoomListAsync(string address, CancellationToken cancellationToken);

    /// <summary>Puts the room in the list (<paramref name="member"/>) or takes it out; false when the list or the room does not exist.</summary>
    Task<bool> SetRoomListMemberAsync(string listAddress, string roomMailboxId, bool member, CancellationToken cancellationToken);

    /// <summary>The rooms of the list at <paramref name="listAddress"/>, by address; null when there is no such list.</summary>
    Task<IReadOnlyList<RoomRecord>?> GetRoomListRoomsAsync(string listAddress, CancellationToken cancellationToken);

    /// <summary>The principal's delegates, in the order added, and its DeliverMeetingRequests (issue 18 §2).</summary>
    Task<Delegation> GetDelegationAsync(string principalMailboxId, CancellationToken cancellationToken);

    /// <summary>The mailboxes <paramref name="delegateMailboxId"/> is a delegate of.</summary>
    Task<IReadOnlyList<string>> GetPrincipalsOfAsync(string delegateMailboxId, CancellationToken cancellationToken);

    /// <summary>
    /// Adds the delegate (<paramref name="add"/>; false when it is one already) or changes its settings (false when it
    /// is none).
    /// </summary>
    Task<bool> SaveDelegateAsync(string principalMailboxId, DelegateEntry entry, bool add, CancellationToken cancellationToken);

    /// <summary>Removes the delegate; false when it was none.</summary>
    Task<bool> RemoveDelegateAsync(string principalMailboxId, string delegateMailboxId, CancellationToken cancellationToken);

    /// <summary>Sets how the principal's meeting requests are delivered (a DeliverMeetingRequestsType value).</summary>
    Task SetDeliverMeetingRequestsAsync(string principalMailboxId, string deliverMeetingRequests, CancellationToken cancellationToken);

    /// <summary>The working hours the mailbox's owner set, or null when they kept the default.</summary>
    Task<WorkingHours?> GetWorkingHoursAsync(string mailboxId, CancellationToken cancellationToken);

    /// <summary>Sets (null: resets to the default) the mailbox's working hours.</summary>
    Task SetWorkingHoursAsync(string mailboxId, WorkingHours? workingHours, CancellationToken cancellationToken);

    /// <summary>
    /// A folder's permission set as stored (Default first, then Anonymous, then users by address), or null when it was
    /// never set: the folder has the defaults (<see cref="FolderPermissions.Defaults"/>). Written through <see cref="ChangeSet.Permissions"/>.
    /// </summary>
    Task<IReadOnlyList<PermissionEntry>?> GetPermissionsAsync(string folderId, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="GetPermissionsAsync(string, CancellationToken)"/> of many folders in one read (a FindFolder's page): the
    /// stored set of each folder that has one; a folder absent from the answer has the defaults.
    /// </summary>
    Task<IReadOnlyDictionary<string, IReadOnlyList<PermissionEntry>>> GetPermissionsAsync(IReadOnlyCollection<string> folderIds, CancellationToken cancellationToken);

    /// <summary>
    /// What the access check needs, in one read: the rights of <paramref name="mailboxId"/>'s own entry on the folder,
    /// else its Default entry's; null when the folder's set was never set (its defaults apply).
    /// </summary>
    Task<FolderRights?> GetRightsAsync(string folderId, string mailboxId, CancellationToken cancellationToken);

    /// <summary>A folder with its counts, or null.</summary>
    Task<Folder?> GetFolderAsync(string folderId, CancellationToken cancellationToken);

    Task<Folder?> GetDistinguishedFolderAsync(string mailboxId, string name, CancellationToken cancellationToken);

    /// <summary>
    /// The ids of several mailboxes' distinguished folders at once (where a meeting's step delivers): one query where a
    /// query is a round trip (PostgreSQL). A folder that does not exist is absent from the answer.
    /// </summary>
    Task<IReadOnlyDictionary<(string MailboxId, string Name), string>> GetDistinguishedFolderIdsAsync(IReadOnlyCollection<(string MailboxId, string Name)> folders, CancellationToken cancellationToken);

    Task<IReadOnlyList<Folder>> GetChildFoldersAsync(string folderId, bool deep, CancellationToken cancellationToken);

    Task<Item?> GetItemAsync(string itemId, CancellationToken cancellationToken);

    Task<IReadOnlyList<Item>> GetItemsAsync(string folderId, CancellationToken cancellationToken);

    /// <summary>An attachment of the item <paramref name="itemId"/> without its bytes (an item attachment: with its item), or null.</summary>
    Task<StoredAttachment?> GetAttachmentAsync(string itemId, string attachmentId, CancellationToken cancellationToken);

    /// <summary>
    /// The bytes of a file attachment as a stream read from the store as it is read (never whole in memory), or null
    /// when there is no such attachment. The stream holds a connection of the store until it is disposed.
    /// </summary>
    Task<Stream?> OpenAttachmentAsync(string itemId, string attachmentId, CancellationToken cancellationToken);

    /// <summary>
    /// The attachments of the items <paramref name="itemIds"/>, opened to be written out while a response is written:
    /// one connection and one read snapshot for them all (what is listed stays readable until disposed), the attached
    /// items loaded, the bytes read in place when a file is opened.
    /// </summary>
    Task<IAttachmentSource> OpenAttachmentSourceAsync(IReadOnlyCollection<string> itemIds, CancellationToken cancellationToken);

    /// <summary>The folder's associated (FAI) items, such as user configuration objects: never among its items.</summary>
    Task<IReadOnlyList<Item>> GetAssociatedItemsAsync(string folderId, CancellationToken cancellationToken);

    /// <summary>The folder's associated item of <paramref name="itemClass"/> (there is one at most), or null.</summary>
    Task<Item?> GetAssociatedItemAsync(string folderId, string itemClass, CancellationToken cancellationToken);

    /// <summary>
    /// Writes an associated item and gives it its change number: a new one (<paramref name="expectedChangeNumber"/> null;
    /// <see cref="DuplicateException"/> when the folder holds one of its class) or one at that change number
    /// (<see cref="ConcurrencyException"/> when it moved on).
    /// </summary>
    Task SaveAssociatedItemAsync(Item item, long? expectedChangeNumber, CancellationToken cancellationToken);

    /// <summary>Deletes an associated item; false when there was none.</summary>
    Task<bool> DeleteAssociatedItemAsync(string itemId, CancellationToken cancellationToken);

    /// <summary>Items of the folder whose [Start, End) overlaps [start, end), recurring masters excepted (<see cref="GetSeriesVersionsAsync"/>).</summary>
    Task<IReadOnlyList<Item>> GetItemsInWindowAsync(string folderId, DateTime start, DateTime end, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="GetItemsInWindowAsync(string, DateTime, DateTime, CancellationToken)"/> with the items of
    /// <paramref name="only"/>'s kind holding only its properties (null: whole): a calendar view's read, decoding
    /// what its shape writes. They are partial views, never to be written back.
    /// </summary>
    Task<IReadOnlyList<Item>> GetItemsInWindowAsync(string folderId, DateTime start, DateTime end, ItemProjection? only, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="GetItemsInWindowAsync(string, DateTime, DateTime, CancellationToken)"/> for free/busy: each item holds only Id, Kind, Start, End, IsCancelled,
    /// IsMeeting, LegacyFreeBusyStatus, Subject, Location, Sensitivity and ReminderIsSet (reading whole items was most of
    /// a GetUserAvailability, issue 6). They are partial views, never to be written back.
    /// </summary>
    Task<IReadOnlyList<Item>> GetFreeBusyInWindowAsync(string folderId, DateTime start, DateTime end, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="GetFreeBusyInWindowAsync"/> of several folders, in the order given (a GetUserAvailability of many
    /// mailboxes): one round trip where a query is one (PostgreSQL).
    /// </summary>
    Task<IReadOnlyList<IReadOnlyList<Item>>> GetFreeBusyInWindowsAsync(IReadOnlyList<string> folderIds, DateTime start, DateTime end, CancellationToken cancellationToken);

    /// <summary>
    /// What free/busy reads of each address before its calendar's items, in the order given (null where no user has
    /// that address): see <see cref="FreeBusyMailbox"/>. One round trip for them all where a query is one (PostgreSQL),
    /// not five a mailbox.
    /// </summary>
    Task<IReadOnlyList<FreeBusyMailbox?>> GetFreeBusyMailboxesAsync(IReadOnlyList<string> addresses, string callerMailboxId, CancellationToken cancellationToken);

    /// <summary>
    /// The recurring masters of a folder whose series (the bounds the services stamped on them) overlaps
    /// [<paramref name="start"/>, <paramref name="end"/>), whole; the caller expands them. Reads masters only.
    /// </summary>
    Task<IReadOnlyList<Item>> GetSeriesInWindowAsync(string folderId, DateTime start, DateTime end, CancellationToken cancellationToken);

    /// <summary>
    /// The ids and change numbers of the masters <see cref="GetSeriesInWindowAsync"/> would read, without reading them:
    /// what a caller that keeps masters it read before needs to know which of them changed.
    /// </summary>
    Task<IReadOnlyList<(string Id, long ChangeNumber)>> GetSeriesVersionsInWindowAsync(string folderId, DateTime start, DateTime end, CancellationToken cancellationToken);

    /// <summary>
    /// Every recurring master of a folder: id, change number and series bounds (UTC ticks; no end for an open-ended
    /// series), from the index alone. What a caller keeps to answer any window of the folder in memory until the
    /// folder's contents change (<see cref="Folder.ContentModified"/>).
    /// </summary>
    Task<IReadOnlyList<SeriesVersion>> GetSeriesVersionsAsync(string folderId, CancellationToken cancellationToken);

    /// <summary>Every item of the mailbox that belongs to the meeting <paramref name="uid"/>, with the folder it is in.</summary>
    Task<IReadOnlyList<PlacedItem>> GetMeetingItemsAsync(string mailboxId, string uid, CancellationToken cancellationToken);

    /// <summary>
    /// The lockouts the store holds for a sign-in's account key and client key (<paramref name="clientKey"/> null: none),
    /// as Unix milliseconds (0: none): failed sign-ins are counted in the store, so every node of a server throttles
    /// the same guesses (issue 19 §5). The keys are the host's keyed hashes; the store knows nothing of their meaning.
    /// </summary>
    Task<(long AccountLockedUntil, long ClientLockedUntil)> GetSignInLockoutsAsync(byte[] accountKey, byte[]? clientKey, CancellationToken cancellationToken);

    /// <summary>
    /// Counts one failed sign-in against <paramref name="key"/> at <paramref name="now"/> (Unix ms), in one write: a count
    /// whose last failure is older than <paramref name="forgetAfter"/> ms and whose lockout has ended starts again at 1;
    /// the lockout becomes at least <paramref name="now"/> plus what <paramref name="lockoutFor"/> gives for the new
    /// count. Returns the count and the lockout's end (Unix ms; 0: none). Stale keys are removed as it goes.
    /// </summary>
    Task<(int Failures, long LockedUntil)> AddSignInFailureAsync(byte[] key, long now, long forgetAfter, Func<int, TimeSpan> lockoutFor, CancellationToken cancellationToken);

    /// <summary>Forgets the failures of <paramref name="key"/> (its owner signed in).</summary>
    Task ForgetSignInFailuresAsync(byte[] key, CancellationToken cancellationToken);

    /// <summary>
    /// The turn of the meeting <paramref name="meeting"/> (its UID and organizer, <c>MeetingKey.Name</c>): held from a
    /// meeting step's decision to its commit, so that steps on one meeting, on any node of the server, decide one after
    /// another from what the last one wrote. Disposing it ends the turn; a cancelled wait holds nothing. SQLite: within
    /// the process; PostgreSQL: a session advisory lock as well, which the database drops with the connection if the
    /// process dies.
    /// </summary>
    Task<IAsyncDisposable> MeetingTurnAsync(string meeting, CancellationToken cancellationToken);

    /// <summary>
    /// Applies the whole change set atomically and durably. Throws <see cref="ConcurrencyException"/>, writing nothing,
    /// when an update's item moved past its expected change number or a deleted item is already gone.
    /// Each item and folder written gets its change number from its mailbox's counter, in the write's transaction, so
    /// numbers follow commit order whichever process writes; they are set on the objects of <paramref name="changes"/>
    /// (and <see cref="ChangeSet.ThisChange"/> in their field changes) when it returns. Every change is recorded in the
    /// mailbox's change log in the same transaction.
    /// </summary>
    Task ApplyAsync(ChangeSet changes, CancellationToken cancellationToken);

    /// <summary>
    /// The change log of <paramref name="mailboxId"/> after <paramref name="position"/> (0: from its start), oldest
    /// first, at most about <paramref name="max"/> entries (the entries of one change are never split), in one snapshot.
    /// </summary>
    Task<ChangeLogPage> GetChangeLogAsync(string mailboxId, long position, int max, CancellationToken cancellationToken);

    /// <summary>The last number <paramref name="mailboxId"/> gave (0 for none): a change log read from it sees only later changes.</summary>
    Task<long> GetChangeLogPositionAsync(string mailboxId, CancellationToken cancellationToken);

    /// <summary>
    /// Which mailboxes logged changes after <paramref name="cursor"/> (negative: none asked, only the current cursor), in
    /// one snapshot, whatever process wrote them. One indexed range read, however many mailboxes the store holds.
    /// </summary>
    Task<ChangedMailboxes> GetChangedMailboxesAsync(long cursor, CancellationToken cancellationToken);

    /// <summary>
    /// The secret that signs sync states: random, made once per store and kept in it, so a state survives a restart
    /// but no other store accepts it.
    /// </summary>
    ReadOnlyMemory<byte> SyncStateKey { get; }

    /// <summary>
    /// The changes to the items of <paramref name="folderId"/> for a client that knows, as they were at
    /// <paramref name="watermark"/>, the items that entered it at or before <paramref name="entered"/> (both 0: a first
    /// sync, every item as a creation): first what happened to those after the watermark, then the items it was not
    /// told of as creations, in the order they entered; at most <paramref name="max"/>, leaving out the items in
    /// <paramref name="ignore"/>. An item is reported once, as its latest state; a Delete only for an item the client
    /// knows. Read in one snapshot, in time proportional to the number of changes (and creations) returned.
    /// </summary>
    Task<ItemSyncPage> GetItemChangesAsync(string folderId, long watermark, long entered, int max, IReadOnlyCollection<string> ignore, CancellationToken cancellationToken);

    /// <summary>
    /// The changes after <paramref name="watermark"/> to the folders of <paramref name="mailboxId"/> below
    /// <paramref name="scopeFolderId"/> (not the scope folder itself), oldest first, all of them, in one snapshot.
    /// </summary>
    Task<FolderSyncPage> GetFolderChangesAsync(string mailboxId, string scopeFolderId, long watermark, CancellationToken cancellationToken);
}
