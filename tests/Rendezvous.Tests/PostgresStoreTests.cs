using Npgsql;
using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Server;
using Rendezvous.Store;
using Rendezvous.Store.Postgres;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>What only the PostgreSQL store has: retried deadlocks, migrations under several nodes, the server's opener.</summary>
public sealed class PostgresStoreTests : IAsyncLifetime
{
    private string connectionString = "";

    public async Task InitializeAsync() => connectionString = await PostgresCluster.CreateDatabaseAsync();

    public Task DisposeAsync() => PostgresCluster.DropDatabaseAsync(connectionString);

    [Fact]
    public void Serialization_failures_and_deadlocks_are_retryable_and_other_errors_are_not()
    {
        Assert.True(PostgresSql.IsRetryable(new PostgresException("could not serialize access", "ERROR", "ERROR", PostgresErrorCodes.SerializationFailure)));
        Assert.True(PostgresSql.IsRetryable(new PostgresException("deadlock detected", "ERROR", "ERROR", PostgresErrorCodes.DeadlockDetected)));
        Assert.False(PostgresSql.IsRetryable(new PostgresException("duplicate key", "ERROR", "ERROR", PostgresErrorCodes.UniqueViolation)));
        Assert.False(PostgresSql.IsRetryable(new InvalidOperationException()));
    }

    [Fact]
    public async Task A_meeting_turn_spans_nodes_and_dies_with_the_node_that_held_it()
    {
        const string meeting = "uid-nodes\0org@example.com";
        await using var nodeA = await PostgresMailStore.OpenAsync(connectionString, CancellationToken.None);
        await using var nodeB = await PostgresMailStore.OpenAsync(connectionString, CancellationToken.None);

        // Node A's turn makes node B wait; when A ends it, B has it.
        var held = await nodeA.MeetingTurnAsync(meeting, CancellationToken.None);
        var waiting = nodeB.MeetingTurnAsync(meeting, CancellationToken.None);
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);
        await held.DisposeAsync();
        var bTurn = await waiting.WaitAsync(TimeSpan.FromSeconds(10));

