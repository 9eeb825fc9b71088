using Rendezvous.Store;

namespace Rendezvous.Tests;

/// <summary>
/// Subscriptions in the store (issue 19 §5), on both stores: two stores over one database are two nodes, so what one
/// adds, moves on, takes or removes the other sees.
/// </summary>
public abstract partial class StoreContractTests
{
    private static readonly DateTime T0 = new(2026, 12, 3, 15, 0, 0, DateTimeKind.Utc);

    private static SubscriptionRecord Subscription(string mailboxId, int kind, DateTime? expires, string? holder = null, DateTime? heldUntil = null) =>
        new(Guid.NewGuid().ToString("N"), mailboxId, kind, 7, "{\"folders\":null}") { Expires = expires, Holder = holder, HeldUntil = heldUntil };

    [Fact]
    public async Task A_subscription_added_through_one_store_is_read_moved_on_and_removed_through_another()
    {
        var a = await OpenAsync();
        var b = await OpenAsync();
        var (user, _) = await UserAsync(a, "subs@example.com");
        var pull = Subscription(user.MailboxId, 0, T0.AddMinutes(30));
        Assert.True(await a.AddSubscriptionAsync(pull, 10, T0, CancellationToken.None));

        var read = Assert.Single(await b.GetSubscriptionsAsync([pull.Id, "absent"], T0, CancellationToken.None));
        Assert.Equal(pull, read);

        // The position only rises; the expiry moves.
        Assert.True(await b.UpdateSubscriptionAsync(pull.Id, new SubscriptionChange { Position = 12, Expires = T0.AddMinutes(40) }, CancellationToken.None));
        Assert.True(await b.UpdateSubscriptionAsync(pull.Id, new SubscriptionChange { Position = 9 }, CancellationToken.None));
        read = Assert.Single(await a.GetSubscriptionsAsync([pull.Id], T0, CancellationToken.None));
        Assert.Equal((12L, T0.AddMinutes(40)), (read.Position, read.Expires));

        // Expired: not read, not counted, removed by the sweep.
        Assert.Empty(await a.GetSubscriptionsAsync([pull.Id], T0.AddMinutes(41), CancellationToken.None));
        Assert.Equal(1, (await b.CountSubscriptionsAsync(T0, CancellationToken.None))[0]);
        Assert.False((await b.CountSubscriptionsAsync(T0.AddMinutes(41), CancellationToken.None)).ContainsKey(0));

        Assert.True(await a.RemoveSubscriptionAsync(pull.Id, CancellationToken.None));
        Assert.False(await b.RemoveSubscriptionAsync(pull.Id, CancellationToken.None));
        Assert.Empty(await b.GetSubscriptionsAsync([pull.Id], T0, CancellationToken.None));
        Assert.False(await b.UpdateSubscriptionAsync(pull.Id, new SubscriptionChange { Position = 20 }, CancellationToken.None));

        var old = Subscription(user.MailboxId, 2, T0.AddMinutes(1));
        var push = Subscription(user.MailboxId, 1, null);
        Assert.True(await a.AddSubscriptionAsync(old, 10, T0, CancellationToken.None));
        Assert.True(await a.AddSubscriptionAsync(push, 10, T0, CancellationToken.None));
        Assert.Equal(1, await b.RemoveExpiredSubscriptionsAsync(T0.AddMinutes(2), CancellationToken.None));
        Assert.Equal([push.Id], (await a.GetSubscriptionsAsync([old.Id, push.Id], T0.AddYears(1), CancellationToken.None)).Select(s => s.Id));
    }

    [Fact]
    public async Task A_mailbox_holds_at_most_its_limit_of_live_subscriptions_and_a_removed_user_none()
    {
        var store = await OpenAsync();
        var (user, _) = await UserAsync(store, "limit@example.com");
        Assert.True(await store.AddSubscriptionAsync(Subscription(user.MailboxId, 0, T0.AddMinutes(1)), 2, T0, CancellationToken.None));
        Assert.True(await store.AddSubscriptionAsync(Subscription(user.MailboxId, 0, T0.AddMinutes(30)), 2, T0, CancellationToken.None));
        Assert.False(await store.AddSubscriptionAsync(Subscription(user.MailboxId, 0, T0.AddMinutes(30)), 2, T0, CancellationToken.None));
        // One of the two has expired by then: room for another.
        Assert.True(await store.AddSubscriptionAsync(Subscription(user.MailboxId, 0, T0.AddMinutes(30)), 2, T0.AddMinutes(2), CancellationToken.None));

        Assert.True(await store.RemoveUserAsync("limit@example.com", CancellationToken.None));
        Assert.Empty(await store.CountSubscriptionsAsync(T0, CancellationToken.None));
    }

