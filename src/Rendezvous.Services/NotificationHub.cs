using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
using Rendezvous.Domain;
using Rendezvous.Store;

namespace Rendezvous.Services;

/// <summary>
/// Subscribe, GetEvents, GetStreamingEvents and Unsubscribe, and the push deliveries ([MS-OXWSNTIF]). Every event comes
/// from the store's change log: a subscription is a position in its mailbox's log, so nothing is missed between two
/// GetEvents or while no streaming connection is open, whichever process wrote the change. The subscriptions are in the
/// store (issue 19 §5), so every node of a server knows them: a pull subscription made on one node answers GetEvents on
/// another, a streaming one is opened on any node (the connection holds it, and moves its position on in the store as
/// it delivers), and a push one is sent by the one node holding its lease (another takes it once that node stops
/// renewing). Streaming and push subscriptions being delivered here read a per-mailbox window of the log kept here
/// (<see cref="MailboxFeed"/>), refreshed once per change however many subscriptions watch the mailbox. The store's
/// wake-up (<see cref="IMailStore.WatchChanges"/>: PostgreSQL's NOTIFY from any node, SQLite's signal after this
/// process's writes) says when; a slow poll of the log (<see cref="NotificationOptions.PollInterval"/>) catches what no
/// wake-up announced.
/// </summary>
public sealed class NotificationHub : IAsyncDisposable
{
    // How often the log is read for every feed whatever the cursor says (a SQLite rowid reused after a user's removal).
    private static readonly TimeSpan FullRefreshInterval = TimeSpan.FromSeconds(10);

    // How often expired subscriptions are removed from the store (they are refused from the moment they expire).
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    // How often the subscriptions are counted in the store for the metrics (this node's own changes count at once).
    private static readonly TimeSpan CountInterval = TimeSpan.FromSeconds(10);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly IMailStore store;
    private readonly NotificationOptions options;
    private readonly TimeProvider time;
    private readonly IPushSender push;
    private readonly Action<string, Exception?> log;
    private readonly Lock gate = new();

    // The subscriptions delivered by this node: streaming ones with a connection here, push ones whose lease it holds.
    private readonly Dictionary<string, Subscription> local = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MailboxFeed> feeds = new(StringComparer.Ordinal);
    private readonly HashSet<string> wokenMailboxes = new(StringComparer.Ordinal);
    private readonly Signal wake = new();
    private readonly CancellationTokenSource stop = new();
    private readonly string node = "node-" + NewId();
    private bool wokenAll;
    private int[] counts = new int[Enum.GetValues<SubscriptionKind>().Length];
    private Task? poller;
    private int disposed;

    public NotificationHub(IMailStore store, NotificationOptions options, TimeProvider time, IPushSender push, Action<string, Exception?>? log = null)
    {
        this.store = store;
        this.options = options;
        this.time = time;
        this.push = push;
        this.log = log ?? ((_, _) => { });
        NotificationMetrics.Track(this);
    }

    public NotificationOptions Options => options;

    /// <summary>
    /// Adds the server's live subscriptions of each kind to <paramref name="totals"/> (indexed by <see cref="SubscriptionKind"/>):
    /// the store's count (every node's), at most <c>CountInterval</c> old, with this node's own changes since.
    /// </summary>
    internal void CountSubscriptions(int[] totals)
    {
        var current = Volatile.Read(ref counts);
        for (var kind = 0; kind < totals.Length && kind < current.Length; kind++)
        {
            totals[kind] += Math.Max(0, Volatile.Read(ref current[kind]));
        }
    }

    private void Counted(SubscriptionKind kind, int delta) => Interlocked.Add(ref Volatile.Read(ref counts)[(int)kind], delta);

