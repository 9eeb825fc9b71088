using System.Threading.Channels;
using Npgsql;
using Rendezvous.Store;
using Rendezvous.Store.Postgres;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// The wake-up across nodes (issue 19 §5) on a real PostgreSQL: a commit on one store (node) is heard by another's
/// listener with its mailbox; a listener whose connection is killed connects again and says "read the log", and hears
/// later commits again.
/// </summary>
public sealed class PostgresWakeTests : IAsyncLifetime
{
    private string connectionString = "";

    public async Task InitializeAsync() => connectionString = await PostgresCluster.CreateDatabaseAsync();

    public Task DisposeAsync() => PostgresCluster.DropDatabaseAsync(connectionString);

    [Fact]
    public async Task A_change_committed_on_one_node_wakes_the_listener_of_another_with_its_mailbox()
    {
        await using var writer = await PostgresMailStore.OpenAsync(connectionString, CancellationToken.None);
        await using var watcher = await PostgresMailStore.OpenAsync(connectionString, CancellationToken.None);
        var alice = await writer.AddUserAsync("alice@example.com", "Alice", "x", CancellationToken.None);
        var inbox = (await writer.GetDistinguishedFolderAsync(alice.MailboxId, "inbox", CancellationToken.None))!;
        var woken = Channel.CreateUnbounded<IReadOnlyCollection<string>?>();
        using var watch = watcher.WatchChanges(m => woken.Writer.TryWrite(m));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Assert.Null(await woken.Reader.ReadAsync(timeout.Token)); // listening: read the log once

        var changes = new ChangeSet();
        changes.Inserts.Add(StoreTests.NewItem(writer, alice.MailboxId, inbox.Id, "from the other node"));
        await writer.ApplyAsync(changes, CancellationToken.None);
        Assert.Equal([alice.MailboxId], await woken.Reader.ReadAsync(timeout.Token));

        // A write that logs nothing (a subscription's) wakes nobody.
        await writer.AddSubscriptionAsync(new SubscriptionRecord("s1", alice.MailboxId, 0, 0, "{}") { Expires = DateTime.UtcNow.AddHours(1) }, 10, DateTime.UtcNow, CancellationToken.None);
        await Task.Delay(500);
        Assert.False(woken.Reader.TryRead(out _));
    }

    [Fact]
    public async Task A_listener_whose_connection_is_killed_listens_again_and_says_read_the_log()
    {
        await using var writer = await PostgresMailStore.OpenAsync(connectionString, CancellationToken.None);
        await using var watcher = await PostgresMailStore.OpenAsync(connectionString, CancellationToken.None);
        var alice = await writer.AddUserAsync("alice@example.com", "Alice", "x", CancellationToken.None);
        var inbox = (await writer.GetDistinguishedFolderAsync(alice.MailboxId, "inbox", CancellationToken.None))!;
        var woken = Channel.CreateUnbounded<IReadOnlyCollection<string>?>();
        using var watch = watcher.WatchChanges(m => woken.Writer.TryWrite(m));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Assert.Null(await woken.Reader.ReadAsync(timeout.Token));
        var backend = watcher.ListenerBackendId;
        Assert.NotEqual(0, backend);

        await using (var admin = new NpgsqlConnection(connectionString))
        {
            await admin.OpenAsync();
            await using var kill = new NpgsqlCommand("SELECT pg_terminate_backend(@p);", admin);
            kill.Parameters.AddWithValue("p", backend);
            await kill.ExecuteScalarAsync();
        }

        // Committed while nobody listens: nobody is told, so the listener, once back, says "read the log".
        var changes = new ChangeSet();
        changes.Inserts.Add(StoreTests.NewItem(writer, alice.MailboxId, inbox.Id, "while deaf"));
        await writer.ApplyAsync(changes, CancellationToken.None);
        while (await woken.Reader.ReadAsync(timeout.Token) is not null)
        {
        }

        Assert.Equal(2, watcher.ListenerConnections);
        Assert.NotEqual(backend, watcher.ListenerBackendId);
        var again = new ChangeSet();
        again.Inserts.Add(StoreTests.NewItem(writer, alice.MailboxId, inbox.Id, "heard again"));
        await writer.ApplyAsync(again, CancellationToken.None);
        Assert.Equal([alice.MailboxId], await woken.Reader.ReadAsync(timeout.Token));
    }
}
