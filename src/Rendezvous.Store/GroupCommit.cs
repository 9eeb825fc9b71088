using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Rendezvous.Store;

/// <summary>
/// The single writer, with group commit: writes that arrive while a commit is being made durable wait, then go
/// together into the next transaction, one savepoint each, and share its fsync. Each write still succeeds or fails
/// alone (a failing one is rolled back to its savepoint), and its caller hears back only once it is durable.
/// Bench, issue 6: committing meeting invitations one by one spent most of its time writing and syncing the same
/// index pages again for every invitation.
/// </summary>
internal sealed class GroupCommit : IAsyncDisposable
{
    private static readonly TimeSpan CheckpointInterval = TimeSpan.FromMilliseconds(100);

    // Enough to share an fsync among every request a small server has in flight, small enough to bound a write's wait.
    private const int MaxBatch = 64;

    private readonly Channel<Pending> queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly PooledConnection connection;
    private readonly Task loop;
    private readonly PooledConnection? checkpointConnection;
    private readonly Task checkpoints = Task.CompletedTask;
    private readonly CancellationTokenSource stopping = new();
    private readonly IDisposable queueGauge;
    private int committed;

    // Writes in the queue, for the metrics (a single-reader channel cannot count its items).
    private int queued;

    /// <param name="connection">The writer's own connection, kept for its lifetime (its page cache stays valid: only it writes).</param>
    /// <param name="checkpointConnection">
    /// When given, WAL checkpoints run on it, beside the writer, instead of inside the commit that crosses the WAL's
    /// size limit: the writer is one thread and every write waits for it. The writer connection's automatic
    /// checkpoints must then be off.
    /// </param>
    public GroupCommit(PooledConnection connection, PooledConnection? checkpointConnection = null)
    {
        this.connection = connection;
        this.checkpointConnection = checkpointConnection;
        queueGauge = StoreMetrics.TrackQueue(() => Volatile.Read(ref queued));
        loop = Task.Run(RunAsync);
        if (checkpointConnection is not null)
        {
            checkpoints = Task.Run(CheckpointAsync);
        }
    }

    private async Task CheckpointAsync()
    {
        using var timer = new PeriodicTimer(CheckpointInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping.Token))
            {
                if (Interlocked.Exchange(ref committed, 0) != 0)
                {
                    try
                    {
                        // PASSIVE: copies what no reader still needs, without waiting for anyone or blocking the writer.
                        await using var cmd = checkpointConnection!.Command("PRAGMA wal_checkpoint(PASSIVE);", null);
                        await cmd.ExecuteNonQueryAsync(CancellationToken.None);
                    }
                    catch (SqliteException)
                    {
                        // Nothing is lost (the WAL keeps every frame until copied); try again at the next tick.
                        Volatile.Write(ref committed, 1);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> in the writer's transaction and returns once that transaction is durable. A write
    /// whose request is cancelled before its turn is dropped; once started, it is written whole or rolled back whole
    /// (the work may still stop on its own token), never in part.
    /// </summary>
    public async Task WriteAsync(Func<PooledConnection, SqliteTransaction, Task> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new Pending(work, cancellationToken);
        Interlocked.Increment(ref queued);
        if (!queue.Writer.TryWrite(pending))
        {
            Interlocked.Decrement(ref queued);
            throw new ObjectDisposedException(nameof(SqliteMailStore));
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
                Interlocked.Decrement(ref queued);
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
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            await using var tx = connection.BeginTransaction(deferred: false);
            foreach (var pending in batch)
            {
                tx.Save("write");
                try
                {
                    await pending.Work(connection, tx);
                    tx.Release("write");
                    written.Add(pending);
                }
                catch (Exception e)
                {
                    tx.Rollback("write");
                    tx.Release("write");
                    pending.Done.TrySetException(Translate(e));
                }
            }

            if (written.Count > 0)
            {
                await tx.CommitAsync(CancellationToken.None);
                Volatile.Write(ref committed, 1);
                StoreMetrics.RecordCommit(System.Diagnostics.Stopwatch.GetElapsedTime(started), written.Count);
            }
        }
        catch (Exception e)
        {
            // The transaction is gone (rolled back by its disposal): none of the batch was written.
            foreach (var pending in batch)
            {
                pending.Done.TrySetException(Translate(e));
            }

            return;
        }

        foreach (var pending in written)
        {
            pending.Done.TrySetResult();
        }
    }

    /// <summary>SQLITE_FULL (a full disk, or max_page_count reached) becomes the store's own "full": callers need not know SQLite.</summary>
    private static Exception Translate(Exception e) => e is SqliteException { SqliteErrorCode: 13 } ? new StoreFullException(e) : e;

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await loop;
        queueGauge.Dispose();
        await stopping.CancelAsync();
        await checkpoints;
        checkpointConnection?.Close();
        stopping.Dispose();
        connection.Close();
    }

    private sealed class Pending(Func<PooledConnection, SqliteTransaction, Task> work, CancellationToken cancellation)
    {
        public Func<PooledConnection, SqliteTransaction, Task> Work { get; } = work;

        public CancellationToken Cancellation { get; } = cancellation;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
