namespace Rendezvous.Store;

/// <summary>
/// A notification subscription as the store keeps it (issue 19 §5: every node of a server sees every subscription).
/// The store knows its identity, owner, kind (the services' SubscriptionKind, as a number), the change log position it
/// was delivered through, when it expires, and who holds it; <see cref="Settings"/> (its folders, event types, push URL,
/// timeouts) is the services' own text, kept as given.
/// </summary>
public sealed record SubscriptionRecord(string Id, string MailboxId, int Kind, long Position, string Settings)
{
    /// <summary>After this it is gone (null: never by time, a push subscription).</summary>
    public DateTime? Expires { get; init; }

    /// <summary>Who delivers it: a streaming connection's token, or the node sending its pushes (null: nobody).</summary>
    public string? Holder { get; init; }

    /// <summary>Until when <see cref="Holder"/> holds it without renewing (a push lease); null: until it lets go.</summary>
    public DateTime? HeldUntil { get; init; }
}

/// <summary>
/// What <see cref="IMailStore.UpdateSubscriptionAsync"/> changes (null: left as it is), and on what condition
/// (<see cref="IfHeldBy"/>): a connection taken over by another moves nothing on.
/// </summary>
public sealed record SubscriptionChange
{
    /// <summary>The position is raised to at least this (never lowered).</summary>
    public long? Position { get; init; }

    public DateTime? Expires { get; init; }

    /// <summary>The subscription is taken by this holder (whoever held it before).</summary>
    public string? Take { get; init; }

    /// <summary>The holder lets it go (no holder afterwards).</summary>
    public bool Release { get; init; }

    /// <summary>Only when this one holds it.</summary>
    public string? IfHeldBy { get; init; }
}

/// <summary>Subscriptions and the wake-up for changes, both stores (SQLite migration 19, PostgreSQL migration 6).</summary>
public partial interface IMailStore
{
    /// <summary>
    /// Adds <paramref name="subscription"/> unless its mailbox already holds <paramref name="maxPerMailbox"/> that are
    /// not expired at <paramref name="now"/> (false, nothing added).
    /// </summary>
    Task<bool> AddSubscriptionAsync(SubscriptionRecord subscription, int maxPerMailbox, DateTime now, CancellationToken cancellationToken);

    /// <summary>The subscriptions among <paramref name="ids"/> that exist and have not expired at <paramref name="now"/>.</summary>
    Task<IReadOnlyList<SubscriptionRecord>> GetSubscriptionsAsync(IReadOnlyCollection<string> ids, DateTime now, CancellationToken cancellationToken);

    /// <summary>Applies <paramref name="change"/> to the subscription <paramref name="id"/>; false when it is gone or its condition fails.</summary>
    Task<bool> UpdateSubscriptionAsync(string id, SubscriptionChange change, CancellationToken cancellationToken);

    /// <summary>Removes the subscription <paramref name="id"/>; false when it was not there.</summary>
    Task<bool> RemoveSubscriptionAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// The lease of the subscriptions of <paramref name="kind"/>: renews those <paramref name="holder"/> holds and takes
    /// those nobody holds or whose holder's lease passed <paramref name="now"/> (its node died), all until
    /// <paramref name="until"/>, in one write; returns every live one <paramref name="holder"/> now holds. So each is
    /// held by one holder at a time, and another takes it once its holder stops renewing. Writes nothing when there is
    /// nothing to renew or take.
    /// </summary>
    Task<IReadOnlyList<SubscriptionRecord>> LeaseSubscriptionsAsync(int kind, string holder, DateTime now, DateTime until, CancellationToken cancellationToken);

    /// <summary>Removes the subscriptions expired at <paramref name="now"/>; how many.</summary>
    Task<int> RemoveExpiredSubscriptionsAsync(DateTime now, CancellationToken cancellationToken);

    /// <summary>The live subscriptions at <paramref name="now"/>, counted by kind (kinds without any left out).</summary>
    Task<IReadOnlyDictionary<int, int>> CountSubscriptionsAsync(DateTime now, CancellationToken cancellationToken);

    /// <summary>
    /// Calls <paramref name="changed"/> when changes may have been logged, until the result is disposed: with the
    /// mailboxes they are for when the store knows them (PostgreSQL's NOTIFY, any node), or null: read the log from
    /// where you were (SQLite: after each of this process's writes; PostgreSQL: after its listening connection was
    /// lost and made again, when notifications may have been missed). A wake-up only: the change log is the truth, and
    /// a writer that is not watched (another process on a SQLite file) is seen by the watcher's own slower poll.
    /// The callback must be quick (it runs on the store's thread).
    /// </summary>
    IDisposable WatchChanges(Action<IReadOnlyCollection<string>?> changed);
}
