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
    public async Task WriteAsync(Func<NpgsqlConnection, NpgsqlTransaction, Task> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new Pending(work, cancellationToken);
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
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
            await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, CancellationToken.None);
            foreach (var pending in batch)
            {
                await tx.SaveAsync("write", CancellationToken.None);
                try
                {
                    await pending.Work(connection, tx);
                    await tx.ReleaseAsync("write", CancellationToken.None);
                    written.Add(pending);
                }
                catch (Exception e)
                {
                    await tx.RollbackAsync("write", CancellationToken.None);
                    await tx.ReleaseAsync("write", CancellationToken.None);
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
                await NotifyAsync(connection, tx);
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

    /// <summary>
    /// The wake-up of every node's notifications (issue 19 §5): the mailboxes this transaction logged changes for, as
    /// one NOTIFY, which PostgreSQL delivers to the listeners (<see cref="PostgresChangeListener"/>) once, and only if,
    /// the transaction commits. Too many for a payload: "*", read the log. A transaction that logged nothing sends none.
    /// </summary>
    private static async Task NotifyAsync(NpgsqlConnection connection, NpgsqlTransaction tx)
    {
        await using var cmd = connection.Command(
            "SELECT pg_notify('" + PostgresChangeListener.Channel + "', CASE WHEN length(p) > 7900 THEN '*' ELSE p END) FROM " +
            "(SELECT string_agg(DISTINCT mailbox_id, ',') AS p FROM change_log WHERE xact = pg_current_xact_id_if_assigned()::text::bigint) s WHERE p IS NOT NULL;", tx);
        await cmd.ExecuteNonQueryAsync(CancellationToken.None);
    }

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

    private sealed class Pending(Func<NpgsqlConnection, NpgsqlTransaction, Task> work, CancellationToken cancellation)
    {
        public Func<NpgsqlConnection, NpgsqlTransaction, Task> Work { get; } = work;

        public CancellationToken Cancellation { get; } = cancellation;

        public int Attempt { get; set; }

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