    /// <summary>Starts watching the change log.</summary>
    public void Start() => poller ??= Task.Run(() => RunAsync(stop.Token));

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    public async Task<SubscribeResult> SubscribeAsync(Session session, SubscribeRequest request)
    {
        if (request.Events == EventTypes.None)
        {
            throw new DomainException(ErrorCode.InvalidSubscriptionRequest, "The subscription names no event type.");
        }

        if (!request.AllFolders && request.Folders.Count == 0)
        {
            throw new DomainException(ErrorCode.InvalidSubscriptionRequest, "The subscription names no folder and is not for all folders.");
        }

        HashSet<string>? folders = null;
        if (!request.AllFolders)
        {
            folders = new HashSet<string>(StringComparer.Ordinal);
            foreach (var reference in request.Folders)
            {
                folders.Add((await session.ResolveFolderAsync(reference)).Id);
            }
        }

        Uri? url = null;
        if (request.Kind == SubscriptionKind.Push && !options.PushTargets.AllowsUrl(request.Url, out url))
        {
            throw new DomainException(ErrorCode.InvalidPushSubscriptionUrl, "The push URL must be an absolute http or https URL that this server is allowed to call.");
        }

        long position;
        if (request.Watermark is { } given && request.Kind != SubscriptionKind.Streaming)
        {
            position = Watermarks.Decode(given, session.MailboxId, session.Store.SyncStateKey.Span)
                ?? throw new DomainException(ErrorCode.InvalidWatermark, "The watermark is not valid for this mailbox.");
        }
        else
        {
            position = await store.GetChangeLogPositionAsync(session.MailboxId, session.Cancellation);
        }

        var inbox = await store.GetDistinguishedFolderAsync(session.MailboxId, "inbox", session.Cancellation);
        var calendar = await store.GetDistinguishedFolderAsync(session.MailboxId, "calendar", session.Cancellation);
        var settings = new Settings(folders?.Order(StringComparer.Ordinal).ToArray(), request.Events, inbox?.Id, calendar?.Id,
            (options.Minute * request.TimeoutMinutes).Ticks, (options.Minute * request.StatusFrequencyMinutes).Ticks, url?.AbsoluteUri);
        var now = Now;
        var record = new SubscriptionRecord(NewId(), session.MailboxId, (int)request.Kind, position, JsonSerializer.Serialize(settings, Json))
        {
            Expires = request.Kind switch
            {
                SubscriptionKind.Pull => now + PullLifetime(settings.Timeout),
                SubscriptionKind.Streaming => now + options.StreamingIdleLifetime,
                _ => null,
            },
            // A push subscription is sent by the node it was made on, until that node stops renewing its lease.
            Holder = request.Kind == SubscriptionKind.Push ? node : null,
            HeldUntil = request.Kind == SubscriptionKind.Push ? now + options.PushLease : null,
        };
        if (!await store.AddSubscriptionAsync(record, options.MaxSubscriptionsPerUser, now, session.Cancellation))
        {
            throw new DomainException(ErrorCode.ExceededSubscriptionCount, "The account holds the most subscriptions it may.");
        }

        Counted(request.Kind, 1);
        if (request.Kind == SubscriptionKind.Push)
        {
            StartPushing(record);
        }

        var watermark = request.Kind == SubscriptionKind.Streaming ? null : Watermarks.Encode(session.MailboxId, position, store.SyncStateKey.Span);
        return new SubscribeResult(record.Id, watermark);
    }

    /// <summary>
    /// How long after its last GetEvents a pull subscription is kept: its Timeout, and a quarter more, so that the store
    /// is written at most about four times per Timeout however often the client calls (it never ends before its Timeout).
    /// </summary>
    private static TimeSpan PullLifetime(TimeSpan timeout) => timeout + timeout / 4;

    /// <summary>
    /// The events of a pull subscription after <paramref name="watermark"/> (the last one the client was given; an
    /// earlier one gets the events again). No events: a StatusEvent. Each call keeps the subscription alive for its Timeout.
    /// </summary>
    public async Task<Notification> GetEventsAsync(Session session, string id, string watermark)
    {
        var (record, settings) = await FindAsync(session, id, SubscriptionKind.Pull);
        var position = Watermarks.Decode(watermark, session.MailboxId, store.SyncStateKey.Span)
            ?? throw new DomainException(ErrorCode.InvalidWatermark, "The watermark is not valid for this subscription.");
        var now = Now;
        if (record.Expires is { } expires && expires < now + settings.Timeout)
        {
            await store.UpdateSubscriptionAsync(id, new SubscriptionChange { Expires = now + PullLifetime(settings.Timeout) }, session.Cancellation);
        }

        var page = await store.GetChangeLogAsync(session.MailboxId, position, options.MaxEntriesPerNotification, session.Cancellation);
        return Build(id, session.MailboxId, settings.Scope, position, page.Entries, page.Position, !page.IncludesLast, status: true)!;
    }

    public async Task UnsubscribeAsync(Session session, string id)
    {
        var (record, _) = await FindAsync(session, id, null);
        if (record.Kind == (int)SubscriptionKind.Push)
        {
            // Exchange ends a push subscription only by the answer to a SendNotification (exchangelib's test_push_subscribe).
            throw new DomainException(ErrorCode.InvalidSubscription, "A push subscription is ended by answering a notification with Unsubscribe.");
        }

        if (await store.RemoveSubscriptionAsync(id, session.Cancellation))
        {
            Counted((SubscriptionKind)record.Kind, -1);
        }

        // A connection of this node that delivers it closes now; one of another node finds it gone at its next check.
        Subscription? delivered;
        lock (gate)
        {
            local.TryGetValue(id, out delivered);
        }

        if (delivered is not null)
        {
            EndLocally(delivered);
        }
    }

