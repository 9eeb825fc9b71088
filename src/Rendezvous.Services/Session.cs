using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Services;

/// <summary>
/// Who does an operation and with what: the signed-in user, their store, the clock, the request's cancellation and
/// the limits it works within. Every service takes one; nothing in it knows which wire the request came by.
/// </summary>
public sealed class Session
{
    public required UserRecord User { get; init; }

    public required IMailStore Store { get; init; }

    public required TimeProvider Time { get; init; }

    /// <summary>The host's kept recurring masters (one per store, shared by its requests).</summary>
    public required SeriesCache SeriesCache { get; init; }

    public required CancellationToken Cancellation { get; init; }

    public RequestLimits Limits { get; init; } = new();

    /// <summary>How large attachments may be and how many an item holds.</summary>
    public AttachmentLimits Attachments { get; init; } = new();

    /// <summary>
    /// Takes one of the host's few slots for large work (or fails the request as busy); called when a request turns out
    /// large only once it is under way (many bytes read, a big folder). Without a host it costs nothing.
    /// </summary>
    public Func<Task> EnterLargeAsync { get; init; } = static () => Task.CompletedTask;

    /// <summary>Where the services tell the host what it may want to log (a meeting message not delivered).</summary>
    public Action<string> Inform { get; init; } = static _ => { };

    /// <summary>
    /// Where the services record an action the caller took as a delegate (issue 18 §5): the principal's address and
    /// what was done; the host writes one structured log line with the caller.
    /// </summary>
    public Action<string, string> DelegateAction { get; init; } = static (_, _) => { };

    /// <summary>Records that the caller acted for <paramref name="principal"/> as its delegate (<see cref="DelegateAction"/>).</summary>
    public void ActedAsDelegate(string principal, string action) => DelegateAction(principal, action);
    /// <summary>Where the services report each action taken in or for a mailbox not the actor's own (the host logs it).</summary>
    public Action<AccessEvent> Audit { get; init; } = static _ => { };

    /// <summary>How the edge reads a contact's names and addresses (null: without an edge, no contact is read).</summary>
    public IContactCards? ContactCards { get; init; }

    public Mailbox Mailbox => User.Mailbox;

    /// <summary>
    /// This request's session acting as <paramref name="mailbox"/>'s owner: for what the server does on a mailbox's own
    /// behalf while serving the request (a room answering the request it was just sent).
    /// </summary>
    public Session ActingFor(UserRecord mailbox) => new()
    {
        User = mailbox,
        Store = Store,
        SeriesCache = SeriesCache,
        Time = Time,
        Cancellation = Cancellation,
        Limits = Limits,
        Attachments = Attachments,
        EnterLargeAsync = EnterLargeAsync,
        Inform = Inform,
        DelegateAction = DelegateAction,
        Accessed = Accessed,
        Audit = Audit,
    };

    public string MailboxId => User.MailboxId;

    public string Address => User.Address;

    public DateTime Now => Time.GetUtcNow().UtcDateTime;

    /// <summary>
    /// Where the host hears of every action taken in another mailbox through a permission (issue 18 §5): one record per
    /// folder reached, to be written to the structured log.
    /// </summary>
    public Action<ForeignAccess> Accessed { get; init; } = static _ => { };

    /// <summary>The caller's own folder a reference names; no reference is the caller's <paramref name="fallback"/> distinguished folder. Another mailbox's is refused as if nothing were granted.</summary>
    public async Task<Folder> ResolveFolderAsync(FolderRef? reference, string fallback) =>
        (await ResolveAsync(reference?.Id, reference is null ? fallback : reference.DistinguishedName, reference?.MailboxAddress, null)).Folder;

    /// <summary>The caller's own folder a reference names. Another mailbox's is refused as if nothing were granted.</summary>
    public async Task<Folder> ResolveFolderAsync(FolderRef reference) =>
        (await ResolveAsync(reference.Id, reference.DistinguishedName, reference.MailboxAddress, null)).Folder;

