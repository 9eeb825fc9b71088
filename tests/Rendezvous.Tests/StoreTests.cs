using Microsoft.Data.Sqlite;
using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Tests;

/// <summary>
/// The SQLite store's own bookkeeping, without HTTP: its query plans and its kept connections. What every store promises
/// (the counts and bounds kept in folder rows, windows, the stored format) is StoreContractTests, run on both stores.
/// </summary>
public sealed class StoreTests : IDisposable
{
    private readonly TempFolder folder = new("rdv-store-");

    private string Data => folder.Path;

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task Distribution_list_member_removed_with_the_list_address_in_another_case_after_migration_20()
    {
        await using (var store = await SqliteMailStore.OpenAsync(Data, CancellationToken.None))
        {
            await store.AddDistributionListMemberAsync("team@example.com", "Team", "c@example.com", CancellationToken.None);
            await store.AddDistributionListMemberAsync("team@example.com", null, "a@example.com", CancellationToken.None);
            await store.AddDistributionListMemberAsync("team@example.com", null, "b@example.com", CancellationToken.None);
        }

        // Back to version 19's members table (list_address bytewise), rows as it holds them.
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(Data, "rendezvous.db")}"))
        {
            await connection.OpenAsync();
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = """
                CREATE TABLE old_members (
                    list_address TEXT NOT NULL REFERENCES distribution_lists(address) ON DELETE CASCADE,
                    member TEXT NOT NULL COLLATE NOCASE,
                    UNIQUE (list_address, member)
                );
                INSERT INTO old_members (rowid, list_address, member) SELECT rowid, list_address, member FROM distribution_list_members;
                DROP TABLE distribution_list_members;
                ALTER TABLE old_members RENAME TO distribution_list_members;
                PRAGMA user_version = 19;
                """;
            await cmd.ExecuteNonQueryAsync();
        }

