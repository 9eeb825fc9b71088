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

    public PostgresGroupCommit(NpgsqlDataSource dataSource)
    {
        this.dataSource = dataSource;
        loop = Task.Run(RunAsync);
    }

    /// <summary>How many writes were run again after a deadlock or serialization failure.</summary>
    public long Retried => Interlocked.Read(ref retried);

    /// <summary>
    /// Runs <paramref name="work"/> in the writer's transaction and returns once that transaction is durable. A write
    /// whose request is cancelled before its turn is dropped; once started, it is written whole or rolled back whole.
    /// The work may run more than once (after a deadlock): it must set everything it writes each time.
    /// </summary>
    public Task WriteAsync(Func<NpgsqlConnection, NpgsqlTransaction, Task> work, CancellationToken cancellationToken) =>
        WriteAsync(work, null, cancellationToken);

    /// <summary>
    /// <see cref="WriteAsync(Func{NpgsqlConnection, NpgsqlTransaction, Task}, CancellationToken)"/> for a work that sends
    /// its own savepoint (<see cref="WriteScope.Savepoint"/>, first in its first round trip) and names every mailbox it
    /// logs a change for (<see cref="WriteScope.Logged"/>): one round trip fewer a write, and no read of the log to notify.
    /// </summary>
    public Task WriteAsync(Func<NpgsqlConnection, NpgsqlTransaction, WriteScope, Task> work, CancellationToken cancellationToken) =>
        WriteAsync(null, work, cancellationToken);

    private async Task WriteAsync(Func<NpgsqlConnection, NpgsqlTransaction, Task>? plain, Func<NpgsqlConnection, NpgsqlTransaction, WriteScope, Task>? scoped, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new Pending(plain, scoped, cancellationToken);
        if (!queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(PostgresMailStore));
        }

        await pending.Done.Task;
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
            foreach (var pending in batch)
            {
                // Savepoints are not released: a write's is rolled back to or left nested under the next one's, which
                // PostgreSQL takes for the one of that name (RELEASE would cost a round trip and frees nothing before the commit).
                var scope = new WriteScope();
                try
                {
                    if (pending.Scoped is { } scoped)
                    {
                        await scoped(connection, tx, scope);
                    }
                    else
                    {
                        await Sql(connection, tx, WriteScope.SavepointSql);
                        scope.Savepoint();
                        scope.LoggedUnknown();
                        await pending.Plain!(connection, tx);
                    }

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
                    // A work that failed before its first round trip made no savepoint and wrote nothing.
                    if (scope.SavepointSent)
                    {
                        await Sql(connection, tx, "ROLLBACK TO SAVEPOINT write; RELEASE SAVEPOINT write;");
                    }

                    if (PostgresSql.IsRetryable(e) && ++pending.Attempt < Attempts)
                    {
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
            Interlocked.Increment(ref retried);
            if (!queue.Writer.TryWrite(pending))
            {
                pending.Done.TrySetException(new ObjectDisposedException(nameof(PostgresMailStore)));
            }
        }
    }

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

    private sealed class Pending(Func<NpgsqlConnection, NpgsqlTransaction, Task>? plain, Func<NpgsqlConnection, NpgsqlTransaction, WriteScope, Task>? scoped, CancellationToken cancellation)
    {
        public Func<NpgsqlConnection, NpgsqlTransaction, Task>? Plain { get; } = plain;

        public Func<NpgsqlConnection, NpgsqlTransaction, WriteScope, Task>? Scoped { get; } = scoped;

        public CancellationToken Cancellation { get; } = cancellation;

        public int Attempt { get; set; }

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>
/// What one write tells the group commit: whether its savepoint was sent (so a failure rolls back to it) and which
/// mailboxes it logged changes for (the NOTIFY's payload).
/// </summary>
internal sealed class WriteScope
{
    public const string SavepointSql = "SAVEPOINT write";

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
