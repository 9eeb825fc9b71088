using System.Security.Cryptography;
using System.Threading.Channels;
using Rendezvous.Domain;
using Rendezvous.Store;

namespace Rendezvous.Services;

/// <summary>
/// Subscribe, GetEvents, GetStreamingEvents and Unsubscribe, and the push deliveries ([MS-OXWSNTIF]). Every event comes
/// from the store's change log: a subscription is a position in its mailbox's log, so nothing is missed between two
/// GetEvents or while no streaming connection is open, whichever process wrote the change. Pull subscriptions read the
/// log from the client's watermark; streaming and push subscriptions read a per-mailbox window of it kept here
/// (<see cref="MailboxFeed"/>), refreshed once per change however many subscriptions watch the mailbox, and are woken
/// when it grows. The subscriptions themselves live in this process (a restart loses them, as Exchange's EWS process
/// does: ErrorSubscriptionNotFound, and the client subscribes again from its watermark).
/// </summary>
public sealed class NotificationHub : IAsyncDisposable
{
    private readonly IMailStore store;
    private readonly NotificationOptions options;
    private readonly TimeProvider time;
    private readonly IPushSender push;
    private readonly Action<string, Exception?> log;
    private readonly Lock gate = new();
    private readonly Dictionary<string, Subscription> subscriptions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MailboxFeed> feeds = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource stop = new();
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

    /// <summary>Adds the live subscriptions of each kind to <paramref name="totals"/> (indexed by <see cref="SubscriptionKind"/>).</summary>
    internal void CountSubscriptions(int[] totals)
    {
        lock (gate)
        {
            foreach (var subscription in subscriptions.Values)
            {
                if (!subscription.Ended)
                {
                    totals[(int)subscription.Kind]++;
                }
            }
        }
    }

    /// <summary>Starts watching the change log.</summary>
    public void Start() => poller ??= Task.Run(() => PollAsync(stop.Token));

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
        var subscription = new Subscription(NewId(), session.MailboxId, request.Kind, new SubscriptionScope(folders, request.Events, inbox?.Id, calendar?.Id))
        {
            Position = position,
            LastContact = Now,
            Timeout = options.Minute * request.TimeoutMinutes,
            StatusFrequency = options.Minute * request.StatusFrequencyMinutes,
            Url = url,
        };
        lock (gate)
        {
            if (subscriptions.Values.Count(s => s.MailboxId == session.MailboxId) >= options.MaxSubscriptionsPerUser)
            {
                throw new DomainException(ErrorCode.ExceededSubscriptionCount, "The account holds the most subscriptions it may.");
            }

            subscriptions.Add(subscription.Id, subscription);
            if (request.Kind != SubscriptionKind.Pull)
            {
                if (!feeds.TryGetValue(session.MailboxId, out var feed))
                {
                    feed = new MailboxFeed(session.MailboxId, position);
                    feeds.Add(session.MailboxId, feed);
                }

                feed.Live.Add(subscription);
                subscription.Feed = feed;
                // Refreshed at the next poll whatever the log cursor says: a change may have committed before the feed existed.
                feed.Dirty = true;
            }
        }

        if (request.Kind == SubscriptionKind.Push)
        {
            subscription.Signal = new Signal();
            subscription.Pusher = Task.Run(() => PushLoopAsync(subscription, stop.Token));
        }