    [Fact]
    public async Task A_streaming_subscription_taken_by_another_connection_is_moved_on_only_by_that_one()
    {
        var a = await OpenAsync();
        var b = await OpenAsync();
        var (user, _) = await UserAsync(a, "stream@example.com");
        var streaming = Subscription(user.MailboxId, 2, T0.AddMinutes(30));
        Assert.True(await a.AddSubscriptionAsync(streaming, 10, T0, CancellationToken.None));

        Assert.True(await a.UpdateSubscriptionAsync(streaming.Id, new SubscriptionChange { Take = "first" }, CancellationToken.None));
        Assert.True(await b.UpdateSubscriptionAsync(streaming.Id, new SubscriptionChange { Take = "second" }, CancellationToken.None));
        Assert.False(await a.UpdateSubscriptionAsync(streaming.Id, new SubscriptionChange { Position = 50, IfHeldBy = "first" }, CancellationToken.None));
        Assert.True(await b.UpdateSubscriptionAsync(streaming.Id, new SubscriptionChange { Position = 40, IfHeldBy = "second" }, CancellationToken.None));
        Assert.False(await a.UpdateSubscriptionAsync(streaming.Id, new SubscriptionChange { Release = true, IfHeldBy = "first" }, CancellationToken.None));
        Assert.True(await b.UpdateSubscriptionAsync(streaming.Id, new SubscriptionChange { Release = true, IfHeldBy = "second", Expires = T0.AddMinutes(60) }, CancellationToken.None));

        var read = Assert.Single(await a.GetSubscriptionsAsync([streaming.Id], T0, CancellationToken.None));
        Assert.Equal((40L, (string?)null, (DateTime?)T0.AddMinutes(60)), (read.Position, read.Holder, read.Expires));
    }

    [Fact]
    public async Task A_push_lease_is_held_by_one_node_at_a_time_and_taken_over_once_its_holder_stops_renewing()
    {
        var a = await OpenAsync();
        var b = await OpenAsync();
        var (user, _) = await UserAsync(a, "lease@example.com");
        var push = Subscription(user.MailboxId, 1, null, holder: "node-a", heldUntil: T0.AddSeconds(30));
        Assert.True(await a.AddSubscriptionAsync(push, 10, T0, CancellationToken.None));
        Assert.True(await a.AddSubscriptionAsync(Subscription(user.MailboxId, 0, T0.AddMinutes(30)), 10, T0, CancellationToken.None));

        // Held: the other node gets nothing; the holder renews it.
        Assert.Empty(await b.LeaseSubscriptionsAsync(1, "node-b", T0.AddSeconds(10), T0.AddSeconds(40), CancellationToken.None));
        var renewed = Assert.Single(await a.LeaseSubscriptionsAsync(1, "node-a", T0.AddSeconds(10), T0.AddSeconds(40), CancellationToken.None));
        Assert.Equal((push.Id, "node-a", (DateTime?)T0.AddSeconds(40)), (renewed.Id, renewed.Holder, renewed.HeldUntil));
        Assert.Empty(await b.LeaseSubscriptionsAsync(1, "node-b", T0.AddSeconds(39), T0.AddSeconds(69), CancellationToken.None));

        // Node a stops renewing (it died): once its lease has passed, node b takes it, and a's renewal no longer holds it.
        var taken = Assert.Single(await b.LeaseSubscriptionsAsync(1, "node-b", T0.AddSeconds(41), T0.AddSeconds(71), CancellationToken.None));
        Assert.Equal((push.Id, "node-b", 7L), (taken.Id, taken.Holder, taken.Position));
        Assert.Empty(await a.LeaseSubscriptionsAsync(1, "node-a", T0.AddSeconds(42), T0.AddSeconds(72), CancellationToken.None));
        Assert.False(await a.UpdateSubscriptionAsync(push.Id, new SubscriptionChange { Position = 9, IfHeldBy = "node-a" }, CancellationToken.None));

        // Nobody holds a new one: the first node to look takes it.
        var free = Subscription(user.MailboxId, 1, null);
        Assert.True(await a.AddSubscriptionAsync(free, 10, T0, CancellationToken.None));
        Assert.Equal([free.Id], (await a.LeaseSubscriptionsAsync(1, "node-a", T0.AddSeconds(50), T0.AddSeconds(80), CancellationToken.None)).Select(s => s.Id));
    }

    [Fact]
    public async Task A_watcher_is_woken_by_a_change_this_store_commits_and_no_longer_once_disposed()
    {
        var store = await OpenAsync();
        var (user, inbox) = await UserAsync(store, "watch@example.com");
        var woken = System.Threading.Channels.Channel.CreateUnbounded<IReadOnlyCollection<string>?>();
        var watch = store.WatchChanges(m => woken.Writer.TryWrite(m));
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            await InsertAsync(store, NewItem(user.MailboxId, inbox.Id, "wake"));
            // Either the mailbox (PostgreSQL's NOTIFY) or "read the log" (SQLite; PostgreSQL once listening).
            while (true)
            {
                var mailboxes = await woken.Reader.ReadAsync(timeout.Token);
                if (mailboxes is null || mailboxes.Contains(user.MailboxId))
                {
                    break;
                }
            }
        }

        watch.Dispose();
        await Task.Delay(200);
        while (woken.Reader.TryRead(out _))
        {
        }

        await InsertAsync(store, NewItem(user.MailboxId, inbox.Id, "unwatched"));
        await Task.Delay(500);
        Assert.False(woken.Reader.TryRead(out _));
    }
}