        SqliteConnection.ClearAllPools();
        await using (var store = await SqliteMailStore.OpenAsync(Data, CancellationToken.None))
        {
            // The members keep their order (the rowids) through the table's remaking.
            Assert.Equal(["c@example.com", "a@example.com", "b@example.com"], (await store.FindDistributionListAsync("team@example.com", CancellationToken.None))!.Members);
            Assert.True(await store.RemoveDistributionListMemberAsync("TEAM@example.com", "a@example.com", CancellationToken.None));
            Assert.Equal(["c@example.com", "b@example.com"], (await store.FindDistributionListAsync("team@example.com", CancellationToken.None))!.Members);
        }
    }

    // A kept connection must come back clean whatever happened on it: no open transaction, no read snapshot.
    [Fact]
    public async Task Kept_connections_hold_no_snapshot_after_reads_failures_and_cancellations()
    {
        await using var store = await SqliteMailStore.OpenAsync(Data, CancellationToken.None);
        var user = await store.AddUserAsync("pool@example.com", "Pool", "x", CancellationToken.None);
        var inbox = (await store.GetDistinguishedFolderAsync(user.MailboxId, "inbox", CancellationToken.None))!;
        var item = new Item { Id = EwsIds.NewItemId(user.MailboxId), MailboxId = user.MailboxId, FolderId = inbox.Id, Kind = ItemKind.Message, Subject = "one" };
        var insert = new ChangeSet();
        insert.Inserts.Add(item);
        await store.ApplyAsync(insert, CancellationToken.None);

        // A read, a refused write (its transaction rolled back) and a cancelled read, each on a kept connection.
        Assert.Equal("one", (await store.GetItemAsync(item.Id, CancellationToken.None))!.Subject);
        var stale = new ChangeSet();
        stale.Inserts.Add(new Item { Id = EwsIds.NewItemId(user.MailboxId), MailboxId = user.MailboxId, FolderId = inbox.Id, Kind = ItemKind.Message, Subject = "never" });
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
    public async Task Looking_a_folder_up_reads_no_item_rows()
    {
        // Every folder lookup returns counts; counting made lookups grow with the folder (issue 6), so they are kept in
        // the folder row and the lookup must not touch the items table at all.
        await using (var store = await SqliteMailStore.OpenAsync(Data, CancellationToken.None))
        {
            await store.AddUserAsync("plan@example.com", "Plan", "x", CancellationToken.None);
        }

        var plan = await folder.QueryPlanAsync(SqliteMailStore.FolderColumns + " WHERE f.mailbox_id = 'm' AND f.distinguished_name = 'inbox';");
        Assert.Contains(plan, step => step.Contains("folders_distinguished", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, step => step.Contains("items", StringComparison.Ordinal));
    }

    internal static async Task<(int Total, int Unread)> CountsAsync(IMailStore store, string folderId)
    {
        var folder = (await store.GetFolderAsync(folderId, CancellationToken.None))!;
        return (folder.TotalCount, folder.UnreadCount);
    }

    [Fact]
    public async Task A_window_query_reads_the_index_between_two_bounds()
    {
        await using (var store = await SqliteMailStore.OpenAsync(Data, CancellationToken.None))
        {
            await store.AddUserAsync("plan@example.com", "Plan", "x", CancellationToken.None);
        }

        // Without a lower bound on start_ticks, a week near the end of a long calendar read every earlier item (issue 6).
        var plan = await folder.QueryPlanAsync(SqliteMailStore.WindowQuery, ("$f", "f"), ("$s", 1L), ("$e", 2L));
        Assert.Contains(plan, step => step.Contains("items_window (folder_id=? AND start_ticks>? AND start_ticks<?)", StringComparison.Ordinal));
    }

    internal static Item NewItem(IMailStore store, string mailboxId, string folderId, string subject) => new()
    {
        Id = EwsIds.NewItemId(mailboxId),
        MailboxId = mailboxId,
        FolderId = folderId,
        Kind = ItemKind.Message,
        Subject = subject,
    };
}

/// <summary>The writer's group commit, on its own table: writes queued behind a commit share the next one, each alone in what it does.</summary>
public sealed class GroupCommitTests : IAsyncLifetime
{
    private readonly string path = Path.Combine(Path.GetTempPath(), "rdv-group-" + Guid.NewGuid().ToString("N") + ".db");
    private SqliteConnectionPool pool = null!;
    private GroupCommit writer = null!;

    public async Task InitializeAsync()
    {
        pool = new SqliteConnectionPool($"Data Source={path};Pooling=False", maxIdle: 4);
        await using (var setup = await pool.RentAsync(CancellationToken.None))
        await using (var cmd = setup.Command("PRAGMA journal_mode=WAL; CREATE TABLE t (x INTEGER UNIQUE);", null))
        {
            await cmd.ExecuteNonQueryAsync(CancellationToken.None);
        }

        writer = new GroupCommit(await pool.RentAsync(CancellationToken.None));
    }

    public async Task DisposeAsync()
    {
        await writer.DisposeAsync();
        await pool.DisposeAsync();
        File.Delete(path);
    }

    [Fact]
    public async Task Writes_queued_behind_a_commit_succeed_or_fail_each_alone()
    {
        // The first write holds the writer, so the others queue up and go into one transaction together.
        var gate = new TaskCompletionSource();
        var first = writer.WriteAsync(async (c, tx) => { await gate.Task; await Insert(c, tx, 1); }, CancellationToken.None);
        using var cancelled = new CancellationTokenSource();
        var queued = Enumerable.Range(2, 9).Select(x => writer.WriteAsync((c, tx) => Insert(c, tx, x), CancellationToken.None)).ToList();
        var duplicate = writer.WriteAsync(async (c, tx) => { await Insert(c, tx, 100); await Insert(c, tx, 2); }, CancellationToken.None);
        var dropped = writer.WriteAsync((c, tx) => Insert(c, tx, 200), cancelled.Token);
        cancelled.Cancel();
        gate.SetResult();

        await first;
        await Task.WhenAll(queued);
        await Assert.ThrowsAsync<SqliteException>(() => duplicate); // its first insert went with its savepoint
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => dropped);
        Assert.Equal(Enumerable.Range(1, 10).Select(x => (long)x), await ValuesAsync());
    }

    private static async Task Insert(PooledConnection connection, SqliteTransaction tx, int x)
    {
        await using var cmd = connection.Command("INSERT INTO t VALUES ($x);", tx, ("$x", x));
        await cmd.ExecuteNonQueryAsync(CancellationToken.None);
    }

    private async Task<List<long>> ValuesAsync()
    {
        await using var reader = await pool.RentAsync(CancellationToken.None);
        await using var cmd = reader.Command("SELECT x FROM t ORDER BY x;", null);
        await using var rows = await cmd.ExecuteReaderAsync(CancellationToken.None);
        var values = new List<long>();
        while (await rows.ReadAsync())
        {
            values.Add(rows.GetInt64(0));
        }

        return values;
    }
}