    /// <summary>
    /// The folder a reference names, in the caller's mailbox or another's, with the caller's rights there, when they may
    /// do <paramref name="action"/> in it; no reference is the caller's own <paramref name="fallback"/> distinguished folder.
    /// Another's folder that grants the caller nothing is refused exactly as when nothing was granted (revealing nothing);
    /// one they may open but not act in so is ErrorAccessDenied.
    /// </summary>
    public Task<FolderAccess> AccessFolderAsync(FolderRef? reference, string fallback, FolderAction action) =>
        ResolveAsync(reference?.Id, reference is null ? fallback : reference.DistinguishedName, reference?.MailboxAddress, action);

    /// <inheritdoc cref="AccessFolderAsync(FolderRef?, string, FolderAction)"/>
    public Task<FolderAccess> AccessFolderAsync(FolderRef reference, FolderAction action) =>
        ResolveAsync(reference.Id, reference.DistinguishedName, reference.MailboxAddress, action);

    /// <summary>
    /// The caller's rights on a folder already read (a FindFolder's children, a move's target): all of them on their own,
    /// else what its permission set gives them (one read of the store).
    /// </summary>
    public async Task<FolderAccess> AccessOfAsync(Folder folder)
    {
        if (folder.MailboxId == User.MailboxId)
        {
            return FolderAccess.Own(folder);
        }

        var rights = await Store.GetRightsAsync(folder.Id, User.MailboxId, Cancellation);
        return AccessOf(folder, rights, await ViewsPrivateItemsAsync(folder.MailboxId));
    }

    /// <summary>
    /// <see cref="AccessOfAsync(Folder)"/> from what the store gave beforehand (<see cref="FreeBusyMailbox"/>: the
    /// caller's stored rights on the folder, their entry among its owner's delegates), without reading them again.
    /// </summary>
    public FolderAccess AccessOf(Folder folder, FolderRights? storedRights, DelegateEntry? callerAsDelegate) =>
        folder.MailboxId == User.MailboxId ? FolderAccess.Own(folder) : AccessOf(folder, storedRights, callerAsDelegate is { ViewPrivateItems: true });

    private FolderAccess AccessOf(Folder folder, FolderRights? storedRights, bool viewsPrivateItems)
    {
        var rights = storedRights ?? FolderPermissions.Effective(FolderPermissions.Defaults(folder.DistinguishedName == "calendar"), User.MailboxId);
        folder.CallerRights = rights;
        return new FolderAccess(folder, rights, User.MailboxId) { ViewPrivateItems = viewsPrivateItems };
    }

    /// <summary>
    /// <see cref="AccessOfAsync(Folder)"/> of many folders (a FindFolder's subfolders, a hierarchy sync's changes) from
    /// one read of their permission sets, not one read per folder; in the order given.
    /// </summary>
    public async Task<IReadOnlyList<FolderAccess>> AccessOfAsync(IReadOnlyList<Folder> folders)
    {
        var foreign = folders.Where(f => f.MailboxId != User.MailboxId).Select(f => f.Id).Distinct(StringComparer.Ordinal).ToList();
        var sets = new Dictionary<string, IReadOnlyList<PermissionEntry>>(StringComparer.Ordinal);
        // In chunks, so a deep tree never makes one statement of thousands of parameters.
        foreach (var chunk in foreign.Chunk(500))
        {
            foreach (var (id, set) in await Store.GetPermissionsAsync(chunk, Cancellation))
            {
                sets[id] = set;
            }
        }

        var viewsPrivate = new Dictionary<string, bool>(StringComparer.Ordinal);
        var result = new List<FolderAccess>(folders.Count);
        foreach (var folder in folders)
        {
            if (folder.MailboxId == User.MailboxId)
            {
                result.Add(FolderAccess.Own(folder));
                continue;
            }

            var rights = FolderPermissions.Effective(sets.GetValueOrDefault(folder.Id) ?? FolderPermissions.Defaults(folder.DistinguishedName == "calendar"), User.MailboxId);
            folder.CallerRights = rights;
            if (!viewsPrivate.TryGetValue(folder.MailboxId, out var views))
            {
                views = viewsPrivate[folder.MailboxId] = await ViewsPrivateItemsAsync(folder.MailboxId);
            }

            result.Add(new FolderAccess(folder, rights, User.MailboxId) { ViewPrivateItems = views });
        }

        return result;
    }

