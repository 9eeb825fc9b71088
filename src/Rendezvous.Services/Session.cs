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
        Audit = Audit,
    };

    public string MailboxId => User.MailboxId;

    public string Address => User.Address;

    public DateTime Now => Time.GetUtcNow().UtcDateTime;

    /// <summary>The folder a reference names, if the caller may use it; no reference is the caller's <paramref name="fallback"/> distinguished folder.</summary>
    public Task<Folder> ResolveFolderAsync(FolderRef? reference, string fallback) =>
        reference is null ? ResolveFolderAsync(null, fallback, null) : ResolveFolderAsync(reference);

    /// <summary>The folder a reference names, if the caller may use it.</summary>
    public Task<Folder> ResolveFolderAsync(FolderRef reference) =>
        ResolveFolderAsync(reference.Id, reference.DistinguishedName, reference.MailboxAddress);

    private async Task<Folder> ResolveFolderAsync(string? id, string? distinguishedName, string? mailboxAddress)
    {
        if (distinguishedName is { } name)
        {
            if (mailboxAddress is { } mailbox && !User.Address.Equals(mailbox, StringComparison.OrdinalIgnoreCase))
            {
                // No delegation rights exist yet: another mailbox is never reachable, and we do not say whether it exists.
                throw new DomainException(ErrorCode.AccessDenied, "Access is denied. Check credentials and try again.");
            }

            // A folder the mailbox has no use for (an archive mailbox's, Teams', OneDrive's) is not found, as Exchange
            // answers; the public folders root of an organization without public folders has no replica.
            return await Store.GetDistinguishedFolderAsync(User.MailboxId, name, Cancellation)
                ?? throw (name == "publicfoldersroot"
                    ? new DomainException(ErrorCode.NoPublicFolderReplica, "There are no public folder servers available.")
                    : new DomainException(ErrorCode.FolderNotFound, $"The distinguished folder '{Values.Excerpt(name)}' does not exist in this mailbox."));
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

        var folder = await Store.GetFolderAsync(id, Cancellation);
        return folder is not null && folder.MailboxId == User.MailboxId
            ? folder
            : throw new DomainException(ErrorCode.FolderNotFound, "The specified folder could not be found in the store.");
    }

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

    /// <summary>What <paramref name="reference"/> names: a stored item, or an occurrence (or exception) of one as an item of its own.</summary>
    public async Task<Item> GetItemOrOccurrenceAsync(ItemRef reference)
    {
        var (item, index) = await ResolveItemAsync(reference);
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
    /// ItemId), that occurrence's InstanceIndex; a RecurringMasterItemId leads to the master alone.
    /// </summary>
    public async Task<(Item Item, int? InstanceIndex)> ResolveItemAsync(ItemRef reference)
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

        var item = await Store.GetItemAsync(id, Cancellation);
        if (item is null || item.MailboxId != User.MailboxId)
        {
            throw new DomainException(ErrorCode.ItemNotFound, "The specified object was not found in the store.");
        }

        if ((index is not null || reference.ToMaster) && item.Recurrence is null)
        {
            // An OccurrenceItemId of a single item, or a RecurringMasterItemId of what belongs to no series.
            throw new DomainException(ErrorCode.ItemNotFound, "The specified object was not found in the store.");
        }

        return (item, index);
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
