using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Server.Edge;
using Rendezvous.Services;
using Rendezvous.Store;

namespace Rendezvous.Server;

/// <summary>One authenticated EWS request: who asks, what they sent, and the services handlers use.</summary>
public sealed class EwsRequest
{
    public required SoapRequest Soap { get; init; }

    /// <summary>Whose mailbox the request works in: the signed-in account's own, or the one it impersonates.</summary>
    public required UserRecord User { get; init; }

    /// <summary>The account that signed in (the same as <see cref="User"/> unless it impersonates).</summary>
    public UserRecord? SignedIn { get; init; }

    public required IMailStore Store { get; init; }

    public required TimeProvider Time { get; init; }

    /// <summary>The host's kept recurring masters (a singleton of the host's services).</summary>
    public required SeriesCache SeriesCache { get; init; }

    public required ILogger Logger { get; init; }

    /// <summary>Where actions in other mailboxes are written (<see cref="Server.AccessLog"/>); none: not written.</summary>
    public ILogger AccessLog { get; init; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public required CancellationToken Cancellation { get; init; }

    public required RequestLimits Limits { get; init; }

    /// <summary>How large attachments may be and how many an item holds.</summary>
    public AttachmentLimits AttachmentLimits { get; init; } = new();

    /// <summary>The server's subscriptions (null: a host without notifications).</summary>
    public NotificationHub? Notifications { get; init; }

    /// <summary>Cancelled when the server stops: a stream then says so to its client before it ends.</summary>
    public CancellationToken Stopping { get; init; }

    private readonly List<IAsyncDisposable> held = [];

    /// <summary>Keeps <paramref name="resource"/> (an attachment's stream, read while the response is written) until the request ends.</summary>
    public T Hold<T>(T resource)
        where T : IAsyncDisposable
    {
        held.Add(resource);
        return resource;
    }

    /// <summary>Releases what the request held (<see cref="Hold"/>), once its response is written or has failed.</summary>
    public async ValueTask ReleaseHeldAsync()
    {
        foreach (var resource in held)
        {
            await resource.DisposeAsync();
        }

        held.Clear();
    }

    /// <summary>The server-wide slots for large requests (see <see cref="RequestLimits.MaxConcurrentLargeRequests"/>).</summary>
    public required SemaphoreSlim LargeRequests { get; init; }

    /// <summary>Whether this request holds a slot of <see cref="LargeRequests"/>; the endpoint gives it back once the response is written.</summary>
    public bool HoldsLargeSlot { get; private set; }

    public XElement Operation => Soap.Operation;

    public ExchangeVersion Version => Soap.Version;

    public DateTime Now => Time.GetUtcNow().UtcDateTime;

    public ReadContext ReadContext => new(Soap.TimeZoneContext) { Now = Now, User = new EmailAddress(User.DisplayName, User.Address), Spool = Soap.Spool, Version = Soap.Version };

    public WriteContext WriteContext => new()
    {
        Version = Soap.Version,
        Reader = User.Address,
        ResponseObjects = item => CalendarRules.ResponseObjects(item, User.Address, Soap.Version),
        Attachments = attachmentSource,
    };

    private IAttachmentSource? attachmentSource;

    /// <summary>
    /// Opens the attachments of <paramref name="rootItemIds"/> for the MimeContent this request's response writes (held
    /// until the request ends; its written items take their attachment parts from it).
    /// </summary>
    public async Task<IAttachmentSource?> OpenAttachmentsAsync(IReadOnlyCollection<string> rootItemIds)
    {
        if (rootItemIds.Count == 0)
        {
            return null;
        }

        return attachmentSource = Hold(await Store.OpenAttachmentSourceAsync(rootItemIds, Cancellation));
    }

    /// <summary>
    /// The children of a batch element (ids, items, changes), counted before any work: more than <paramref name="limit"/>
    /// is an ErrorInvalidRequest fault naming the limit, and a large batch first takes a slot of <see cref="LargeRequests"/>.
    /// </summary>
    public async Task<List<XElement>> BatchAsync(XElement parent, int limit, string what, string limitName)
    {
        var children = RequestLimits.Children(parent, limit, what, limitName);
        if (children.Count > Limits.LargeRequestThreshold)
        {
            await EnterLargeAsync();
        }

        return children;
    }

    /// <summary>The ids of a batch (ItemIds, FolderIds, SourceIds, ParentFolderIds), at most <see cref="RequestLimits.MaxIdsPerRequest"/>.</summary>
    public Task<List<XElement>> IdsAsync(XElement parent) =>
        BatchAsync(parent, Limits.MaxIdsPerRequest, "ids", nameof(RequestLimits.MaxIdsPerRequest));

    /// <summary>
    /// The ItemChange or FolderChange elements of an UpdateItem or UpdateFolder (<paramref name="kind"/> "Item" or
    /// "Folder"), at most <see cref="RequestLimits.MaxChangesPerUpdate"/>, each with at most
    /// <see cref="RequestLimits.MaxUpdatesPerChange"/> updates: all counted before any change is made.
    /// </summary>
    public async Task<List<XElement>> ChangesAsync(XElement parent, string kind)
    {
        var changes = await BatchAsync(parent, Limits.MaxChangesPerUpdate, kind == "Item" ? "item changes" : "folder changes", nameof(RequestLimits.MaxChangesPerUpdate));
        foreach (var change in changes)
        {
            if (change.Element(Ews.T + "Updates") is { } updates && CountUpdates(updates) is var count && count > Limits.MaxUpdatesPerChange)
            {
                throw RequestLimits.Exceeded(updates, count, Limits.MaxUpdatesPerChange, $"updates in one {kind}Change", nameof(RequestLimits.MaxUpdatesPerChange));
            }
        }

        return changes;
    }

    /// <summary>
    /// The updates of a change as the limit counts them: the updates of one IndexedFieldURI (a contact's dictionary
    /// entry) count once. Note: exchangelib saves a whole contact with a Set or Delete for every entry of every
    /// dictionary (44 of them) besides its other fields, 260 updates, which Exchange takes.
    /// </summary>
    private static int CountUpdates(XElement updates)
    {
        var count = 0;
        HashSet<(string?, string?)>? indexed = null;
        foreach (var update in updates.Elements())
        {
            if (update.Elements().FirstOrDefault() is { } path && path.Name == Ews.T + "IndexedFieldURI")
            {
                if ((indexed ??= []).Add(((string?)path.Attribute("FieldURI"), (string?)path.Attribute("FieldIndex"))))
                {
                    count++;
                }

                continue;
            }

            count++;
        }

        return count;
    }

    /// <summary>Takes a slot for a large request, waiting at most the back-off; none free is ErrorServerBusy, a retry hint, not an error of the request.</summary>
    public async Task EnterLargeAsync()
    {
        if (HoldsLargeSlot)
        {
            return;
        }

        if (!await LargeRequests.WaitAsync(Limits.BackOffMilliseconds, Cancellation))
        {
            throw new EwsFaultException(ResponseCodes.ErrorServerBusy,
                $"The server is busy with other large requests ({Limits.MaxConcurrentLargeRequests} at once). Try again later.")
            {
                BackOffMilliseconds = Limits.BackOffMilliseconds,
            };
        }

        HoldsLargeSlot = true;
    }

    public void ReleaseLargeSlot()
    {
        if (HoldsLargeSlot)
        {
            HoldsLargeSlot = false;
            LargeRequests.Release();
        }
    }

    /// <summary>An item shape, its property paths counted first.</summary>
    public ItemShape ReadShape(XElement shape)
    {
        Limits.CheckShape(shape);
        return ItemReader.ReadShape(shape);
    }

    /// <summary>The folder a reference names, if the caller may use it.</summary>
    public async Task<Folder> ResolveFolderAsync(FolderRef reference)
    {
        try
        {
            return await Session.ResolveFolderAsync(reference);
        }
        catch (DomainException e)
        {
            throw EwsErrors.ToEws(e);
        }
    }

    /// <summary>An item of the caller's mailbox. Another mailbox's item is reported as not found, revealing nothing.</summary>
    public async Task<Item> GetOwnItemAsync(ItemRef reference)
    {
        try
        {
            return await Session.GetOwnItemAsync(reference);
        }
        catch (DomainException e)
        {
            throw EwsErrors.ToEws(e);
        }
    }

    /// <summary>This request as the services see it: who asks, their store, the clock, the limits.</summary>
    public Session Session => session ??= new Session
    {
        User = User,
        Store = Store,
        Time = Time,
        SeriesCache = SeriesCache,
        Cancellation = Cancellation,
        Limits = Limits,
        Attachments = AttachmentLimits,
        EnterLargeAsync = EnterLargeAsync,
        ContactCards = PeopleEdge.Cards,
        Inform = note => Logger.LogInformation("{Operation}: {Note}", Soap.OperationName, note),
        // Beside the access log's other lines (same category and event), with what the delegate did.
        DelegateAction = (principal, action) => AccessLog.LogInformation(Server.AccessLog.Event, "{Access}: {Actor} acted for {Mailbox} in {Operation}: {Action}",
            "delegate", User.Address, principal, Soap.OperationName, action),
        Accessed = a => AccessLog.LogInformation("{Operation}: {Actor} in the mailbox of {Mailbox}, folder {Folder} ({FolderId}), through a permission: {Action}",
            Soap.OperationName, a.Actor, a.Mailbox, a.FolderName, a.FolderId, a.Action),
        Audit = access => Logger.LogInformation(Server.AccessLog.Event, "{Access}: {Actor} acted as {Mailbox} in {Operation} (signed in as {SignedIn})",
            access.Access, access.Actor, access.Mailbox, Soap.OperationName, (SignedIn ?? User).Address),
    };

    private Session? session;

    /// <summary>
    /// Runs <paramref name="work"/> for each element, in order, each failing on its own: an EWS error becomes
    /// that element's error; anything else is logged and reported as ErrorInternalServerError, never with a stack trace.
    /// Whole-request faults still propagate.
    /// </summary>
    public async Task<List<Outcome<T>>> PerItemAsync<T>(IEnumerable<XElement> elements, Func<XElement, Task<T>> work)
    {
        var outcomes = new List<Outcome<T>>();
        foreach (var element in elements)
        {
            outcomes.Add(await OneAsync(() => work(element)));
        }

        return outcomes;
    }

    public async Task<Outcome<T>> OneAsync<T>(Func<Task<T>> work)
    {
        try
        {
            return new Outcome<T>(await work(), null);
        }
        catch (EwsFaultException)
        {
            throw;
        }
        catch (EwsException e)
        {
            return new Outcome<T>(default, e);
        }
        catch (RequestFailedException e)
        {
            throw EwsErrors.ToEws(e);
        }
        catch (DomainException e)
        {
            return new Outcome<T>(default, EwsErrors.ToEws(e));
        }
        catch (ConcurrencyException e)
        {
            // A concurrent request won the race for this item; what we decided from is no longer there.
            return new Outcome<T>(default, EwsErrors.ToEws(Session.Translate(e)!));
        }
        catch (StoreFullException e)
        {
            Logger.LogError(e, "{Operation}: the store is full", Soap.OperationName);
            return new Outcome<T>(default, InsufficientResources());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Logger.LogError(e, "{Operation} failed for one item", Soap.OperationName);
            return new Outcome<T>(default, new EwsException(ResponseCodes.ErrorInternalServerError, "An internal server error occurred. The operation failed."));
        }
    }

    /// <summary>What a write refused for lack of space answers (nothing of it was written; reads still work).</summary>
    public static EwsException InsufficientResources() => EwsErrors.ToEws(Session.StoreFull());

    /// <summary>Writes items in one m:Items element with this request's context.</summary>
    public void WriteItems(EwsWriter w, IEnumerable<Item> items, ItemShape shape)
    {
        var context = WriteContext;
        w.StartM("Items");
        foreach (var item in items)
        {
            ItemWriter.Write(w, item, shape, context);
        }

        w.End();
    }

    public static readonly ItemShape IdOnly = new(BaseShape.IdOnly, null, []);

    /// <summary>
    /// The usual response body: m:{operation}Response holding one m:{operation}ResponseMessage per outcome, in order.
    /// <paramref name="itemsOnError"/> writes the empty m:Items the schema requires in failed item messages.
    /// </summary>
    public static Action<EwsWriter> Respond<T>(string operation, IReadOnlyList<Outcome<T>> outcomes, Action<EwsWriter, T> content, bool itemsOnError = false, Action<EwsWriter>? errorContent = null) => w =>
    {
        w.StartM(operation + "Response");
        w.StartM("ResponseMessages");
        foreach (var o in outcomes)
        {
            SoapWriter.WriteMessage(w, operation + "ResponseMessage", o.Error, w => content(w, o.Value!), errorContent ?? (itemsOnError ? EmptyItems : null));
        }

        w.End();
        w.End();
    };

    private static void EmptyItems(EwsWriter w)
    {
        w.StartM("Items");
        w.End();
    }

    /// <summary>A required m: child of an operation element, or a schema fault.</summary>
    public static XElement Required(XElement parent, string name) =>
        parent.Element(Ews.M + name) ?? throw SoapRequest.Schema(parent, $"The element '{Values.Excerpt(parent.Name.LocalName)}' is missing its child '{Values.Excerpt(name)}'.");
}

public readonly record struct Outcome<T>(T? Value, EwsException? Error);