    /// <summary>
    /// Whether the caller may see <paramref name="ownerMailboxId"/>'s private items. The hook of delegate access (issue 18
    /// §2): a delegate given ViewPrivateItems answers true here, read from the delegate record; folder permissions never do.
    /// </summary>
    private async Task<bool> ViewsPrivateItemsAsync(string ownerMailboxId) =>
        ownerMailboxId == User.MailboxId
        || (await Store.GetDelegationAsync(ownerMailboxId, Cancellation)).Of(User.MailboxId) is { ViewPrivateItems: true };

    /// <summary>Records an action in another mailbox for the host's log (nothing for the caller's own).</summary>
    public async Task AccountAsync(FolderAccess access, FolderAction action)
    {
        if (!access.IsOwner)
        {
            var owner = await Store.FindUserByMailboxAsync(access.Folder.MailboxId, Cancellation);
            Account(access, action, owner?.Address ?? access.Folder.MailboxId);
        }
    }

    /// <summary><see cref="AccountAsync"/> where the caller read the folder's owner already.</summary>
    public void Account(FolderAccess access, FolderAction action, string ownerAddress)
    {
        if (!access.IsOwner)
        {
            Accessed(new ForeignAccess(User.Address, ownerAddress, access.Folder.Id, access.Folder.DistinguishedName ?? access.Folder.DisplayName, action));
        }
    }

    private async Task<FolderAccess> ResolveAsync(string? id, string? distinguishedName, string? mailboxAddress, FolderAction? action)
    {
        if (distinguishedName is { } name)
        {
            var owner = User;
            if (mailboxAddress is { } mailbox && !User.Address.Equals(mailbox, StringComparison.OrdinalIgnoreCase))
            {
                // Without a right there, another mailbox answers as one that does not exist: we do not say which it is.
                var denied = new DomainException(ErrorCode.AccessDenied, "Access is denied. Check credentials and try again.");
                owner = action is null ? throw denied : await Store.FindUserAsync(mailbox, Cancellation) ?? throw denied;
                var folder = await Store.GetDistinguishedFolderAsync(owner.MailboxId, name, Cancellation) ?? throw denied;
                return await CheckAsync(await AccessOfAsync(folder), action.Value, denied);
            }

            // A folder the mailbox has no use for (an archive mailbox's, Teams', OneDrive's) is not found, as Exchange
            // answers; the public folders root of an organization without public folders has no replica.
            var own = await Store.GetDistinguishedFolderAsync(owner.MailboxId, name, Cancellation)
                ?? throw (name == "publicfoldersroot"
                    ? new DomainException(ErrorCode.NoPublicFolderReplica, "There are no public folder servers available.")
                    : new DomainException(ErrorCode.FolderNotFound, $"The distinguished folder '{Values.Excerpt(name)}' does not exist in this mailbox."));
            return FolderAccess.Own(own);
        }

        id ??= "";
        if (id.Length == 0)
        {
            throw new DomainException(ErrorCode.IdEmpty, "The folder id is empty.");
        }

        if (!EwsIds.IsFolderId(id))
        {
            throw new DomainException(ErrorCode.IdMalformed, "Id is malformed.");
        }

        var notFound = new DomainException(ErrorCode.FolderNotFound, "The specified folder could not be found in the store.");
        var found = await Store.GetFolderAsync(id, Cancellation) ?? throw notFound;
        if (found.MailboxId == User.MailboxId)
        {
            return FolderAccess.Own(found);
        }

        return action is null ? throw notFound : await CheckAsync(await AccessOfAsync(found), action.Value, notFound);
    }

    /// <summary>
    /// <paramref name="access"/> when it allows <paramref name="action"/>; a folder it does not open at all fails as
    /// <paramref name="hidden"/> (what the caller would be answered had nothing been granted), one it opens as ErrorAccessDenied.
    /// </summary>
    private async Task<FolderAccess> CheckAsync(FolderAccess access, FolderAction action, DomainException hidden)
    {
        if (!access.IsOwner && !access.Rights.OpensFolder)
        {
            throw hidden;
        }

        if (!access.Can(action))
        {
            throw Denied();
        }

        await AccountAsync(access, action);
        return access;
    }

    /// <summary>What a refused action on something the caller may see answers.</summary>
    public static DomainException Denied() => new(ErrorCode.AccessDenied, "Access is denied. Check credentials and try again.");

