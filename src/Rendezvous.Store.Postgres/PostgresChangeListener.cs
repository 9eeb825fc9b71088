using Npgsql;

namespace Rendezvous.Store.Postgres;

/// <summary>
/// The wake-up of notifications across nodes (issue 19 §5): one dedicated connection per process LISTENs on
/// <see cref="Channel"/>, on which every node's writer NOTIFYs the mailboxes each commit logged changes for
/// (<see cref="PostgresGroupCommit"/>), and hands them to the watchers. PostgreSQL keeps channels per database, so the
/// nodes of one server, and only they, hear each other. A lost connection is made again with a growing back-off
/// (0.5 s to 30 s); once listening again the watchers are told to read the log (null), since what was committed
/// meanwhile was announced to nobody: the log is the truth, the notification only the wake-up. Started by the first
/// watcher; a connection idle for 30 s is checked with a trivial query, so a dead one is found.
/// </summary>
internal sealed class PostgresChangeListener(string connectionString, TimeProvider time) : IAsyncDisposable
{
    public const string Channel = "rendezvous_changes";

    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan IdleCheck = TimeSpan.FromSeconds(30);

    private readonly string connectionString = new NpgsqlConnectionStringBuilder(connectionString)
    {
        // Its own connection, outside the pool: a LISTEN must not stay on a connection the store's reads share.
        Pooling = false,
        KeepAlive = 15,
        ApplicationName = "rendezvous listener",
    }.ConnectionString;

    private readonly CancellationTokenSource stop = new();
    private readonly Lock gate = new();
    private Action<IReadOnlyCollection<string>?>[] watchers = [];
    private Task? loop;

    /// <summary>How many times the connection was (re)made and listening: what the reconnect test counts.</summary>
    internal int Connections { get; private set; }

    /// <summary>The listening connection's backend process id (0: none), for a test that kills it.</summary>
    internal int BackendId { get; private set; }

    public IDisposable Watch(Action<IReadOnlyCollection<string>?> changed)
    {
        lock (gate)
        {
            watchers = [.. watchers, changed];
            loop ??= Task.Run(() => RunAsync(stop.Token));
        }

        return new Unwatch(this, changed);
    }

    private void Dispatch(IReadOnlyCollection<string>? mailboxes)
    {
        foreach (var watcher in Volatile.Read(ref watchers))
        {
            watcher(mailboxes);
        }
    }

    private static IReadOnlyCollection<string>? Parse(string payload) =>
        payload is "*" or "" ? null : payload.Split(',', StringSplitOptions.RemoveEmptyEntries);

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var retry = FirstRetry;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(cancellationToken);
                connection.Notification += (_, e) => Dispatch(Parse(e.Payload));
                await using (var listen = new NpgsqlCommand("LISTEN " + Channel + ";", connection))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken);
                }

                BackendId = connection.ProcessID;
                Connections++;
                retry = FirstRetry;
                Dispatch(null);
                while (true)
                {
                    if (!await connection.WaitAsync(IdleCheck, cancellationToken))
                    {
                        await using var ping = new NpgsqlCommand("SELECT 1;", connection);
                        await ping.ExecuteScalarAsync(cancellationToken);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                BackendId = 0;
                try
                {
                    await Task.Delay(retry, time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                retry = retry * 2 < MaxRetry ? retry * 2 : MaxRetry;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (loop is not null)
        {
            await loop;
        }

        stop.Dispose();
    }

    private sealed class Unwatch(PostgresChangeListener listener, Action<IReadOnlyCollection<string>?> changed) : IDisposable
    {
        public void Dispose()
        {
            lock (listener.gate)
            {
                listener.watchers = [.. listener.watchers.Where(w => !ReferenceEquals(w, changed))];
            }
        }
    }
}
