using Npgsql;

namespace Rendezvous.Store.Postgres;

/// <summary>Meeting turns across nodes (issue 19 §5): the process's gate, then a session advisory lock on the meeting's key.</summary>
public sealed partial class PostgresMailStore
{
    private readonly MeetingTurns meetingTurns = new();

    /// <summary>
    /// The turn of <paramref name="meeting"/> on every node: first this process's gate (so a node's waiters hold one
    /// connection between them), then <c>pg_advisory_lock</c> on <see cref="MeetingTurns.Key"/> on a connection held for
    /// the turn. The lock is the session's, so it spans the decision and the write (whose transaction is the writer's,
    /// on another connection) and dies with the connection when a node dies; it is released before the connection goes
    /// back to the pool, and a connection whose release failed is not pooled again.
    /// </summary>
    public async Task<IAsyncDisposable> MeetingTurnAsync(string meeting, CancellationToken cancellationToken)
    {
        var local = await meetingTurns.AcquireAsync(meeting, cancellationToken);
        NpgsqlConnection? connection = null;
        try
        {
            connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var cmd = connection.Command("SELECT pg_advisory_lock(@k);", null, ("k", MeetingTurns.Key(meeting)));
            await cmd.ExecuteNonQueryAsync(cancellationToken);
            return new DatabaseTurn(connection, local);
        }
        catch
        {
            // A wait cancelled as the lock was granted may still hold it: released here like a finished turn's.
            if (connection is not null)
            {
                await ReleaseAsync(connection);
            }

            await local.DisposeAsync();
            throw;
        }
    }

    /// <summary>How many meetings this process's gate holds or waits on (a test's view of leaks).</summary>
    internal int MeetingTurnsInUse => meetingTurns.Count;

    private static async Task ReleaseAsync(NpgsqlConnection connection)
    {
        try
        {
            // The connection serves this turn alone, so every session advisory lock on it is the turn's.
            await using var cmd = connection.Command("SELECT pg_advisory_unlock_all();", null);
            await cmd.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            // Not known to be released: the pool must not hand this session out again (the pool is cleared, so the
            // connection is closed, and the database drops its locks, when it is given back).
            NpgsqlConnection.ClearPool(connection);
        }
        finally
        {
            await connection.DisposeAsync();
        }
    }

    private sealed class DatabaseTurn(NpgsqlConnection connection, IAsyncDisposable local) : IAsyncDisposable
    {
        private int disposed;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref disposed, 1) != 0)
            {
                return;
            }

            try
            {
                await ReleaseAsync(connection);
            }
            finally
            {
                await local.DisposeAsync();
            }
        }
    }
}