    /// <summary>
    /// A stored item of the caller's mailbox; a RecurringMasterItemId names its series' master. Another mailbox's item is
    /// reported as not found, revealing nothing. An occurrence is no stored item: <see cref="GetItemOrOccurrenceAsync"/>
    /// reads one; UpdateItem, DeleteItem, MoveItem and CopyItem have occurrence paths of their own. An occurrence id
    /// that names no occurrence fails as on every path (out of range, deleted) before the operation refuses it.
    /// </summary>
    public async Task<Item> GetOwnItemAsync(ItemRef reference)
    {
        var (item, index) = await ResolveItemAsync(reference);
        if (index is not int n)
        {
            return item;
        }

        Calendar.OccurrenceEdits.Current(item, n);
        throw new DomainException(ErrorCode.InvalidOperation, "This operation does not take one occurrence of a recurring series; use its recurring master.");
    }

    /// <summary>
    /// <see cref="GetOwnItemAsync(ItemRef)"/> in any mailbox where the caller may do <paramref name="action"/> to the item
    /// (<see cref="AccessItemAsync"/>: refused as there, and accounted for in another's).
    /// </summary>
    public async Task<Item> GetStoredItemAsync(ItemRef reference, FolderAction action)
    {
        var found = await AccessItemAsync(reference, action);
        if (found.InstanceIndex is not int n)
        {
            return found.Item;
        }

        Calendar.OccurrenceEdits.Current(found.Item, n);
        throw new DomainException(ErrorCode.InvalidOperation, "This operation does not take one occurrence of a recurring series; use its recurring master.");
    }

    /// <summary>What <paramref name="reference"/> names in the caller's mailbox: a stored item, or an occurrence (or exception) of one as an item of its own.</summary>
    public async Task<Item> GetItemOrOccurrenceAsync(ItemRef reference)
    {
        var (item, index) = await ResolveItemAsync(reference);
        return Occurrence(item, index);
    }

    /// <summary><see cref="GetItemOrOccurrenceAsync(ItemRef)"/> in any mailbox where the caller may do <paramref name="action"/> (<see cref="AccessItemAsync"/>).</summary>
    public async Task<Item> GetItemOrOccurrenceAsync(ItemRef reference, FolderAction action)
    {
        var found = await AccessItemAsync(reference, action);
        return Occurrence(found.Item, found.InstanceIndex);
    }

    /// <summary>
    /// The session of the mailbox <paramref name="access"/> is in, for work the caller was just allowed there: the
    /// existing services then act on that mailbox as on its owner's. This session itself for the caller's own.
    /// </summary>
    public async Task<Session> AsOwnerAsync(FolderAccess access) =>
        access.IsOwner ? this
        : ActingFor(await Store.FindUserByMailboxAsync(access.Folder.MailboxId, Cancellation)
            ?? throw new DomainException(ErrorCode.ItemNotFound, "The specified object was not found in the store."));

    private static Item Occurrence(Item item, int? index)
    {
        if (index is not int n)
        {
            return item;
        }

        var (result, occurrence) = Calendar.SeriesItems.At(item, n);
        return result switch
        {
            Calendar.OccurrenceLookup.Found => occurrence!,
            Calendar.OccurrenceLookup.Deleted => throw new DomainException(ErrorCode.OccurrenceDeleted, "Occurrence with this index was previously deleted from the recurrence."),
            Calendar.OccurrenceLookup.OutOfRange => throw new DomainException(ErrorCode.OccurrenceIndexOutOfRange, "Occurrence index is out of recurrence range."),
            _ => throw new DomainException(ErrorCode.ItemNotFound, "The specified object was not found in the store."),
        };
    }

    /// <summary>
    /// The stored item a reference leads to and, when it names an occurrence (an OccurrenceItemId, or an occurrence's own
    /// ItemId), that occurrence's InstanceIndex; a RecurringMasterItemId leads to the master alone. The caller's own items only.
    /// </summary>
    public async Task<(Item Item, int? InstanceIndex)> ResolveItemAsync(ItemRef reference)
    {
        var found = await ResolveItemAsync(reference, null);
        return (found.Item, found.InstanceIndex);
    }

