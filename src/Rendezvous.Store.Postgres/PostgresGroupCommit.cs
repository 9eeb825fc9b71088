using System.Threading.Channels;
using Npgsql;

namespace Rendezvous.Store.Postgres;

/// <summary>
/// The process's writer, with group commit, as the SQLite store's: writes that arrive while a commit is being made
/// durable wait, then go together into the next transaction, one savepoint each, and share its commit (one WAL flush).
/// Bench, issue 19: committed one by one, writes to the same mailboxes (a meeting's attendees) each held their counter
/// rows through a whole fsync, so they ran one fsync apart. Each write still succeeds or fails alone (rolled back to its
/// savepoint), and its caller hears back only once it is durable. Only the order within one process is this writer's:
/// across nodes the database's row locks order the writes, so nothing correct depends on it.
/// Issue 19 §5: each write names the mailboxes it will number (<see cref="CounterClaim"/>), and the group locks the
/// union of their counter rows, sorted, in its first round trip, before any write runs. Locked write by write, two
/// nodes' groups took the same rows in opposite orders (node A {a, c} then {b, d}, node B {b} then {c}) and could only
/// deadlock. A write that turns out to number a mailbox outside the lock fails alone and runs again in a later group,
/// its claim grown by that mailbox (<see cref="UndeclaredMailboxException"/>). The values read with the lock also let
/// a write send its numbers with its rows (<see cref="GroupCounters"/>), so the lock is held for fewer round trips.
/// </summary>
internal sealed class PostgresGroupCommit : IAsyncDisposable
{
    // Enough to share a flush among every request a small server has in flight, small enough to bound a write's wait.
    private const int MaxBatch = 64;

    // A write that lost a deadlock (or a serialization failure) is run again this many times in all, then surfaces as a
    // ConcurrencyException, which the services already retry or answer with ErrorConflict.
    private const int Attempts = 5;

    private readonly Channel<Pending> queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly NpgsqlDataSource dataSource;
    private readonly Task loop;
    private long retried;
    private long redeclared;

    public PostgresGroupCommit(NpgsqlDataSource dataSource)
    {
        this.dataSource = dataSource;
        loop = Task.Run(RunAsync);
    }

    /// <summary>How many writes were run again after a deadlock or serialization failure.</summary>
    public long Retried => Interlocked.Read(ref retried);

    /// <summary>How many writes were run again because they numbered a mailbox their claim did not name.</summary>
    public long Redeclared => Interlocked.Read(ref redeclared);

    /// <summary>
    /// Runs <paramref name="work"/> in the writer's transaction and returns once that transaction is durable. A write
    /// whose request is cancelled before its turn is dropped; once started, it is written whole or rolled back whole.
    /// The work may run more than once (after a deadlock): it must set everything it writes each time. It numbers no
    /// mailbox but a brand-new one (see <see cref="WriteScope.Counters"/>).
    /// </summary>
    public Task WriteAsync(Func<NpgsqlConnection, NpgsqlTransaction, Task> work, CancellationToken cancellationToken) =>
        WriteAsync((connection, tx, _) => work(connection, tx), null, ownSavepoint: false, cancellationToken);

    /// <summary>
    /// <see cref="WriteAsync(Func{NpgsqlConnection, NpgsqlTransaction, Task}, CancellationToken)"/> for a work that
    /// numbers the mailboxes <paramref name="claim"/> names, through <see cref="WriteScope.Counters"/>. With
    /// <paramref name="ownSavepoint"/> the work sends its own savepoint (<see cref="WriteScope.Savepoint"/>, first in its
    /// first round trip) and names every mailbox it logs a change for (<see cref="WriteScope.Logged"/>): one round trip
    /// fewer a write, and no read of the log to notify.
    /// </summary>
    public Task WriteAsync(Func<NpgsqlConnection, NpgsqlTransaction, WriteScope, Task> work, CounterClaim? claim, bool ownSavepoint, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new Pending(work, claim, ownSavepoint, cancellationToken);
        if (!queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(PostgresMailStore));
        }

