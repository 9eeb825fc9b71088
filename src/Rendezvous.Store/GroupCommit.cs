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
    // Enough to share an fsync among every request a small server has in flight, small enough to bound a write's wait.
    private const int MaxBatch = 64;

    private readonly Channel<Pending> queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly PooledConnection connection;
    private readonly Func<PooledConnection, SqliteTransaction, Task> beforeCommit;
    private readonly Task loop;

    /// <param name="connection">The writer's own connection, kept for its lifetime (its page cache stays valid: only it writes).</param>
    /// <param name="beforeCommit">Runs last in every transaction, after the batch's writes.</param>
    public GroupCommit(PooledConnection connection, Func<PooledConnection, SqliteTransaction, Task> beforeCommit)
    {
        this.connection = connection;
        this.beforeCommit = beforeCommit;
        loop = Task.Run(RunAsync);
    }

    /// <summary>
    /// Runs <paramref name="work"/> in the writer's transaction and returns once that transaction is durable. A write
    /// whose request is cancelled before its turn is dropped; once started, it runs to the end.
    /// </summary>
    public async Task WriteAsync(Func<PooledConnection, SqliteTransaction, Task> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new Pending(work, cancellationToken);
        if (!queue.Writer.TryWrite(pending))
        {
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
                    pending.Done.TrySetException(e);
                }
            }

            if (written.Count > 0)
            {
                await beforeCommit(connection, tx);
                await tx.CommitAsync(CancellationToken.None);
            }
        }
        catch (Exception e)
        {
            // The transaction is gone (rolled back by its disposal): none of the batch was written.
            foreach (var pending in batch)
            {
                pending.Done.TrySetException(e);
            }

            return;
        }

        foreach (var pending in written)
        {
            pending.Done.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await loop;
        connection.Close();
    }

    private sealed class Pending(Func<PooledConnection, SqliteTransaction, Task> work, CancellationToken cancellation)
    {
        public Func<PooledConnection, SqliteTransaction, Task> Work { get; } = work;

        public CancellationToken Cancellation { get; } = cancellation;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
