using Microsoft.Data.Sqlite;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Tests;

/// <summary>
/// The store keeps its connections open with their prepared statements (issue 6). A kept connection must come back
/// clean whatever happened on it: no open transaction, no read snapshot, nothing from the previous request.
/// </summary>
public sealed class StoreConnectionTests : IDisposable
{
    private readonly string data = Path.Combine(Path.GetTempPath(), "rdv-pool-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(data, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Kept_connections_hold_no_snapshot_after_reads_failures_and_cancellations()
    {
        await using var store = await SqliteMailStore.OpenAsync(data, CancellationToken.None);
        var user = await store.AddUserAsync("pool@example.com", "Pool", "x", CancellationToken.None);
        var inbox = (await store.GetDistinguishedFolderAsync(user.MailboxId, "inbox", CancellationToken.None))!;
        var item = new Item { Id = EwsIds.NewItemId(), MailboxId = user.MailboxId, FolderId = inbox.Id, Kind = ItemKind.Message, Subject = "one", ChangeNumber = store.NextChangeNumber() };
        var insert = new ChangeSet();
        insert.Inserts.Add(item);
        await store.ApplyAsync(insert, CancellationToken.None);

        // A read, a refused write (its transaction rolled back) and a cancelled read, each on a kept connection.
        Assert.Equal("one", (await store.GetItemAsync(item.Id, CancellationToken.None))!.Subject);
        var stale = new ChangeSet();
        stale.Inserts.Add(new Item { Id = EwsIds.NewItemId(), MailboxId = user.MailboxId, FolderId = inbox.Id, Kind = ItemKind.Message, Subject = "never", ChangeNumber = store.NextChangeNumber() });
        stale.Updates.Add((item, item.ChangeNumber - 1));
        await Assert.ThrowsAsync<ConcurrencyException>(() => store.ApplyAsync(stale, CancellationToken.None));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.GetItemsAsync(inbox.Id, new CancellationToken(canceled: true)));
        await store.GetItemChangesAsync(inbox.Id, 0, 1, [], CancellationToken.None);

        // Another process writes: the store's next reads see it, and a full checkpoint is blocked by no reader.
        await using (var other = new SqliteConnection($"Data Source={store.Path};Pooling=False"))
        {
            await other.OpenAsync();
            await using var cmd = other.CreateCommand();
            cmd.CommandText = "UPDATE users SET display_name = 'Renamed' WHERE address = 'pool@example.com'; PRAGMA wal_checkpoint(TRUNCATE);";
            await using var reader = await cmd.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(0, reader.GetInt32(0)); // busy: 0 when no connection still reads an older snapshot
        }

        Assert.Equal("Renamed", (await store.FindUserAsync("pool@example.com", CancellationToken.None))!.DisplayName);
        Assert.Equal(["one"], (await store.GetItemsAsync(inbox.Id, CancellationToken.None)).Select(i => i.Subject));
    }

    [Fact]
    public async Task Concurrent_readers_and_writers_share_the_kept_connections()
    {
        await using var store = await SqliteMailStore.OpenAsync(data, CancellationToken.None);
        var user = await store.AddUserAsync("busy@example.com", "Busy", "x", CancellationToken.None);
        var inbox = (await store.GetDistinguishedFolderAsync(user.MailboxId, "inbox", CancellationToken.None))!;

        // More concurrent users than the pool keeps idle: the extra connections are opened, used and closed.
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(async () =>
        {
            var changes = new ChangeSet();
            changes.Inserts.Add(new Item { Id = EwsIds.NewItemId(), MailboxId = user.MailboxId, FolderId = inbox.Id, Kind = ItemKind.Message, Subject = "m" + i, ChangeNumber = store.NextChangeNumber() });
            await store.ApplyAsync(changes, CancellationToken.None);
            Assert.NotNull(await store.GetFolderAsync(inbox.Id, CancellationToken.None));
            Assert.NotEmpty(await store.GetItemsAsync(inbox.Id, CancellationToken.None));
        })));

        Assert.Equal(40, (await store.GetFolderAsync(inbox.Id, CancellationToken.None))!.TotalCount);
    }
}