    /// <summary>
    /// A GetStreamingEvents connection: the subscriptions' events as they happen, through <paramref name="write"/>, one
    /// part per batch, a keep-alive when there has been nothing for <see cref="NotificationOptions.KeepAliveInterval"/>,
    /// until <paramref name="timeoutMinutes"/> have passed or the server stops (<paramref name="stopping"/>): then a
    /// last part with ConnectionStatus Closed. A subscription taken by a newer connection (of this node or another)
    /// leaves this one; when none is left it closes. Any id that fails is answered alone, in one error part naming the
    /// failed ids, and the connection closes (Exchange gives no events with errors, exchangelib's
    /// test_streaming_invalid_subscription). The connection holds its subscriptions in the store and moves their
    /// positions on there as it delivers, so the next connection, on any node, goes on from there.
    /// </summary>
    public async Task StreamAsync(Session session, IReadOnlyList<string> ids, int timeoutMinutes, Func<StreamPart, Task> write, CancellationToken stopping)
    {
        var found = new List<SubscriptionRecord>();
        var failed = new List<string>();
        DomainException? error = null;
        foreach (var id in ids.Distinct(StringComparer.Ordinal))
        {
            try
            {
                found.Add((await FindAsync(session, id, SubscriptionKind.Streaming)).Record);
            }
            catch (DomainException e)
            {
                error ??= e;
                failed.Add(id);
            }
        }

        if (error is not null)
        {
            await write(new StreamPart([], true, error, failed));
            return;
        }

        var token = "stream-" + NewId();
        var deadline = Now + options.Minute * timeoutMinutes;
        var signal = new Signal();
        var owned = new List<Subscription>();
        foreach (var record in found)
        {
            // Held by this connection (whichever held it lets it go), kept while it lasts and its idle lifetime after.
            if (await store.UpdateSubscriptionAsync(record.Id, new SubscriptionChange { Take = token, Expires = deadline + options.StreamingIdleLifetime }, session.Cancellation))
            {
                var subscription = Attach(record);
                // A subscription is on one connection: the one of this node it was on lets it go (and closes if it has none left).
                var previous = Interlocked.Exchange(ref subscription.Signal, signal);
                previous?.Set();
                owned.Add(subscription);
            }
        }

        var lastWrite = DateTime.MinValue;
        var lastCheck = Now;
        NotificationMetrics.StreamOpened();
        try
        {
            await StreamLoopAsync();
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The server stops: the client is told (Outlook for Mac otherwise keeps polling a dead subscription).
            await write(new StreamPart([], true));
        }
        finally
        {
            NotificationMetrics.StreamClosed();
            await ReleaseAsync(owned, signal, token);
        }

        bool Mine(Subscription s) => ReferenceEquals(Volatile.Read(ref s.Signal), signal) && !s.Ended;

        async Task StreamLoopAsync()
        {
            while (true)
            {
                if (stopping.IsCancellationRequested)
                {
                    await write(new StreamPart([], true));
                    return;
                }

                if (Now - lastCheck >= options.HolderCheckInterval)
                {
                    lastCheck = Now;
                    await CheckHeldAsync(owned.Where(Mine).ToList(), token, session.Cancellation);
                }

                var mine = owned.Where(Mine).ToList();
                if (mine.Count == 0)
                {
                    await write(new StreamPart([], true));
                    return;
                }

                var batch = new List<(Subscription Subscription, long Position, bool Sent)>();
                var notifications = new List<Notification>();
                foreach (var subscription in mine)
                {
                    var (entries, position, more) = await ReadAsync(subscription, session.Cancellation);
                    var notification = Build(subscription.Id, subscription.MailboxId, subscription.Scope, subscription.Position, entries, position, more, status: false);
                    if (notification is not null)
                    {
                        notifications.Add(notification);
                    }

                    batch.Add((subscription, position, notification is not null));
                    if (more)
                    {
                        signal.Set();
                    }
                }

                if (notifications.Count > 0 || Now - lastWrite >= options.KeepAliveInterval)
                {
                    await write(new StreamPart(notifications, false));
                    lastWrite = Now;
                }

                // Delivered (or nothing to deliver): the subscriptions move on only once their part was sent, and in the
                // store once it carried events (what was skipped is read again, to no event, after a crash).
                foreach (var (subscription, position, sent) in batch)
                {
                    subscription.Position = Math.Max(subscription.Position, position);
                    if (sent && !await store.UpdateSubscriptionAsync(subscription.Id, new SubscriptionChange { Position = subscription.Position, IfHeldBy = token }, session.Cancellation))
                    {
                        // Unsubscribed, or taken by a connection of another node, meanwhile.
                        Detach(subscription, signal);
                    }
                }

                var remaining = deadline - Now;
                if (remaining <= TimeSpan.Zero)
                {
                    await write(new StreamPart([], true));
                    return;
                }

                var wait = Min(options.KeepAliveInterval - (Now - lastWrite), options.HolderCheckInterval - (Now - lastCheck), remaining);
                if (!await signal.WaitAsync(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, time, stopping, session.Cancellation))
                {
                    if (stopping.IsCancellationRequested)
                    {
                        await write(new StreamPart([], true));
                        return;
                    }
                }
            }
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b, TimeSpan c) => a < b ? (a < c ? a : c) : (b < c ? b : c);

    /// <summary>Which of a connection's subscriptions it no longer holds in the store (unsubscribed, or taken on another node): those leave it.</summary>
    private async Task CheckHeldAsync(List<Subscription> mine, string token, CancellationToken cancellationToken)
    {
        if (mine.Count == 0)
        {
            return;
        }

        var held = (await store.GetSubscriptionsAsync([.. mine.Select(s => s.Id)], Now, cancellationToken))
            .Where(r => r.Holder == token).Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var subscription in mine.Where(s => !held.Contains(s.Id)))
        {
            Detach(subscription, Volatile.Read(ref subscription.Signal));
        }
    }