        // A wait cancelled on node A leaves no lock behind it.
        using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => nodeA.MeetingTurnAsync(meeting, cancel.Token));
        }

        Assert.Equal(1L, await AdvisoryLocksAsync());
        await bTurn.DisposeAsync();
        Assert.Equal(0L, await AdvisoryLocksAsync());
        Assert.Equal(0, nodeA.MeetingTurnsInUse);
        Assert.Equal(0, nodeB.MeetingTurnsInUse);

        // A node that dies holding a turn: its session ends (as with kill -9) and the database drops the lock.
        var doomed = await nodeA.MeetingTurnAsync(meeting, CancellationToken.None);
        var next = nodeB.MeetingTurnAsync(meeting, CancellationToken.None);
        await Task.Delay(300);
        Assert.False(next.IsCompleted);
        // This database's only: the cluster is shared, and another test's migration holds an advisory lock too.
        await ExecuteAsync("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid() AND database = (SELECT oid FROM pg_database WHERE datname = current_database());");
        await (await next.WaitAsync(TimeSpan.FromSeconds(10))).DisposeAsync();
        await doomed.DisposeAsync(); // its connection is gone: ending the turn still ends quietly
        Assert.Equal(0L, await AdvisoryLocksAsync());
        await (await nodeA.MeetingTurnAsync(meeting, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10))).DisposeAsync();
    }

    [Fact]
    public async Task Free_busy_column_decodes_as_the_free_busy_read_of_the_data()
    {
        // Migration 8 names the free/busy properties by their keys: they must be ItemFormat.FreeBusy's, all of them.
        var definition = "";
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await using var store = await PostgresMailStore.OpenAsync(connectionString, CancellationToken.None);
            await connection.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT pg_get_functiondef('items_free_busy'::regproc);", connection);
            definition = (string)(await cmd.ExecuteScalarAsync())!;
        }

        var list = definition[definition.IndexOf("key IN (", StringComparison.Ordinal)..];
        list = list[..list.IndexOf("))", StringComparison.Ordinal)];
        var named = System.Text.RegularExpressions.Regex.Matches(list, "'([^']+)'").Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Equal(ItemFormat.FreeBusy.Definitions.Select(d => d.Key).Order(StringComparer.Ordinal), named.Order(StringComparer.Ordinal));

        await using (var store = await PostgresMailStore.OpenAsync(connectionString, CancellationToken.None))
        {
            var user = await store.AddUserAsync("fb@example.com", "FB", "x", CancellationToken.None);
            var calendar = (await store.GetDistinguishedFolderAsync(user.MailboxId, "calendar", CancellationToken.None))!;
            var at = new DateTime(2030, 1, 7, 9, 0, 0, DateTimeKind.Utc);
            var full = new Item
            {
                Id = EwsIds.NewItemId(user.MailboxId), MailboxId = user.MailboxId, FolderId = calendar.Id, Kind = ItemKind.CalendarItem,
                Subject = "Quoted \"budget\" \\ review, é ✓", Location = "Room\n7", Sensitivity = "Private", LegacyFreeBusyStatus = "OOF",
                IsMeeting = true, IsCancelled = true, ReminderIsSet = false, Start = at, End = at.AddHours(2),
                Body = new Body("Text", "not free/busy's"), RequiredAttendees = [new(new EmailAddress(null, "a@example.com"))],
            };
            var bare = new Item { Id = EwsIds.NewItemId(user.MailboxId), MailboxId = user.MailboxId, FolderId = calendar.Id, Kind = ItemKind.CalendarItem, Start = at, End = at.AddHours(1) };
            var message = new Item { Id = EwsIds.NewItemId(user.MailboxId), MailboxId = user.MailboxId, FolderId = calendar.Id, Kind = ItemKind.Message, Subject = "a message", Start = at, End = at.AddHours(1) };
            var changes = new ChangeSet();
            changes.Inserts.AddRange([full, bare, message]);
            await store.ApplyAsync(changes, CancellationToken.None);
            await AssertFreeBusyColumnAsync(3);

            // An update writes it anew.
            var update = new ChangeSet();
            var expected = full.ChangeNumber;
            full.Subject = "Renamed";
            full.LegacyFreeBusyStatus = "Tentative";
            update.Updates.Add((full, expected));
            await store.ApplyAsync(update, CancellationToken.None);
            await AssertFreeBusyColumnAsync(3);
            var read = (await store.GetFreeBusyInWindowsAsync([calendar.Id], at, at.AddDays(1), CancellationToken.None))[0];
            Assert.Equal(["Renamed", null, "a message"], read.OrderBy(i => i.Subject is null ? 1 : i.Subject == "Renamed" ? 0 : 2).Select(i => i.Subject));
            Assert.Equal("Tentative", read.Single(i => i.Id == full.Id).LegacyFreeBusyStatus);
        }
    }

    /// <summary>Each calendar item's free_busy decodes as the free/busy read of its data; other kinds have none.</summary>
    private async Task AssertFreeBusyColumnAsync(int rows)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT kind, data, free_busy FROM items;", connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        var seen = 0;
        while (await reader.ReadAsync())
        {
            seen++;
            var fromData = ItemFormat.Deserialize(System.Text.Encoding.UTF8.GetBytes(reader.GetString(1)), ItemFormat.FreeBusy);
            if (reader.GetInt32(0) != (int)ItemKind.CalendarItem)
            {
                Assert.True(reader.IsDBNull(2));
                continue;
            }

            var fromColumn = ItemFormat.Deserialize(System.Text.Encoding.UTF8.GetBytes(reader.GetString(2)), ItemFormat.FreeBusy);
            Assert.Equal(fromData.Kind, fromColumn.Kind);
            Assert.Equal(
                fromData.Properties.Entries.Select(e => (e.Key.Key, e.Value)).OrderBy(e => e.Key, StringComparer.Ordinal),
                fromColumn.Properties.Entries.Select(e => (e.Key.Key, e.Value)).OrderBy(e => e.Key, StringComparer.Ordinal));
            Assert.True(fromColumn.Properties.Count >= 2);
        }

        Assert.Equal(rows, seen);
    }

    private async Task<long> AdvisoryLocksAsync()
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database());", connection);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Issue 19's batched writes: writes queued behind a busy writer share one transaction, each sent as batches with its
    /// savepoint. One whose update finds its item changed (after its insert went out in the same batch) must be rolled
    /// back alone: its insert and log rows absent, the others written; and the group's NOTIFY names the mailboxes of
    /// the writes that committed, those the batched writes named and those a general write logged (read from the log).
    /// </summary>
    [Fact]
    public async Task A_group_in_which_one_batched_write_fails_keeps_the_others_and_notifies_their_mailboxes()
    {
        await using var store = await PostgresMailStore.OpenAsync(connectionString, CancellationToken.None);
        var users = new List<UserRecord>();
        foreach (var name in new[] { "block", "one", "bad", "three", "folders" })
        {
            users.Add(await store.AddUserAsync(name + "@example.com", name, "x", CancellationToken.None));
        }

        var inboxes = new List<Folder>();
        foreach (var user in users)
        {
            inboxes.Add((await store.GetDistinguishedFolderAsync(user.MailboxId, "inbox", CancellationToken.None))!);
        }

        var existing = StoreTests.NewItem(store, users[2].MailboxId, inboxes[2].Id, "existing");
        await store.ApplyAsync(Inserts(existing), CancellationToken.None);

        await using var listener = new NpgsqlConnection(connectionString);
        await listener.OpenAsync();
        var payloads = new System.Collections.Concurrent.ConcurrentQueue<string>();
        listener.Notification += (_, e) => payloads.Enqueue(e.Payload);
        await Exec(listener, null, "LISTEN " + PostgresChangeListener.Channel + ";");

        // The writer is held by a write whose counter another session has locked: the writes below queue behind it.
        await using var other = new NpgsqlConnection(connectionString);
        await other.OpenAsync();
        await using var tx = await other.BeginTransactionAsync();
        await Exec(other, tx, $"SELECT value FROM mailbox_counters WHERE mailbox_id = '{users[0].MailboxId}' FOR UPDATE;");
        var blocked = store.ApplyAsync(Inserts(StoreTests.NewItem(store, users[0].MailboxId, inboxes[0].Id, "blocked")), CancellationToken.None);
        await WaitForLockWaitAsync(other);

        var one = StoreTests.NewItem(store, users[1].MailboxId, inboxes[1].Id, "one");
        var lost = StoreTests.NewItem(store, users[2].MailboxId, inboxes[2].Id, "lost");
        var bad = Inserts(lost);
        var stale = (await store.GetItemAsync(existing.Id, CancellationToken.None))!;
        stale.Subject = "stale";
        bad.Updates.Add((stale, existing.ChangeNumber - 1));
        var three = StoreTests.NewItem(store, users[3].MailboxId, inboxes[3].Id, "three");
        var folder = new Folder { Id = EwsIds.NewFolderId(users[4].MailboxId), MailboxId = users[4].MailboxId, ParentId = inboxes[4].Id, DisplayName = "new", FolderClass = "IPF.Note" };
        var folderSet = new ChangeSet();
        folderSet.FolderInserts.Add(folder);
        var writes = new[]
        {
            store.ApplyAsync(Inserts(one), CancellationToken.None),
            store.ApplyAsync(bad, CancellationToken.None),
            store.ApplyAsync(Inserts(three), CancellationToken.None),
            store.ApplyAsync(folderSet, CancellationToken.None),
        };
        await Task.Delay(200);
        Assert.All(writes, w => Assert.False(w.IsCompleted));
        payloads.Clear();
        await tx.CommitAsync();
        await blocked;

        await writes[0];
        await Assert.ThrowsAsync<ConcurrencyException>(() => writes[1]);
        await writes[2];
        await writes[3];
        Assert.Equal(["one"], (await store.GetItemsAsync(inboxes[1].Id, CancellationToken.None)).Select(i => i.Subject));
        Assert.Equal(["existing"], (await store.GetItemsAsync(inboxes[2].Id, CancellationToken.None)).Select(i => i.Subject));
        Assert.Equal(["three"], (await store.GetItemsAsync(inboxes[3].Id, CancellationToken.None)).Select(i => i.Subject));
        Assert.NotNull(await store.GetFolderAsync(folder.Id, CancellationToken.None));
        Assert.Null(await store.GetItemAsync(lost.Id, CancellationToken.None));
        var badLog = await store.GetChangeLogAsync(users[2].MailboxId, 0, 1000, CancellationToken.None);
        Assert.DoesNotContain(badLog.Entries, e => e.Id == lost.Id);
        Assert.Single(badLog.Entries, e => e.Id == existing.Id);

        // The group after the blocked one's: one NOTIFY, naming the three that committed and not the one rolled back.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && !payloads.Any(p => p.Contains(users[3].MailboxId, StringComparison.Ordinal)))
        {
            await listener.WaitAsync(TimeSpan.FromMilliseconds(200));
        }

        var group = Assert.Single(payloads, p => p.Contains(users[3].MailboxId, StringComparison.Ordinal));
        Assert.Equal(new[] { users[1].MailboxId, users[3].MailboxId, users[4].MailboxId }.Order(StringComparer.Ordinal), group.Split(',').Order(StringComparer.Ordinal));
    }

    /// <summary>The writer's batches keep what Max Auto Prepare gave single commands: their statements prepared once per connection.</summary>
    [Fact]
    public async Task Statements_sent_in_batches_are_prepared_once_used_twice()
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Max Auto Prepare=128;Auto Prepare Min Usages=2");
        await connection.OpenAsync();
        await Exec(connection, null, "CREATE TABLE batched (n bigint);");
        for (var round = 0; round < 3; round++)
        {
            await using var tx = await connection.BeginTransactionAsync();
            var batch = new StatementBatch();
            batch.Add("INSERT INTO batched VALUES (@n);", null, ("n", (long)round));
            var sum = 0L;
            batch.Add("SELECT sum(n) FROM batched WHERE n <= @n;", r => sum = r.GetInt64(0), ("n", (long)round));
            await batch.ExecuteAsync(connection, tx, CancellationToken.None);
            await tx.CommitAsync();
            Assert.Equal(Enumerable.Range(0, round + 1).Sum(), sum);
        }

        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%batched%';", connection);
        Assert.Equal(2L, (long)(await cmd.ExecuteScalarAsync())!);
    }

    private static ChangeSet Inserts(params Item[] items)
    {
        var set = new ChangeSet();
        set.Inserts.AddRange(items);
        return set;
    }

    [Fact]
    public async Task A_write_that_loses_a_deadlock_is_rolled_back_and_run_again_whole()
    {
        await using var store = await PostgresMailStore.OpenAsync(connectionString, CancellationToken.None);
        var alice = await store.AddUserAsync("alice@example.com", "Alice", "x", CancellationToken.None);
        var bob = await store.AddUserAsync("bob@example.com", "Bob", "x", CancellationToken.None);
        var (first, second) = string.CompareOrdinal(alice.MailboxId, bob.MailboxId) < 0 ? (alice, bob) : (bob, alice);
        var firstInbox = (await store.GetDistinguishedFolderAsync(first.MailboxId, "inbox", CancellationToken.None))!;
        var secondInbox = (await store.GetDistinguishedFolderAsync(second.MailboxId, "inbox", CancellationToken.None))!;

        // Another writer (another node, say) holds the second mailbox's counter and will ask for the first's: the store's
        // write, which takes the first and waits for the second, closes the cycle. This writer waits longer before it
        // checks for a deadlock, so PostgreSQL finds it from the store's side and aborts the store's transaction.
        await using var other = new NpgsqlConnection(connectionString);
        await other.OpenAsync();
        await using var tx = await other.BeginTransactionAsync();
        await Exec(other, tx, "SET LOCAL deadlock_timeout = '60s';");
        await Exec(other, tx, $"SELECT value FROM mailbox_counters WHERE mailbox_id = '{second.MailboxId}' FOR UPDATE;");

        var meeting = new ChangeSet();
        var toFirst = StoreTests.NewItem(store, first.MailboxId, firstInbox.Id, "to first");
        var toSecond = StoreTests.NewItem(store, second.MailboxId, secondInbox.Id, "to second");
        meeting.Inserts.AddRange([toFirst, toSecond]);
        var write = store.ApplyAsync(meeting, CancellationToken.None);
        await WaitForLockWaitAsync(other);

        await Exec(other, tx, $"SELECT value FROM mailbox_counters WHERE mailbox_id = '{first.MailboxId}' FOR UPDATE;");
        await Exec(other, tx, $"UPDATE mailbox_counters SET value = value + 100 WHERE mailbox_id IN ('{first.MailboxId}', '{second.MailboxId}');");
        await tx.CommitAsync();

        await write;
        Assert.True(store.RetriedWrites >= 1);
        // Run again whole after the other commit: numbered above what it wrote, each item once.
        Assert.True(toFirst.ChangeNumber > 100 && toSecond.ChangeNumber > 100);
        Assert.Equal(["to first"], (await store.GetItemsAsync(firstInbox.Id, CancellationToken.None)).Select(i => i.Subject));
        Assert.Equal(toSecond.ChangeNumber, (await store.GetItemAsync(toSecond.Id, CancellationToken.None))!.ChangeNumber);
        var log = await store.GetChangeLogAsync(second.MailboxId, 0, 1000, CancellationToken.None);
        Assert.Single(log.Entries, e => e.Id == toSecond.Id);
    }

    /// <summary>
    /// Issue 19 §5, invites across two nodes: each node's group commit locked its writes' counters write by write, so
    /// node A's group could hold {a, c} and ask for b while node B's held b and asked for c, a deadlock PostgreSQL
    /// breaks only after deadlock_timeout (1 s), and two nodes' invitations ran at a few a second.
    /// </summary>
    [Fact]
    public async Task Two_nodes_writing_overlapping_mailboxes_in_opposite_orders_never_deadlock_and_number_without_gaps()
    {
        var nodeA = await PostgresMailStore.OpenAsync(connectionString, CancellationToken.None);
        var nodeB = await PostgresMailStore.OpenAsync(connectionString, CancellationToken.None);
        var mailboxes = new List<(string Id, string Inbox)>();
        for (var i = 0; i < 6; i++)
        {
            var user = await nodeA.AddUserAsync($"u{i}@example.com", $"U{i}", "x", CancellationToken.None);
            mailboxes.Add((user.MailboxId, (await nodeA.GetDistinguishedFolderAsync(user.MailboxId, "inbox", CancellationToken.None))!.Id));
        }

        mailboxes.Sort((x, y) => string.CompareOrdinal(x.Id, y.Id));
        var deadlocksBefore = await DeadlocksAsync(settled: false);
        var inboxCounts = new int[mailboxes.Count];
        var random = new Random(19);
        var created = new[] { new Queue<(int Mailbox, string Id)>(), new Queue<(int Mailbox, string Id)>() };
        for (var round = 0; round < 40; round++)
        {
            var writes = new List<Task>();
            foreach (var (store, node) in new[] { (nodeA, 0), (nodeB, 1) })
            {
                // Node A's writes take the mailboxes rising, node B's falling; each group holds several of them.
                for (var w = 0; w < 6; w++)
                {
                    var picked = Enumerable.Range(0, mailboxes.Count).OrderBy(_ => random.Next()).Take(1 + random.Next(3)).ToList();
                    var changes = new ChangeSet();
                    var alone = w == 3 && created[node].Count > 12;
                    foreach (var m in alone ? [] : node == 0 ? picked.Order().ToList() : picked.OrderDescending().ToList())
                    {
                        var item = StoreTests.NewItem(store, mailboxes[m].Id, mailboxes[m].Inbox, $"r{round} n{node} w{w}");
                        changes.Inserts.Add(item);
                        created[node].Enqueue((m, item.Id));
                        inboxCounts[m]++;
                    }

                    // A delete of an earlier round's item, in a mailbox the write may not otherwise name (the group's lock
                    // reads it): beside inserts, or alone.
                    if (w % 3 == 0 && created[node].Count > 12)
                    {
                        var (m, id) = created[node].Dequeue();
                        changes.Deletes.Add(id);
                        inboxCounts[m]--;
                    }

                    // The general path: a folder beside the items.
                    if (w == 5)
                    {
                        var m = picked[0];
                        changes.FolderInserts.Add(new Folder { Id = EwsIds.NewFolderId(mailboxes[m].Id), MailboxId = mailboxes[m].Id, ParentId = mailboxes[m].Inbox, DisplayName = $"f{round}{node}", FolderClass = "IPF.Note" });
                    }

                    writes.Add(store.ApplyAsync(changes, CancellationToken.None));
                }
            }

            await Task.WhenAll(writes).WaitAsync(TimeSpan.FromSeconds(60));
        }

        Assert.Equal(0L, nodeA.RetriedWrites);
        Assert.Equal(0L, nodeB.RetriedWrites);
        await nodeA.DisposeAsync();
        await nodeB.DisposeAsync();

        // Every write durable, and each mailbox's numbers one after the other from 1, each once, up to its counter.
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        for (var m = 0; m < mailboxes.Count; m++)
        {
            await using var seqs = new NpgsqlCommand("SELECT seq FROM change_log WHERE mailbox_id = @m ORDER BY seq;", db) { Parameters = { new("m", mailboxes[m].Id) } };
            var numbers = new List<long>();
            await using (var reader = await seqs.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    numbers.Add(reader.GetInt64(0));
                }
            }

            Assert.Equal(Enumerable.Range(1, numbers.Count).Select(static n => (long)n), numbers);
            await using var counter = new NpgsqlCommand("SELECT value FROM mailbox_counters WHERE mailbox_id = @m;", db) { Parameters = { new("m", mailboxes[m].Id) } };
            Assert.Equal((long)numbers.Count, (long)(await counter.ExecuteScalarAsync())!);
            await using var items = new NpgsqlCommand("SELECT count(*) FROM items WHERE folder_id = @f;", db) { Parameters = { new("f", mailboxes[m].Inbox) } };
            Assert.Equal((long)inboxCounts[m], (long)(await items.ExecuteScalarAsync())!);
        }

        Assert.Equal(deadlocksBefore, await DeadlocksAsync(settled: true));
    }

    [Fact]
    public async Task A_write_that_numbers_a_mailbox_its_claim_did_not_name_runs_again_in_a_group_that_locks_it()
    {
        await using var store = await PostgresMailStore.OpenAsync(connectionString, CancellationToken.None);
        var alice = await store.AddUserAsync("alice@example.com", "Alice", "x", CancellationToken.None);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var writer = new PostgresGroupCommit(dataSource);
        await using (var db = new NpgsqlConnection(connectionString))
        {
            await db.OpenAsync();
            // A mailbox with no counter yet: this write makes it, and no one else can hold it.
            await Exec(db, null, "INSERT INTO users (mailbox_id, address, display_name, password_hash) VALUES ('mbx-new', 'new@example.com', 'New', 'x');");
        }

        var held = new List<bool>();
        long aliceNumber = 0, newNumber = 0;
        await writer.WriteAsync(async (connection, tx, scope) =>
        {
            held.Add(scope.Counters.Holds(alice.MailboxId));
            newNumber = await PostgresMailStore.NumberAsync(connection, tx, scope, "mbx-new", CancellationToken.None);
            aliceNumber = await PostgresMailStore.NumberAsync(connection, tx, scope, alice.MailboxId, CancellationToken.None);
        }, claim: null, ownSavepoint: false, CancellationToken.None);

        // Refused outside the group's lock, rolled back (the new counter with it), then run with Alice's counter locked.
        Assert.Equal([false, true], held);
        Assert.Equal(1L, writer.Redeclared);
        Assert.Equal(0L, writer.Retried);
        Assert.Equal(1L, newNumber);
        var log = await store.GetChangeLogAsync(alice.MailboxId, 0, 1000, CancellationToken.None);
        Assert.Equal(log.Entries.Max(e => e.Seq) + 1, aliceNumber);
    }

    /// <summary>The database's deadlock count; <paramref name="settled"/>: once the other sessions, which report theirs as they exit, have ended.</summary>
    private async Task<long> DeadlocksAsync(bool settled)
    {
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        for (var i = 0; settled && i < 100; i++)
        {
            await using var others = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid();", db);
            if ((long)(await others.ExecuteScalarAsync())! == 0)
            {
                break;
            }

            await Task.Delay(50);
        }

        await using var cmd = new NpgsqlCommand("SELECT pg_stat_clear_snapshot(); SELECT deadlocks FROM pg_stat_database WHERE datname = current_database();", db);
        await using var reader = await cmd.ExecuteReaderAsync();
        await reader.NextResultAsync();
        await reader.ReadAsync();
        return reader.GetInt64(0);
    }

    [Fact]
    public async Task Nodes_starting_at_once_apply_the_migrations_once_and_rdv_migrate_finds_nothing_left()
    {
        var stores = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => PostgresMailStore.OpenAsync(connectionString, CancellationToken.None)));
        try
        {
            Assert.Single(stores.Select(s => Convert.ToBase64String(s.SyncStateKey.Span)).Distinct());
            Assert.Equal(0, await PostgresMailStore.MigrateAsync(connectionString, CancellationToken.None));
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }

        var fresh = await PostgresCluster.CreateDatabaseAsync();
        try
        {
            Assert.Equal(PostgresMigrations.Latest, await PostgresMailStore.MigrateAsync(fresh, CancellationToken.None));
            Assert.Equal(0, await PostgresMailStore.MigrateAsync(fresh, CancellationToken.None));
        }
        finally
        {
            await PostgresCluster.DropDatabaseAsync(fresh);
        }
    }

    [Fact]
    public async Task A_database_of_the_first_schema_gets_the_sharing_tables_and_keeps_its_users()
    {
        var ct = CancellationToken.None;
        string alice;
        await using (var store = await PostgresMailStore.OpenAsync(connectionString, ct))
        {
            alice = (await store.AddUserAsync("alice@example.com", "Alice", "x", ct)).MailboxId;
        }

        // Rewound to the schema as merged (migration 1): without the tables of the later migrations, nor migration 8's column.
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await Exec(connection, null, "DROP TABLE folder_permissions, grants, delegates, delegation_settings, signin_failures, subscriptions; ALTER TABLE items DROP COLUMN free_busy, RESET (toast_tuple_target); DROP FUNCTION items_free_busy(text); UPDATE rendezvous_schema SET version = 1;");
        }

        Assert.Equal(PostgresMigrations.Latest - 1, await PostgresMailStore.MigrateAsync(connectionString, ct));
        await using (var store = await PostgresMailStore.OpenAsync(connectionString, ct))
        {
            var bob = (await store.AddUserAsync("bob@example.com", "Bob", "x", ct)).MailboxId;
            Assert.True(await store.AddGrantAsync(bob, GrantKind.SendAs, alice, ct));
            Assert.True(await store.SaveDelegateAsync(alice, new DelegateEntry(bob, false, true), add: true, ct));
            var inbox = (await store.GetDistinguishedFolderAsync(alice, "inbox", ct))!;
            var set = new ChangeSet();
            set.Permissions.Add((inbox.Id, [new PermissionEntry(Grantee.Default, FolderRights.Of(PermissionLevel.Reviewer))]));
            await store.ApplyAsync(set, ct);
            Assert.Equal(FolderRights.Of(PermissionLevel.Reviewer), await store.GetRightsAsync(inbox.Id, bob, ct));
            Assert.Equal([alice], await store.GetPrincipalsOfAsync(bob, ct));
        }
    }

    /// <summary>
    /// Migration 7 moves the counting of inserted items from a row trigger into the writes' stamp: a database of schema 6
    /// (the trigger in place, items counted by it) must lose the trigger, or every later insert would be counted twice.
    /// </summary>
    [Fact]
    public async Task A_database_of_schema_6_counts_its_later_inserts_once()
    {
        var ct = CancellationToken.None;
        string mailbox, inboxId;
        await using (var store = await PostgresMailStore.OpenAsync(connectionString, ct))
        {
            mailbox = (await store.AddUserAsync("alice@example.com", "Alice", "x", ct)).MailboxId;
            inboxId = (await store.GetDistinguishedFolderAsync(mailbox, "inbox", ct))!.Id;
        }

        // Rewound to schema 6: its insert trigger, its update trigger without a condition, pglz, and an item it counted.
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await Exec(connection, null, """
                CREATE FUNCTION items_counted_in() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    UPDATE folders SET total_count = total_count + 1, unread_count = unread_count + NEW.is_unread,
                        longest_ticks = GREATEST(longest_ticks, COALESCE(NEW.end_ticks - NEW.start_ticks, 0))
                    WHERE id = NEW.folder_id;
                    RETURN NULL;
                END $$;
                CREATE TRIGGER items_counted_in AFTER INSERT ON items FOR EACH ROW EXECUTE FUNCTION items_counted_in();
                DROP TRIGGER items_updated ON items;
                CREATE TRIGGER items_updated AFTER UPDATE OF folder_id, is_unread, start_ticks, end_ticks ON items FOR EACH ROW EXECUTE FUNCTION items_updated();
                ALTER TABLE items ALTER COLUMN data SET COMPRESSION pglz;
                UPDATE rendezvous_schema SET version = 6;
                """);
            await Exec(connection, null, $$"""
                INSERT INTO items (id, mailbox_id, folder_id, kind, is_unread, change_number, data, sync_seq, created_seq, content_seq)
                VALUES ('old', '{{mailbox}}', '{{inboxId}}', 0, 1, 1, '{}', 1, 1, 1);
                """);
        }

        Assert.Equal(PostgresMigrations.Latest - 6, await PostgresMailStore.MigrateAsync(connectionString, ct));
        await using (var store = await PostgresMailStore.OpenAsync(connectionString, ct))
        {
            Assert.Equal((1, 1), await StoreTests.CountsAsync(store, inboxId));
            var changes = new ChangeSet();
            changes.Inserts.AddRange([StoreTests.NewItem(store, mailbox, inboxId, "one"), StoreTests.NewItem(store, mailbox, inboxId, "two")]);
            await store.ApplyAsync(changes, ct);
            Assert.Equal((3, 3), await StoreTests.CountsAsync(store, inboxId));
        }

        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT attcompression::text FROM pg_attribute WHERE attrelid = 'items'::regclass AND attname = 'data';", connection);
            Assert.Equal("l", await cmd.ExecuteScalarAsync());
        }
    }

    [Fact]
    public async Task The_opener_gives_the_store_its_location_names_and_refuses_an_unknown_one()
    {
        await using (var store = await MailStores.OpenAsync(StoreLocation.Parse("postgres", connectionString, "unused"), CancellationToken.None))
        {
            Assert.IsType<PostgresMailStore>(store);
        }

        using var folder = new TempFolder("rdv-opener-");
        await using (var store = await MailStores.OpenAsync(StoreLocation.Parse(null, null, folder.Path), CancellationToken.None))
        {
            Assert.IsType<SqliteMailStore>(store);
        }

        Assert.Throws<ArgumentException>(() => StoreLocation.Parse("postgres", null, "x"));
        Assert.Throws<ArgumentException>(() => StoreLocation.Parse("oracle", "x", "x"));
        Assert.DoesNotContain("secret", StoreLocation.Parse("postgres", "Host=db;Database=rdv;Username=rdv;Password=secret", "x").Description, StringComparison.Ordinal);
    }

    private static async Task Exec(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, connection, tx);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Until some other session of the database waits for a lock (polling PostgreSQL's own view; no timing is asserted).</summary>
    private static async Task WaitForLockWaitAsync(NpgsqlConnection connection)
    {
        for (var i = 0; i < 600; i++)
        {
            await using var cmd = new NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid();", connection);
            if ((long)(await cmd.ExecuteScalarAsync())! > 0)
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException("The store's write never waited for the lock.");
    }
}

/// <summary>The PostgreSQL server fixture serves from PostgreSQL indeed (what the Postgres* HTTP test classes rely on).</summary>
[Collection(PostgresServerCollection.Name)]
public sealed class PostgresServerFixtureTests(PostgresServerFixture server)
{
    [Fact]
    public void The_server_of_the_PostgreSQL_collection_runs_on_PostgreSQL()
    {
        Assert.IsType<PostgresMailStore>(server.Server.Store);
        Assert.StartsWith("PostgreSQL rdv_test_", server.Server.DataPath, StringComparison.Ordinal);
    }
}