    /// <summary>
    /// <see cref="ResolveItemAsync(ItemRef)"/> in the caller's mailbox or another's, with the caller's rights on the item's
    /// folder, when they may do <paramref name="action"/> to it. Another's item is not found when its folder grants the
    /// caller nothing or it is private and they may not view private items (revealing nothing); ErrorAccessDenied when they
    /// may see it but not act so.
    /// </summary>
    public Task<ItemAccess> AccessItemAsync(ItemRef reference, FolderAction action) => ResolveItemAsync(reference, action);

    private async Task<ItemAccess> ResolveItemAsync(ItemRef reference, FolderAction? action)
    {
        var id = reference.Id;
        if (id.Length == 0)
        {
            throw new DomainException(ErrorCode.IdEmpty, "The item id is empty.");
        }

        if (!EwsIds.IsItemId(id))
        {
            throw new DomainException(ErrorCode.IdMalformed, "Id is malformed.");
        }

        if (reference.ChangeKey is { Length: > 0 } key && !ChangeKeys.TryDecode(key, out _))
        {
            throw new DomainException(ErrorCode.ChangeKeyInvalid, "The change key is invalid.");
        }

        var index = reference.InstanceIndex;
        if (EwsIds.TryParseOccurrenceId(id, out var masterId, out var ownIndex))
        {
            if (index is not null)
            {
                // Note: an OccurrenceItemId's RecurringMasterId must be a master's id, not an occurrence's.
                throw new DomainException(ErrorCode.ItemNotFound, "The specified object was not found in the store.");
            }

            id = masterId;
            index = reference.ToMaster ? null : ownIndex;
        }

        var notFound = new DomainException(ErrorCode.ItemNotFound, "The specified object was not found in the store.");
        var item = await Store.GetItemAsync(id, Cancellation) ?? throw notFound;
        FolderAccess access;
        if (item.MailboxId == User.MailboxId)
        {
            access = FolderAccess.Own(new Folder { Id = item.FolderId, MailboxId = item.MailboxId });
        }
        else
        {
            var folder = action is null ? null : await Store.GetFolderAsync(item.FolderId, Cancellation);
            if (folder is null)
            {
                throw notFound;
            }

            access = await AccessOfAsync(folder);
            if (!access.Rights.OpensFolder || !access.CanSee(item))
            {
                throw notFound;
            }
        }

        if ((index is not null || reference.ToMaster) && item.Recurrence is null)
        {
            // An OccurrenceItemId of a single item, or a RecurringMasterItemId of what belongs to no series.
            throw notFound;
        }

        if (action is { } needed && !access.IsOwner)
        {
            if (!access.Can(needed, item))
            {
                throw Denied();
            }

            await AccountAsync(access, needed);
        }

        return new ItemAccess(item, index, access);
    }

    /// <summary>What a write refused for lack of space answers (nothing of it was written; reads still work).</summary>
    public static DomainException StoreFull() =>
        new(ErrorCode.StoreFull, "The server does not have enough space to complete the request. Nothing was changed.");

    /// <summary>
    /// A store exception in the domain's terms: a lost race on an item (gone, or changed under us), or a full store.
    /// Null for anything else.
    /// </summary>
    public static DomainException? Translate(Exception e) => e switch
    {
        ConcurrencyException { Gone: true } => new DomainException(ErrorCode.ItemNotFound, "The specified object was not found in the store."),
        ConcurrencyException => new DomainException(ErrorCode.Conflict, "The item changed while the request was processed. Retrieve it again and retry."),
        StoreFullException => StoreFull(),
        _ => null,
    };
}

/// <summary>A stored item as one caller reached it: the item, the occurrence it names (if one), and the caller's rights on its folder.</summary>
/// <remarks>For the caller's own item, <see cref="FolderAccess.Folder"/> holds only the folder's id and mailbox (it is not read).</remarks>
public sealed record ItemAccess(Item Item, int? InstanceIndex, FolderAccess Access);

/// <summary>
/// One action taken in another mailbox through a permission (issue 18 §5): who acted and in which mailbox (addresses),
/// on which folder (its id, and its distinguished name, else its name), and what they did. The host writes it to the structured log.
/// </summary>
public sealed record ForeignAccess(string Actor, string Mailbox, string FolderId, string FolderName, FolderAction Action);