    /// <summary>
    /// A connection ends: the subscriptions it still holds are let go in the store at the position delivered, to live
    /// their idle lifetime from now, and are no longer delivered here.
    /// </summary>
    private async Task ReleaseAsync(List<Subscription> owned, Signal signal, string token)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        foreach (var subscription in owned)
        {
            if (!ReferenceEquals(Volatile.Read(ref subscription.Signal), signal))
            {
                continue;
            }

            Detach(subscription, signal);
            try
            {
                await store.UpdateSubscriptionAsync(subscription.Id, new SubscriptionChange
                {
                    Position = subscription.Position,
                    Expires = Now + options.StreamingIdleLifetime,
                    Release = true,
                    IfHeldBy = token,
                }, limit.Token);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // It keeps the expiry its connection gave it; its position is where it was last moved on.
                log("Letting go of a streaming subscription failed", e);
            }
        }
    }

    /// <summary>
    /// The caller's live subscription <paramref name="id"/> of <paramref name="kind"/> (null: any), from the store: made
    /// on any node.
    /// </summary>
    private async Task<(SubscriptionRecord Record, Settings Settings)> FindAsync(Session session, string id, SubscriptionKind? kind)
    {
        if (!IsWellFormed(id))
        {
            throw new DomainException(ErrorCode.InvalidSubscription, "Subscription is invalid.");
        }

        var record = (await store.GetSubscriptionsAsync([id], Now, session.Cancellation)).FirstOrDefault()
            ?? throw new DomainException(ErrorCode.SubscriptionNotFound, "The specified subscription was not found.");
        if (record.MailboxId != session.MailboxId)
        {
            throw new DomainException(ErrorCode.SubscriptionAccessDenied, "The subscription belongs to another account.");
        }

        return kind is { } k && record.Kind != (int)k
            ? throw new DomainException(ErrorCode.InvalidSubscription, "The subscription is of another kind than this operation gets events for.")
            : (record, Read(record));
    }

    private static Settings Read(SubscriptionRecord record) =>
        JsonSerializer.Deserialize<Settings>(record.Settings, Json) ?? throw new InvalidOperationException("A subscription's settings are empty.");

    /// <summary>The local subscription of <paramref name="record"/> for its streaming connection: this node's if it has it, else a new one fed from its mailbox's window.</summary>
    private Subscription Attach(SubscriptionRecord record)
    {
        lock (gate)
        {
            if (local.TryGetValue(record.Id, out var existing) && !existing.Ended)
            {
                existing.Position = Math.Max(existing.Position, record.Position);
                return existing;
            }

            return Local(record);
        }
    }

    /// <summary>A local subscription of <paramref name="record"/>, in its feed (refreshed at the next look at the log). Under the gate.</summary>
    private Subscription Local(SubscriptionRecord record)
    {
        var settings = Read(record);
        var subscription = new Subscription(record.Id, record.MailboxId, (SubscriptionKind)record.Kind, settings.Scope)
        {
            Position = record.Position,
            StatusFrequency = TimeSpan.FromTicks(settings.StatusFrequencyTicks),
            Url = settings.Url is { } url ? new Uri(url) : null,
            Since = Now,
        };
        local[record.Id] = subscription;
        if (!feeds.TryGetValue(record.MailboxId, out var feed))
        {
            feed = new MailboxFeed(record.MailboxId, record.Position);
            feeds.Add(record.MailboxId, feed);
        }

        feed.Live.Add(subscription);
        subscription.Feed = feed;
        // Refreshed at the next look whatever the log cursor says: a change may have committed before the feed existed.
        feed.Dirty = true;
        wake.Set();
        return subscription;
    }

    /// <summary>A connection lets <paramref name="subscription"/> go here, if it is still the one delivering it.</summary>
    private void Detach(Subscription subscription, Signal? signal)
    {
        if (signal is not null && Interlocked.CompareExchange(ref subscription.Signal, null, signal) == signal)
        {
            EndLocally(subscription);
        }
    }

    /// <summary>This node no longer delivers <paramref name="subscription"/> (the store's row is the caller's business).</summary>
    private void EndLocally(Subscription subscription)
    {
        subscription.Ended = true;
        lock (gate)
        {
            if (local.TryGetValue(subscription.Id, out var current) && ReferenceEquals(current, subscription))
            {
                local.Remove(subscription.Id);
            }

            if (subscription.Feed is { } feed)
            {
                feed.Live.Remove(subscription);
                if (feed.Live.Count == 0)
                {
                    feeds.Remove(feed.MailboxId);
                }
            }
        }

        Volatile.Read(ref subscription.Signal)?.Set();
        subscription.PushStop.Cancel();
    }

    /// <summary>Ends a push subscription for good: its client said Unsubscribe, or kept failing.</summary>
    private async Task RemovePushAsync(Subscription subscription)
    {
        EndLocally(subscription);
        try
        {
            if (await store.RemoveSubscriptionAsync(subscription.Id, stop.Token))
            {
                Counted(SubscriptionKind.Push, -1);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            log("Removing an ended push subscription failed", e);
        }
    }

    /// <summary>
    /// The notification for <paramref name="entries"/> read after <paramref name="from"/> up to <paramref name="to"/>:
    /// each event carries its entry's position, the last one <paramref name="to"/> (so the next read starts after what
    /// was looked at, events or not). Null when nothing concerns the subscription and no <paramref name="status"/> is asked.
    /// </summary>
    private Notification? Build(string id, string mailboxId, SubscriptionScope scope, long from, IReadOnlyList<ChangeLogEntry> entries, long to, bool more, bool status)
    {
        var key = store.SyncStateKey.Span;
        var events = new List<NotificationEvent>();
        var now = Now;
        string? watermark = null;
        long seq = -1;
        foreach (var entry in entries)
        {
            if (entry.Seq != seq)
            {
                seq = entry.Seq;
                watermark = Watermarks.Encode(mailboxId, seq, key);
            }

            NotificationEvents.Add(events, entry, scope, watermark!, now);
        }

        var last = Watermarks.Encode(mailboxId, to, key);
        if (events.Count == 0)
        {
            if (!status)
            {
                return null;
            }

            events.Add(new NotificationEvent(NotificationEventKind.Status, last, now, false, "", ""));
        }
        else
        {
            events[^1] = events[^1] with { Watermark = last };
        }

        return new Notification(id, Watermarks.Encode(mailboxId, from, key), more, events);
    }

    /// <summary>A streaming or push subscription's entries after its position: from its mailbox's feed, or from the store when it is behind the feed.</summary>
    private async Task<(IReadOnlyList<ChangeLogEntry> Entries, long Position, bool More)> ReadAsync(Subscription subscription, CancellationToken cancellationToken)
    {
        var feed = subscription.Feed!;
        var max = options.MaxEntriesPerNotification;
        lock (feed)
        {
            if (subscription.Position >= feed.Base)
            {
                var start = feed.FirstAfter(subscription.Position);
                var end = start;
                while (end < feed.Entries.Count && (end - start < max || feed.Entries[end].Seq == feed.Entries[end - 1].Seq))
                {
                    end++;
                }

                var more = end < feed.Entries.Count;
                var taken = feed.Entries.GetRange(start, end - start);
                return (taken, more ? taken[^1].Seq : Math.Max(feed.Position, subscription.Position), more);
            }
        }

        var page = await store.GetChangeLogAsync(subscription.MailboxId, subscription.Position, max, cancellationToken);
        return (page.Entries, page.Position, !page.IncludesLast);
    }

    /// <summary>The store's wake-up: remembered for the loop, which is woken only when a feed here may have grown.</summary>
    private void OnChanged(IReadOnlyCollection<string>? mailboxes)
    {
        lock (gate)
        {
            if (feeds.Count == 0)
            {
                return;
            }

            if (mailboxes is null)
            {
                wokenAll = true;
            }
            else
            {
                var any = false;
                foreach (var mailbox in mailboxes)
                {
                    if (feeds.ContainsKey(mailbox))
                    {
                        wokenMailboxes.Add(mailbox);
                        any = true;
                    }
                }

                if (!any)
                {
                    return;
                }
            }
        }

        wake.Set();
    }

    /// <summary>
    /// The hub's loop: refreshes the feeds the store's wake-ups name (or, told to read the log, and at each slow poll,
    /// those the log says changed), renews and takes push leases, removes expired subscriptions and counts them. With
    /// no feed it reads no log at all.
    /// </summary>
    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var watch = store.WatchChanges(OnChanged);
        long cursor = -1;
        var nextPoll = DateTime.MinValue;
        var nextFull = Now + FullRefreshInterval;
        var nextLease = DateTime.MinValue;
        var nextSweep = DateTime.MinValue;
        var nextCount = DateTime.MinValue;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                bool all;
                HashSet<string> names;
                bool anyFeed;
                lock (gate)
                {
                    (all, wokenAll) = (wokenAll, false);
                    names = [.. wokenMailboxes];
                    wokenMailboxes.Clear();
                    anyFeed = feeds.Count > 0;
                }

                var now = Now;
                if (!anyFeed)
                {
                    // Nobody is delivered here: a feed made later is read whole first, so no cursor is needed meanwhile.
                    cursor = -1;
                }
                else
                {
                    if (all || cursor < 0 || now >= nextPoll)
                    {
                        var changed = await store.GetChangedMailboxesAsync(cursor, cancellationToken);
                        cursor = changed.Cursor;
                        names.UnionWith(changed.MailboxIds);
                        nextPoll = now + options.PollInterval;
                    }

                    var full = now >= nextFull;
                    if (full)
                    {
                        nextFull = now + FullRefreshInterval;
                    }

                    List<MailboxFeed> due;
                    lock (gate)
                    {
                        due = [.. feeds.Values.Where(f => full || f.Dirty || names.Contains(f.MailboxId))];
                    }

                    foreach (var feed in due)
                    {
                        await RefreshAsync(feed, cancellationToken);
                    }
                }

                if (now >= nextLease)
                {
                    nextLease = now + options.PushLease / 3;
                    await LeaseAsync(now, cancellationToken);
                }

                if (now >= nextSweep)
                {
                    nextSweep = now + SweepInterval;
                    await store.RemoveExpiredSubscriptionsAsync(now, cancellationToken);
                }

                if (now >= nextCount)
                {
                    nextCount = now + CountInterval;
                    var counted = await store.CountSubscriptionsAsync(now, cancellationToken);
                    var fresh = new int[counts.Length];
                    foreach (var (kind, count) in counted)
                    {
                        if (kind >= 0 && kind < fresh.Length)
                        {
                            fresh[kind] = count;
                        }
                    }

                    Volatile.Write(ref counts, fresh);
                }

                var next = nextLease < nextSweep ? nextLease : nextSweep;
                next = nextCount < next ? nextCount : next;
                lock (gate)
                {
                    if (feeds.Count > 0)
                    {
                        next = nextPoll < next ? nextPoll : next;
                        next = nextFull < next ? nextFull : next;
                    }
                }

                var wait = next - Now;
                await wake.WaitAsync(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, time, cancellationToken, CancellationToken.None);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log("Reading the change log for notifications failed", e);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Renews this node's push leases and takes those whose node stopped renewing (or that nobody holds): each is sent
    /// from here until its lease is lost. One that was lost (another node took it while this one stalled) stops here.
    /// </summary>
    private async Task LeaseAsync(DateTime now, CancellationToken cancellationToken)
    {
        var held = await store.LeaseSubscriptionsAsync((int)SubscriptionKind.Push, node, now, now + options.PushLease, cancellationToken);
        var ids = held.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        List<Subscription> lost;
        lock (gate)
        {
            lost = [.. local.Values.Where(s => s.Kind == SubscriptionKind.Push && s.Since < now && !ids.Contains(s.Id))];
        }

        foreach (var subscription in lost)
        {
            EndLocally(subscription);
        }

        foreach (var record in held)
        {
            StartPushing(record);
        }
    }

    /// <summary>Sends <paramref name="record"/>'s pushes from this node (its lease is this node's), unless they are sent from here already.</summary>
    private void StartPushing(SubscriptionRecord record)
    {
        Subscription subscription;
        lock (gate)
        {
            if (local.TryGetValue(record.Id, out var existing) && !existing.Ended)
            {
                return;
            }

            subscription = Local(record);
            subscription.Signal = new Signal();
        }

        subscription.Pusher = Task.Run(() => PushLoopAsync(subscription, stop.Token));
    }

    /// <summary>
    /// A push subscription's deliveries: what is new as soon as it is (a StatusEvent when StatusFrequency passed without
    /// any), posted to its URL; a failure is tried again after 30 s, 60 s, 120 s... until the client has failed for
    /// StatusFrequency minutes or <see cref="NotificationOptions.PushMaxAttempts"/> times, which ends the subscription,
    /// as does an answer of Unsubscribe. What the client took moves the position on in the store, while this node
    /// holds the lease; the node that takes it over goes on from there.
    /// </summary>
    private async Task PushLoopAsync(Subscription subscription, CancellationToken hubStop)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(hubStop, subscription.PushStop.Token);
        var cancellationToken = linked.Token;
        var lastSent = Now;
        var failures = 0;
        var failingSince = DateTime.MinValue;
        try
        {
            while (!subscription.Ended)
            {
                var (entries, position, more) = await ReadAsync(subscription, cancellationToken);
                var statusDue = Now - lastSent >= subscription.StatusFrequency;
                var notification = Build(subscription.Id, subscription.MailboxId, subscription.Scope, subscription.Position, entries, position, more, statusDue);
                if (notification is null)
                {
                    subscription.Position = Math.Max(subscription.Position, position);
                    if (more)
                    {
                        continue;
                    }

                    var wait = subscription.StatusFrequency - (Now - lastSent);
                    await subscription.Signal!.WaitAsync(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, time, cancellationToken, CancellationToken.None);
                    continue;
                }

                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(options.PushTimeout);
                PushAnswer answer;
                try
                {
                    answer = await push.SendAsync(subscription.Url!, notification, attempt.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    answer = PushAnswer.Failed;
                }

                switch (answer)
                {
                    case PushAnswer.Ok:
                        subscription.Position = Math.Max(subscription.Position, position);
                        lastSent = Now;
                        failures = 0;
                        if (!await store.UpdateSubscriptionAsync(subscription.Id, new SubscriptionChange { Position = subscription.Position, IfHeldBy = node }, cancellationToken))
                        {
                            // Its lease went to another node (this one stalled past it), or it ended: sent from there, not here.
                            EndLocally(subscription);
                            return;
                        }

                        break;
                    case PushAnswer.Unsubscribe:
                        await RemovePushAsync(subscription);
                        return;
                    default:
                        if (failures++ == 0)
                        {
                            failingSince = Now;
                        }

                        if (failures >= options.PushMaxAttempts || Now - failingSince >= subscription.StatusFrequency)
                        {
                            log($"Push subscription ended: {failures} deliveries to its URL failed", null);
                            await RemovePushAsync(subscription);
                            return;
                        }

                        var delay = options.PushFirstRetryDelay * Math.Pow(2, Math.Min(failures - 1, 20));
                        await Task.Delay(delay < options.PushMaxRetryDelay ? delay : options.PushMaxRetryDelay, time, cancellationToken);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // The lease stays until it lapses; this node, or another, takes it up again from the stored position.
            log("A push subscription failed", e);
            EndLocally(subscription);
        }
    }

    private static string NewId() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(IdBytes));

    private const int IdBytes = 24;

    private static bool IsWellFormed(string id)
    {
        Span<byte> bytes = stackalloc byte[IdBytes + 3];
        return id.Length == 32 && Convert.TryFromBase64String(id, bytes, out var n) && n == IdBytes;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        NotificationMetrics.Untrack(this);
        await stop.CancelAsync();
        List<Task> running;
        List<Subscription> pushing;
        lock (gate)
        {
            pushing = [.. local.Values.Where(s => s.Kind == SubscriptionKind.Push)];
            running = [.. pushing.Select(s => s.Pusher).OfType<Task>()];
        }

        if (poller is not null)
        {
            running.Add(poller);
        }

        try
        {
            await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
        }

        // A node that stops lets its push leases go at once, so that another node sends them without waiting for them to lapse.
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        foreach (var subscription in pushing.Where(s => !s.Ended))
        {
            try
            {
                await store.UpdateSubscriptionAsync(subscription.Id, new SubscriptionChange { Position = subscription.Position, Release = true, IfHeldBy = node }, limit.Token);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                log("Letting go of a push subscription's lease failed", e);
                break;
            }
        }

        stop.Dispose();
    }

    /// <summary>What the services keep of a subscription in the store's row (<see cref="SubscriptionRecord.Settings"/>).</summary>
    private sealed record Settings(string[]? Folders, EventTypes Events, string? InboxId, string? CalendarId, long TimeoutTicks, long StatusFrequencyTicks, string? Url)
    {
        public TimeSpan Timeout => TimeSpan.FromTicks(TimeoutTicks);

        public SubscriptionScope Scope => new(Folders?.ToHashSet(StringComparer.Ordinal), Events, InboxId, CalendarId);
    }

    /// <summary>A subscription this node delivers: a streaming one on a connection here, or a push one it holds the lease of.</summary>
    private sealed class Subscription(string id, string mailboxId, SubscriptionKind kind, SubscriptionScope scope)
    {
        public string Id { get; } = id;

        public string MailboxId { get; } = mailboxId;

        public SubscriptionKind Kind { get; } = kind;

        public SubscriptionScope Scope { get; } = scope;

        /// <summary>The log position delivered through.</summary>
        public long Position { get; set; }

        public TimeSpan StatusFrequency { get; init; }

        public Uri? Url { get; init; }

        /// <summary>When this node started delivering it (a lease read before then does not take it back).</summary>
        public DateTime Since { get; init; }

        public MailboxFeed? Feed { get; set; }

        /// <summary>What wakes whoever delivers this subscription's events: its streaming connection's, or its pusher's.</summary>
        public Signal? Signal;

        public Task? Pusher { get; set; }

        public CancellationTokenSource PushStop { get; } = new();

        public volatile bool Ended;
    }

    private async Task RefreshAsync(MailboxFeed feed, CancellationToken cancellationToken)
    {
        feed.Dirty = false;
        long position;
        lock (feed)
        {
            position = feed.Position;
        }

        var grew = false;
        for (var pages = 0; pages < 64; pages++)
        {
            var page = await store.GetChangeLogAsync(feed.MailboxId, position, 1_000, cancellationToken);
            lock (feed)
            {
                foreach (var entry in page.Entries)
                {
                    if (entry.Seq > feed.Position)
                    {
                        feed.Entries.Add(entry);
                        grew = true;
                    }
                }

                feed.Position = Math.Max(feed.Position, page.Position);
                position = feed.Position;
            }

            if (page.IncludesLast)
            {
                break;
            }
        }

        List<Subscription> live;
        lock (gate)
        {
            live = [.. feed.Live];
        }

        lock (feed)
        {
            // What every subscription has is dropped; a window too large for a subscription far behind is cut (it reads the store).
            var floor = live.Count == 0 ? feed.Position : Math.Min(live.Min(s => s.Position), feed.Position);
            feed.Trim(floor, 20_000);
        }

        if (grew)
        {
            foreach (var subscription in live)
            {
                Volatile.Read(ref subscription.Signal)?.Set();
            }
        }
    }

    /// <summary>
    /// A window of one mailbox's change log: every entry after <see cref="Base"/> up to <see cref="Position"/>, oldest
    /// first, for the streaming and push subscriptions of the mailbox (<see cref="Live"/>) to read from memory.
    /// </summary>
    private sealed class MailboxFeed(string mailboxId, long position)
    {
        public string MailboxId { get; } = mailboxId;

        public long Base { get; private set; } = position;

        public long Position { get; set; } = position;

        public List<ChangeLogEntry> Entries { get; } = [];

        public List<Subscription> Live { get; } = [];

        public volatile bool Dirty;

        /// <summary>The index of the first entry after <paramref name="position"/>.</summary>
        public int FirstAfter(long position)
        {
            int low = 0, high = Entries.Count;
            while (low < high)
            {
                var mid = (low + high) / 2;
                if (Entries[mid].Seq <= position)
                {
                    low = mid + 1;
                }
                else
                {
                    high = mid;
                }
            }

            return low;
        }

        public void Trim(long floor, int maxEntries)
        {
            var drop = FirstAfter(floor);
            if (Entries.Count - drop > maxEntries)
            {
                drop = Entries.Count - maxEntries;
                while (drop < Entries.Count && drop > 0 && Entries[drop].Seq == Entries[drop - 1].Seq)
                {
                    drop++;
                }
            }

            if (drop > 0)
            {
                Base = Math.Max(Base, Entries[drop - 1].Seq);
                Entries.RemoveRange(0, drop);
            }

            Base = Math.Max(Base, Math.Min(floor, Position));
        }
    }
}

/// <summary>A wake-up that is remembered until waited for (set twice before a wait: one wake).</summary>
internal sealed class Signal
{
    private readonly Channel<bool> channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Set() => channel.Writer.TryWrite(true);

    /// <summary>Waits until set (true), or until <paramref name="timeout"/> passed or a token is cancelled (false; a cancelled <paramref name="second"/> throws).</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken first, CancellationToken second)
    {
        if (channel.Reader.TryRead(out _))
        {
            return true;
        }

        using var limit = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(limit.Token, first, second);
        try
        {
            await channel.Reader.WaitToReadAsync(linked.Token);
            return channel.Reader.TryRead(out _);
        }
        catch (OperationCanceledException) when (!second.IsCancellationRequested)
        {
            return false;
        }
    }
}
