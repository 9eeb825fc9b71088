using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Rendezvous.Store;

/// <summary>
/// One turn at a time per meeting within this process (<see cref="IMailStore.MeetingTurnAsync"/>): a gate per key,
/// made when first waited on and dropped when its last user leaves, so the table holds only meetings in use.
/// The SQLite store's turn is this alone (one server per file; change numbers guard any other writer); the
/// PostgreSQL store takes it before its advisory lock, so that a node's waiters for one meeting hold one database
/// connection between them, not one each.
/// </summary>
public sealed class MeetingTurns
{
    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);

    /// <summary>A stable 64-bit key of a meeting's name, the same in every process (a database lock's key).</summary>
    public static long Key(string meeting) =>
        BinaryPrimitives.ReadInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes("rdv-meeting-turn\0" + meeting)));

    /// <summary>Waits for the turn of <paramref name="meeting"/>; disposing the result ends it (once, whoever calls it).</summary>
    public async Task<IAsyncDisposable> AcquireAsync(string meeting, CancellationToken cancellationToken)
    {
        Entry entry;
        while (true)
        {
            entry = entries.GetOrAdd(meeting, static _ => new Entry());
            lock (entry)
            {
                if (!entry.Retired)
                {
                    entry.Users++;
                    break;
                }
            }
        }

        try
        {
            await entry.Gate.WaitAsync(cancellationToken);
        }
        catch
        {
            Release(meeting, entry, entered: false);
            throw;
        }

        return new Turn(() => Release(meeting, entry, entered: true));
    }

    /// <summary>Meetings whose gate is in the table (waited on or held): what a leak would show.</summary>
    public int Count => entries.Count;

    private void Release(string meeting, Entry entry, bool entered)
    {
        if (entered)
        {
            entry.Gate.Release();
        }

        lock (entry)
        {
            if (--entry.Users == 0)
            {
                entry.Retired = true;
                entries.TryRemove(new KeyValuePair<string, Entry>(meeting, entry));
            }
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public int Users { get; set; }

        public bool Retired { get; set; }
    }

    private sealed class Turn(Action release) : IAsyncDisposable
    {
        private Action? release = release;

        public ValueTask DisposeAsync()
        {
            Interlocked.Exchange(ref release, null)?.Invoke();
            return ValueTask.CompletedTask;
        }
    }
}