        return pending.Done.Task;
    }

    private async Task RunAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && queue.Reader.TryRead(out var pending))
            {
                if (pending.Cancellation.IsCancellationRequested)
                {
                    pending.Done.TrySetCanceled(pending.Cancellation);
                }
                else
                {
                    batch.Add(pending);
                }
            }

            if (batch.Count > 0)
            {
                await CommitAsync(batch);
                batch.Clear();
            }
        }
    }

    private async Task CommitAsync(List<Pending> batch)
    {
        var written = new List<Pending>(batch.Count);
        var again = new List<Pending>();
        // The mailboxes the written works logged changes for; null once one of them could not say (read the log then).
        HashSet<string>? logged = new(StringComparer.Ordinal);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
            await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, CancellationToken.None);
            var counters = await LockCountersAsync(connection, tx, batch);
            foreach (var pending in batch)
            {
                // Savepoints are not released: a write's is rolled back to or left nested under the next one's, which
                // PostgreSQL takes for the one of that name (RELEASE would cost a round trip and frees nothing before the commit).
                var scope = new WriteScope(counters);
                try
                {
                    if (!pending.OwnSavepoint)
                    {
                        await Sql(connection, tx, WriteScope.SavepointSql);
                        scope.Savepoint();
                        scope.LoggedUnknown();
                    }

                    await pending.Work(connection, tx, scope);
                    counters.Commit();
                    written.Add(pending);
                    if (logged is not null && scope.Mailboxes is { } mailboxes)
                    {
                        logged.UnionWith(mailboxes);
                    }
                    else
                    {
                        logged = null;
                    }
                }
                catch (Exception e)
                {
                    counters.Abort();
                    // A work that failed before its first round trip made no savepoint and wrote nothing.
                    if (scope.SavepointSent)
                    {
                        await Sql(connection, tx, "ROLLBACK TO SAVEPOINT write; RELEASE SAVEPOINT write;");
                    }

                    if (e is UndeclaredMailboxException undeclared)
                    {
                        // Never numbered outside the group's lock: run again in a later group, which locks that mailbox
                        // too. A claim grows at most to every mailbox there is; one that did not grow counts as an attempt.
                        Interlocked.Increment(ref redeclared);
                        if ((pending.Claim ??= new CounterClaim()).Add(undeclared.MailboxId) || ++pending.Attempt < Attempts)
                        {
                            again.Add(pending);
                        }
                        else
                        {
                            pending.Done.TrySetException(new ConcurrencyException("", gone: false));
                        }
                    }
                    else if (PostgresSql.IsRetryable(e) && ++pending.Attempt < Attempts)
                    {
                        Interlocked.Increment(ref retried);
                        again.Add(pending);
                    }
                    else
                    {
                        pending.Done.TrySetException(Translate(e));
                    }
                }
            }

            if (written.Count > 0)
            {
                await NotifyAsync(connection, tx, logged);
                await tx.CommitAsync(CancellationToken.None);
            }
        }
        catch (Exception e)
        {
            // The transaction is gone (rolled back by its disposal): none of the batch was written.
            foreach (var pending in written.Concat(batch.Where(p => !p.Done.Task.IsCompleted && !again.Contains(p))).Distinct())
            {
                if (PostgresSql.IsRetryable(e) && ++pending.Attempt < Attempts)
                {
                    Interlocked.Increment(ref retried);
                    again.Add(pending);
                }
                else
                {
                    pending.Done.TrySetException(Translate(e));
                }
            }

            written.Clear();
        }

        foreach (var pending in written)
        {
            pending.Done.TrySetResult();
        }

        // Run again in a later batch, after the write that won has committed.
        foreach (var pending in again)
        {
            if (!queue.Writer.TryWrite(pending))
            {
                pending.Done.TrySetException(new ObjectDisposedException(nameof(PostgresMailStore)));
            }
        }
    }

    /// <summary>
    /// The group's first round trip: the counter rows of every mailbox its writes claim (those named, and those of the
    /// items and folders they delete), locked in one order (ordinal) whatever node runs the group, and their values.
    /// Every node's groups take them in that order before anything else, so they wait for each other but never deadlock.
    /// </summary>
    private static async Task<GroupCounters> LockCountersAsync(NpgsqlConnection connection, NpgsqlTransaction tx, List<Pending> batch)
    {
        var counters = new GroupCounters();
        var mailboxes = new HashSet<string>(StringComparer.Ordinal);
        var items = new List<string>();
        var folders = new List<string>();
        foreach (var claim in batch.Select(static p => p.Claim).OfType<CounterClaim>())
        {
            mailboxes.UnionWith(claim.Mailboxes);
            items.AddRange(claim.DeletedItems);
            folders.AddRange(claim.DeletedFolders);
        }

        if (mailboxes.Count == 0 && items.Count == 0 && folders.Count == 0)
        {
            return counters;
        }

        // An item's or folder's mailbox never changes (a move to another mailbox is a copy and a delete), so reading it
        // unlocked is enough; ANY over one array keeps the counters' primary key index.
        await using var cmd = connection.Command(items.Count == 0 && folders.Count == 0 ? LockSql : LockWithDeletesSql, tx,
            ("m", mailboxes.ToArray()), ("i", items.ToArray()), ("f", folders.ToArray()));
        await using var reader = await cmd.ExecuteReaderAsync(CancellationToken.None);
        while (await reader.ReadAsync(CancellationToken.None))
        {
            counters.Locked(reader.GetString(0), reader.GetInt64(1));
        }

        return counters;
    }

    private const string LockSql = "SELECT mailbox_id, value FROM mailbox_counters WHERE mailbox_id = ANY(@m) ORDER BY mailbox_id COLLATE \"C\" FOR UPDATE;";

    private const string LockWithDeletesSql = """
        SELECT mailbox_id, value FROM mailbox_counters
        WHERE mailbox_id = ANY(@m::text[] || ARRAY(SELECT mailbox_id FROM items WHERE id = ANY(@i)) || ARRAY(SELECT mailbox_id FROM folders WHERE id = ANY(@f)))
        ORDER BY mailbox_id COLLATE "C" FOR UPDATE;
        """;

    private static async Task Sql(NpgsqlConnection connection, NpgsqlTransaction tx, string sql)
    {
        await using var cmd = connection.Command(sql, tx);
        await cmd.ExecuteNonQueryAsync(CancellationToken.None);
    }

    /// <summary>
    /// The wake-up of every node's notifications (issue 19 §5): the mailboxes this transaction logged changes for, as
    /// one NOTIFY, which PostgreSQL delivers to the listeners (<see cref="PostgresChangeListener"/>) once, and only if,
    /// the transaction commits. Too many for a payload: "*", read the log. A transaction that logged nothing sends none.
    /// <paramref name="logged"/> is what the works said they logged; null when one could not say: then the log says.
    /// </summary>
    private static async Task NotifyAsync(NpgsqlConnection connection, NpgsqlTransaction tx, HashSet<string>? logged)
    {
        if (logged is null)
        {
            await using var query = connection.Command(
                "SELECT pg_notify('" + PostgresChangeListener.Channel + "', CASE WHEN length(p) > " + MaxPayload + " THEN '*' ELSE p END) FROM " +
                "(SELECT string_agg(DISTINCT mailbox_id, ',') AS p FROM change_log WHERE xact = pg_current_xact_id_if_assigned()::text::bigint) s WHERE p IS NOT NULL;", tx);
            await query.ExecuteNonQueryAsync(CancellationToken.None);
            return;
        }

        if (logged.Count == 0)
        {
            return;
        }

        var payload = string.Join(',', logged.Order(StringComparer.Ordinal));
        await using var cmd = connection.Command("SELECT pg_notify(@c, @p);", tx,
            ("c", PostgresChangeListener.Channel), ("p", payload.Length > MaxPayload ? "*" : payload));
        await cmd.ExecuteNonQueryAsync(CancellationToken.None);
    }

    // NOTIFY's payload must be shorter than 8,000 bytes (mailbox ids are ASCII).
    private const int MaxPayload = 7900;

    /// <summary>What callers get: a lost deadlock after the last attempt is a ConcurrencyException, a full disk the store's "full".</summary>
    private static Exception Translate(Exception e) =>
        PostgresSql.IsRetryable(e) ? new ConcurrencyException("", gone: false)
        : PostgresSql.IsFull(e) ? new StoreFullException(e)
        : e;

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await loop;
    }

    private sealed class Pending(Func<NpgsqlConnection, NpgsqlTransaction, WriteScope, Task> work, CounterClaim? claim, bool ownSavepoint, CancellationToken cancellation)
    {
        public Func<NpgsqlConnection, NpgsqlTransaction, WriteScope, Task> Work { get; } = work;

        /// <summary>The mailboxes the work numbers; grown when it numbered another (and then run again).</summary>
        public CounterClaim? Claim { get; set; } = claim;

        public bool OwnSavepoint { get; } = ownSavepoint;

        public CancellationToken Cancellation { get; } = cancellation;

        public int Attempt { get; set; }

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>
/// The mailboxes a write will number: named, or those of the items and folders it deletes (which the group's lock reads).
/// </summary>
internal sealed class CounterClaim
{
    private readonly HashSet<string> mailboxes = new(StringComparer.Ordinal);

    public CounterClaim(IEnumerable<string>? mailboxes = null, IEnumerable<string>? deletedItems = null, IEnumerable<string>? deletedFolders = null)
    {
        this.mailboxes.UnionWith(mailboxes ?? []);
        DeletedItems = [.. deletedItems ?? []];
        DeletedFolders = [.. deletedFolders ?? []];
    }

    public IReadOnlyCollection<string> Mailboxes => mailboxes;

    public IReadOnlyList<string> DeletedItems { get; }

    public IReadOnlyList<string> DeletedFolders { get; }

    /// <summary>Adds a mailbox; false when it was named already.</summary>
    public bool Add(string mailboxId) => mailboxes.Add(mailboxId);
}

/// <summary>
/// A write numbered a mailbox whose counter row the group had not locked (its claim did not name it, and it is not
/// brand new): it is rolled back to its savepoint and run again in a later group, whose lock takes that row too.
/// </summary>
internal sealed class UndeclaredMailboxException(string mailboxId) : Exception("A write numbered mailbox " + mailboxId + ", which its claim did not name.")
{
    public string MailboxId { get; } = mailboxId;
}

/// <summary>
/// The counters the group's transaction holds, with their values: what the writes before this one left (the database
/// holds the same, since each write sends what it takes), and what the current write has taken, kept or dropped with
/// its savepoint. Used only by the writer's loop, one write at a time.
/// </summary>
internal sealed class GroupCounters
{
    private readonly Dictionary<string, long> held = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> taken = new(StringComparer.Ordinal);

    /// <summary>Whether the transaction holds the row of <paramref name="mailboxId"/> (locked by the group, or made by a write).</summary>
    public bool Holds(string mailboxId) => taken.ContainsKey(mailboxId) || held.ContainsKey(mailboxId);

    /// <summary>The first of the next <paramref name="count"/> numbers of a held mailbox; the write must send the new value (<see cref="Current"/>).</summary>
    public long Take(string mailboxId, int count)
    {
        var value = taken.TryGetValue(mailboxId, out var v) ? v : held[mailboxId];
        taken[mailboxId] = value + count;
        return value + 1;
    }

    /// <summary>The value of a held mailbox's counter, with what this write took.</summary>
    public long Current(string mailboxId) => taken.TryGetValue(mailboxId, out var v) ? v : held[mailboxId];

    /// <summary>The value the database gave a row this write moved on (or made).</summary>
    public void Set(string mailboxId, long value) => taken[mailboxId] = value;

    internal void Locked(string mailboxId, long value) => held[mailboxId] = value;

    /// <summary>The current write succeeded: what it took is the rows' value now.</summary>
    internal void Commit()
    {
        foreach (var (mailbox, value) in taken)
        {
            held[mailbox] = value;
        }

        taken.Clear();
    }

    /// <summary>The current write was rolled back to its savepoint, and its numbers with it.</summary>
    internal void Abort() => taken.Clear();
}

/// <summary>
/// What one write tells the group commit: whether its savepoint was sent (so a failure rolls back to it) and which
/// mailboxes it logged changes for (the NOTIFY's payload).
/// </summary>
internal sealed class WriteScope(GroupCounters counters)
{
    public const string SavepointSql = "SAVEPOINT write";

    /// <summary>The counters the group holds: a write numbers only these, or a mailbox whose counter it makes.</summary>
    public GroupCounters Counters { get; } = counters;

    private HashSet<string>? mailboxes = new(StringComparer.Ordinal);

    public bool SavepointSent { get; private set; }

    /// <summary>The mailboxes logged, or null when the work could not say.</summary>
    public IReadOnlyCollection<string>? Mailboxes => mailboxes;

    /// <summary>
    /// The savepoint's statement, to go first in the work's first round trip: called just before that round trip is
    /// sent, so that a failure from then on rolls back to it (and one before it has nothing to roll back).
    /// </summary>
    public string Savepoint()
    {
        if (SavepointSent)
        {
            throw new InvalidOperationException("A write sends its savepoint once.");
        }

        SavepointSent = true;
        return SavepointSql;
    }

    public void Logged(string mailboxId) => mailboxes?.Add(mailboxId);

    public void LoggedUnknown() => mailboxes = null;
}