        var watermark = request.Kind == SubscriptionKind.Streaming ? null : Watermarks.Encode(session.MailboxId, position, store.SyncStateKey.Span);
        return new SubscribeResult(subscription.Id, watermark);
    }

    /// <summary>
    /// The events of a pull subscription after <paramref name="watermark"/> (the last one the client was given; an
    /// earlier one gets the events again). No events: a StatusEvent. Each call keeps the subscription alive for its Timeout.
    /// </summary>
    public async Task<Notification> GetEventsAsync(Session session, string id, string watermark)
    {
        var subscription = Find(session, id, SubscriptionKind.Pull);
        var position = Watermarks.Decode(watermark, session.MailboxId, store.SyncStateKey.Span)
            ?? throw new DomainException(ErrorCode.InvalidWatermark, "The watermark is not valid for this subscription.");
        subscription.LastContact = Now;
        var page = await store.GetChangeLogAsync(session.MailboxId, position, options.MaxEntriesPerNotification, session.Cancellation);
        subscription.LastContact = Now;
        return Build(subscription, position, page.Entries, page.Position, !page.IncludesLast, status: true)!;
    }

    public Task UnsubscribeAsync(Session session, string id)
    {
        var subscription = Find(session, id, null);
        if (subscription.Kind == SubscriptionKind.Push)
        {
            // Exchange ends a push subscription only by the answer to a SendNotification (exchangelib's test_push_subscribe).
            throw new DomainException(ErrorCode.InvalidSubscription, "A push subscription is ended by answering a notification with Unsubscribe.");
        }

        End(subscription);
        return Task.CompletedTask;
    }

    /// <summary>
    /// A GetStreamingEvents connection: the subscriptions' events as they happen, through <paramref name="write"/>, one
    /// part per batch, a keep-alive when there has been nothing for <see cref="NotificationOptions.KeepAliveInterval"/>,
    /// until <paramref name="timeoutMinutes"/> have passed or the server stops (<paramref name="stopping"/>): then a
    /// last part with ConnectionStatus Closed. A subscription taken by a newer connection leaves this one; when none is
    /// left it closes. Any id that fails is answered alone, in one error part naming the failed ids, and the connection
    /// closes (Exchange gives no events with errors, exchangelib's test_streaming_invalid_subscription).
    /// </summary>
    public async Task StreamAsync(Session session, IReadOnlyList<string> ids, int timeoutMinutes, Func<StreamPart, Task> write, CancellationToken stopping)
    {
        var owned = new List<Subscription>();
        var failed = new List<string>();
        DomainException? error = null;
        foreach (var id in ids.Distinct(StringComparer.Ordinal))
        {
            try
            {
                owned.Add(Find(session, id, SubscriptionKind.Streaming));
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

        var signal = new Signal();
        foreach (var subscription in owned)
        {
            // A subscription is on one connection: the one it was on lets it go (and closes if it has none left).
            var previous = Interlocked.Exchange(ref subscription.Signal, signal);
            previous?.Set();
        }

        var deadline = Now + options.Minute * timeoutMinutes;
        var lastWrite = DateTime.MinValue;
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
            foreach (var subscription in owned)
            {
                subscription.LastContact = Now;
                Interlocked.CompareExchange(ref subscription.Signal, null, signal);
            }
        }

        async Task StreamLoopAsync()
        {
            while (true)
            {
                if (stopping.IsCancellationRequested)
                {
                    await write(new StreamPart([], true));
                    return;
                }

                var mine = owned.Where(s => ReferenceEquals(Volatile.Read(ref s.Signal), signal) && !s.Ended).ToList();
                if (mine.Count == 0)
                {
                    await write(new StreamPart([], true));
                    return;
                }

                var batch = new List<(Subscription Subscription, long Position)>();
                var notifications = new List<Notification>();
                foreach (var subscription in mine)
                {
                    subscription.LastContact = Now;
                    var (entries, position, more) = await ReadAsync(subscription, session.Cancellation);
                    if (Build(subscription, subscription.Position, entries, position, more, status: false) is { } notification)
                    {
                        notifications.Add(notification);
                    }

                    batch.Add((subscription, position));
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

                // Delivered (or nothing to deliver): the subscriptions move on only once their part was sent.
                foreach (var (subscription, position) in batch)
                {
                    subscription.Position = Math.Max(subscription.Position, position);
                }

                var remaining = deadline - Now;
                if (remaining <= TimeSpan.Zero)
                {
                    await write(new StreamPart([], true));
                    return;
                }

                var wait = options.KeepAliveInterval - (Now - lastWrite);
                if (!await signal.WaitAsync(wait < remaining ? (wait > TimeSpan.Zero ? wait : TimeSpan.Zero) : remaining, time, stopping, session.Cancellation))
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

    /// <summary>The caller's subscription <paramref name="id"/> of <paramref name="kind"/> (null: any), alive.</summary>
    private Subscription Find(Session session, string id, SubscriptionKind? kind)
    {
        if (!IsWellFormed(id))
        {
            throw new DomainException(ErrorCode.InvalidSubscription, "Subscription is invalid.");
        }

        Subscription? subscription;
        lock (gate)
        {
            subscriptions.TryGetValue(id, out subscription);
        }

        if (subscription is null || subscription.Ended || Expired(subscription, Now))
        {
            if (subscription is not null)
            {
                End(subscription);
            }

            throw new DomainException(ErrorCode.SubscriptionNotFound, "The specified subscription was not found.");
        }

        if (subscription.MailboxId != session.MailboxId)
        {
            throw new DomainException(ErrorCode.SubscriptionAccessDenied, "The subscription belongs to another account.");
        }

        return kind is { } k && subscription.Kind != k
            ? throw new DomainException(ErrorCode.InvalidSubscription, "The subscription is of another kind than this operation gets events for.")
            : subscription;
    }

    private bool Expired(Subscription s, DateTime now) => s.Kind switch
    {
        SubscriptionKind.Pull => now - s.LastContact > s.Timeout,
        SubscriptionKind.Streaming => Volatile.Read(ref s.Signal) is null && now - s.LastContact > options.StreamingIdleLifetime,
        _ => false,
    };

    private void End(Subscription subscription)
    {
        subscription.Ended = true;
        lock (gate)
        {
            subscriptions.Remove(subscription.Id);
            if (subscription.Feed is { } feed)
            {
                feed.Live.Remove(subscription);
                if (feed.Live.Count == 0)
                {
                    feeds.Remove(feed.MailboxId);
                }
            }
        }

        subscription.Signal?.Set();
        subscription.PushStop.Cancel();
    }

    /// <summary>
    /// The notification for <paramref name="entries"/> read after <paramref name="from"/> up to <paramref name="to"/>:
    /// each event carries its entry's position, the last one <paramref name="to"/> (so the next read starts after what
    /// was looked at, events or not). Null when nothing concerns the subscription and no <paramref name="status"/> is asked.
    /// </summary>
    private Notification? Build(Subscription subscription, long from, IReadOnlyList<ChangeLogEntry> entries, long to, bool more, bool status)
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
                watermark = Watermarks.Encode(subscription.MailboxId, seq, key);
            }

            NotificationEvents.Add(events, entry, subscription.Scope, watermark!, now);
        }

        var last = Watermarks.Encode(subscription.MailboxId, to, key);
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

        return new Notification(subscription.Id, Watermarks.Encode(subscription.MailboxId, from, key), more, events);
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

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        long cursor = -1;
        var lastFull = Now;
        var lastSweep = Now;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var changed = await store.GetChangedMailboxesAsync(cursor, cancellationToken);
                cursor = changed.Cursor;
                var now = Now;
                // Every feed is read again now and then: a change whose log row did not pass the cursor (a rowid reused
                // after a user's removal) is seen late, never lost.
                var full = now - lastFull > TimeSpan.FromSeconds(5);
                if (full)
                {
                    lastFull = now;
                }

                List<MailboxFeed> due;
                var names = changed.MailboxIds.ToHashSet(StringComparer.Ordinal);
                lock (gate)
                {
                    due = [.. feeds.Values.Where(f => full || f.Dirty || names.Contains(f.MailboxId))];
                }

                foreach (var feed in due)
                {
                    await RefreshAsync(feed, cancellationToken);
                }

                if (now - lastSweep > TimeSpan.FromSeconds(1))
                {
                    lastSweep = now;
                    Sweep(now);
                }

                await Task.Delay(options.PollInterval, time, cancellationToken);
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

    private void Sweep(DateTime now)
    {
        List<Subscription> expired;
        lock (gate)
        {
            expired = [.. subscriptions.Values.Where(s => Expired(s, now))];
        }

        foreach (var subscription in expired)
        {
            End(subscription);
        }
    }

    /// <summary>
    /// A push subscription's deliveries: what is new as soon as it is (a StatusEvent when StatusFrequency passed without
    /// any), posted to its URL; a failure is tried again after 30 s, 60 s, 120 s... until the client has failed for
    /// StatusFrequency minutes or <see cref="NotificationOptions.PushMaxAttempts"/> times, which ends the subscription,
    /// as does an answer of Unsubscribe.
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
                var notification = Build(subscription, subscription.Position, entries, position, more, statusDue);
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
                        break;
                    case PushAnswer.Unsubscribe:
                        End(subscription);
                        return;
                    default:
                        if (failures++ == 0)
                        {
                            failingSince = Now;
                        }

                        if (failures >= options.PushMaxAttempts || Now - failingSince >= subscription.StatusFrequency)
                        {
                            log($"Push subscription ended: {failures} deliveries to its URL failed", null);
                            End(subscription);
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
            log("A push subscription failed", e);
            End(subscription);
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
        lock (gate)
        {
            running = [.. subscriptions.Values.Select(s => s.Pusher).OfType<Task>()];
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

        stop.Dispose();
    }

    private sealed class Subscription(string id, string mailboxId, SubscriptionKind kind, SubscriptionScope scope)
    {
        public string Id { get; } = id;

        public string MailboxId { get; } = mailboxId;

        public SubscriptionKind Kind { get; } = kind;

        public SubscriptionScope Scope { get; } = scope;

        /// <summary>The log position delivered through (streaming and push).</summary>
        public long Position { get; set; }

        public DateTime LastContact { get; set; }

        public TimeSpan Timeout { get; init; }

        public TimeSpan StatusFrequency { get; init; }

        public Uri? Url { get; init; }

        public MailboxFeed? Feed { get; set; }

        /// <summary>What wakes whoever delivers this subscription's events: its streaming connection's, or its pusher's.</summary>
        public Signal? Signal;

        public Task? Pusher { get; set; }

        public CancellationTokenSource PushStop { get; } = new();

        public volatile bool Ended;
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
