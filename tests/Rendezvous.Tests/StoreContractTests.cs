using Microsoft.Data.Sqlite;
using Npgsql;
using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store;
using Rendezvous.Store.Postgres;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// What every <see cref="IMailStore"/> promises, run against each store: SQLite always, and a real PostgreSQL
/// (<see cref="PostgresCluster"/>). Each test opens stores over one fresh database of its own; two stores opened over it
/// are two processes (or nodes) writing the same data. What only one store has (SQLite's query plans, its old
/// versions' migrations) stays in StoreTests, ChangeLogStoreTests and SyncStoreTests.
/// </summary>
public abstract partial class StoreContractTests : IAsyncLifetime
{
    private readonly List<IMailStore> opened = [];

    /// <summary>Makes the test's empty database.</summary>
    protected abstract Task CreateDatabaseAsync();

    /// <summary>A store over the test's database (a new one each call, as another process would open it).</summary>
    protected abstract Task<IMailStore> OpenOwnAsync();

    /// <summary>A store over another, fresh database.</summary>
    protected abstract Task<IMailStore> OpenOtherDatabaseAsync();

    /// <summary>One number from SQL run directly on the test's database (the same SQL on both stores).</summary>
    protected abstract Task<long> ScalarAsync(string sql);

    /// <summary>The sequence numbers of the change log in the order its rows were written.</summary>
    protected abstract Task<List<long>> LogSeqsInWriteOrderAsync(string mailboxId);

    protected abstract Task DropDatabaseAsync();

    public Task InitializeAsync() => CreateDatabaseAsync();

    public async Task DisposeAsync()
    {
        foreach (var store in opened)
        {
            await store.DisposeAsync();
        }

        await DropDatabaseAsync();
    }

    protected async Task<IMailStore> OpenAsync()
    {
        var store = await OpenOwnAsync();
        opened.Add(store);
        return store;
    }

    private static Item NewItem(string mailboxId, string folderId, string subject) => StoreTests.NewItem(null!, mailboxId, folderId, subject);

    private static async Task<(UserRecord User, Folder Inbox)> UserAsync(IMailStore store, string address)
    {
        var user = await store.AddUserAsync(address, address, "x", CancellationToken.None);
        return (user, (await store.GetDistinguishedFolderAsync(user.MailboxId, "inbox", CancellationToken.None))!);
    }

    private static async Task InsertAsync(IMailStore store, params Item[] items)
    {
        var changes = new ChangeSet();
        changes.Inserts.AddRange(items);
        await store.ApplyAsync(changes, CancellationToken.None);
    }

    [Fact]
    public async Task Distinguished_folder_ids_of_several_mailboxes_come_in_one_answer_without_the_missing_ones()
    {
        var store = await OpenAsync();
        var (alice, aliceInbox) = await UserAsync(store, "ids-alice@example.com");
        var (bob, _) = await UserAsync(store, "ids-bob@example.com");
        var bobCalendar = (await store.GetDistinguishedFolderAsync(bob.MailboxId, "calendar", CancellationToken.None))!;

        var ids = await store.GetDistinguishedFolderIdsAsync(
            [(alice.MailboxId, "inbox"), (bob.MailboxId, "calendar"), (bob.MailboxId, "nosuchfolder"), ("mbx-nobody", "inbox")], CancellationToken.None);
        Assert.Equal(2, ids.Count);
        Assert.Equal(aliceInbox.Id, ids[(alice.MailboxId, "inbox")]);
        Assert.Equal(bobCalendar.Id, ids[(bob.MailboxId, "calendar")]);
        Assert.Empty(await store.GetDistinguishedFolderIdsAsync([], CancellationToken.None));
    }

    [Fact]
    public async Task A_refused_write_a_cancelled_read_and_a_sync_leave_the_store_answering()
    {
        var store = await OpenAsync();
        var (user, inbox) = await UserAsync(store, "pool@example.com");
        var item = NewItem(user.MailboxId, inbox.Id, "one");
        await InsertAsync(store, item);

        Assert.Equal("one", (await store.GetItemAsync(item.Id, CancellationToken.None))!.Subject);
        var stale = new ChangeSet();
        stale.Inserts.Add(NewItem(user.MailboxId, inbox.Id, "never"));
        stale.Updates.Add((item, item.ChangeNumber - 1));
        await Assert.ThrowsAsync<ConcurrencyException>(() => store.ApplyAsync(stale, CancellationToken.None));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.GetItemsAsync(inbox.Id, new CancellationToken(canceled: true)));
        await store.GetItemChangesAsync(inbox.Id, 0, 0, 1, [], CancellationToken.None);

        // Another process renames the user: the store's next read sees it.
        var other = await OpenAsync();
        await other.AddDistributionListMemberAsync("list@example.com", null, "pool@example.com", CancellationToken.None);
        Assert.NotNull(await store.FindDistributionListAsync("LIST@example.com", CancellationToken.None));
        Assert.Equal(["one"], (await store.GetItemsAsync(inbox.Id, CancellationToken.None)).Select(i => i.Subject));
    }

    [Fact]
    public async Task Concurrent_readers_and_writers_share_the_kept_connections()
    {
        var store = await OpenAsync();
        var (user, inbox) = await UserAsync(store, "busy@example.com");
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(async () =>
        {
            await InsertAsync(store, NewItem(user.MailboxId, inbox.Id, "m" + i));
            Assert.NotNull(await store.GetFolderAsync(inbox.Id, CancellationToken.None));
            Assert.NotEmpty(await store.GetItemsAsync(inbox.Id, CancellationToken.None));
        })));

        Assert.Equal(40, (await store.GetFolderAsync(inbox.Id, CancellationToken.None))!.TotalCount);
    }

    [Fact]
    public async Task Folder_counts_follow_inserts_read_flags_moves_and_deletes()
    {
        var store = await OpenAsync();
        var (user, inbox) = await UserAsync(store, "count@example.com");
        var deleted = (await store.GetDistinguishedFolderAsync(user.MailboxId, "deleteditems", CancellationToken.None))!;
        var items = new List<Item>();
        for (var i = 0; i < 30; i++)
        {
            var item = NewItem(user.MailboxId, inbox.Id, "m" + i);
            item.IsRead = i % 3 == 0;
            items.Add(item);
        }

        await InsertAsync(store, [.. items]);
        Assert.Equal((30, 20), await StoreTests.CountsAsync(store, inbox.Id));

        var markRead = items[1];
        markRead.IsRead = true;
        items[2].FolderId = deleted.Id;
        items[3].FolderId = deleted.Id;
        var edits = new ChangeSet();
        foreach (var item in new[] { markRead, items[2], items[3] })
        {
            edits.Updates.Add((item, item.ChangeNumber));
        }

        edits.Deletes.Add(items[4].Id);
        await store.ApplyAsync(edits, CancellationToken.None);
        Assert.Equal((27, 17), await StoreTests.CountsAsync(store, inbox.Id));
        Assert.Equal((2, 1), await StoreTests.CountsAsync(store, deleted.Id));

        // A refused change set changes no count either.
        var stale = new ChangeSet();
        stale.Inserts.Add(NewItem(user.MailboxId, inbox.Id, "never"));
        stale.Updates.Add((markRead, markRead.ChangeNumber - 1));
        await Assert.ThrowsAsync<ConcurrencyException>(() => store.ApplyAsync(stale, CancellationToken.None));
        Assert.Equal((27, 17), await StoreTests.CountsAsync(store, inbox.Id));
        Assert.Equal(27, (await store.GetItemsAsync(inbox.Id, CancellationToken.None)).Count);

        // Deleting an item already gone is a stale decision too.
        var gone = new ChangeSet();
        gone.Deletes.Add(items[4].Id);
        Assert.True((await Assert.ThrowsAsync<ConcurrencyException>(() => store.ApplyAsync(gone, CancellationToken.None))).Gone);
    }

    /// <summary>
    /// Items written with a folder in one change set (PostgreSQL's general write, not its batched one): the new folder and
    /// an old one count them once each, and a long item among them still bounds the folder's windows.
    /// </summary>
    [Fact]
    public async Task Folder_counts_and_the_longest_item_follow_inserts_written_beside_a_new_folder()
    {
        var store = await OpenAsync();
        var (user, inbox) = await UserAsync(store, "mixed@example.com");
        var calendar = (await store.GetDistinguishedFolderAsync(user.MailboxId, "calendar", CancellationToken.None))!;
        var sub = new Folder { Id = EwsIds.NewFolderId(user.MailboxId), MailboxId = user.MailboxId, ParentId = inbox.Id, DisplayName = "Sub", FolderClass = "IPF.Note" };
        var monday = new DateTime(2026, 11, 23, 0, 0, 0, DateTimeKind.Utc);
        var changes = new ChangeSet();
        changes.FolderInserts.Add(sub);
        for (var i = 0; i < 5; i++)
        {
            var item = NewItem(user.MailboxId, i < 3 ? sub.Id : inbox.Id, "m" + i);
            item.IsRead = i == 0;
            changes.Inserts.Add(item);
        }

        var month = new Item
        {
            Id = EwsIds.NewItemId(user.MailboxId), MailboxId = user.MailboxId, FolderId = calendar.Id, Kind = ItemKind.CalendarItem, Subject = "a month",
            Start = monday.AddDays(-30), End = monday.AddDays(1),
        };
        changes.Inserts.Add(month);
        await store.ApplyAsync(changes, CancellationToken.None);

        Assert.Equal((3, 2), await StoreTests.CountsAsync(store, sub.Id));
        Assert.Equal((2, 2), await StoreTests.CountsAsync(store, inbox.Id));
        Assert.Equal(1, (await store.GetFolderAsync(calendar.Id, CancellationToken.None))!.TotalCount);
        Assert.Equal(["a month"], (await store.GetItemsInWindowAsync(calendar.Id, monday, monday.AddDays(7), CancellationToken.None)).Select(i => i.Subject));

        // Then the batched write's inserts, into the same folders.
        await InsertAsync(store, NewItem(user.MailboxId, sub.Id, "later"), NewItem(user.MailboxId, inbox.Id, "later too"));
        Assert.Equal((4, 3), await StoreTests.CountsAsync(store, sub.Id));
        Assert.Equal((3, 3), await StoreTests.CountsAsync(store, inbox.Id));
    }

    [Fact]
    public async Task A_window_finds_every_overlapping_item_however_long_or_wherever_it_came_from()
    {
        var store = await OpenAsync();
        var (user, _) = await UserAsync(store, "window@example.com");
        var calendar = (await store.GetDistinguishedFolderAsync(user.MailboxId, "calendar", CancellationToken.None))!;
        var elsewhere = (await store.GetDistinguishedFolderAsync(user.MailboxId, "deleteditems", CancellationToken.None))!;
        var monday = new DateTime(2026, 11, 23, 0, 0, 0, DateTimeKind.Utc);
        Item At(string subject, string folderId, DateTime start, TimeSpan length) => new()
        {
            Id = EwsIds.NewItemId(user.MailboxId), MailboxId = user.MailboxId, FolderId = folderId, Kind = ItemKind.CalendarItem, Subject = subject,
            Start = start, End = start + length,
        };

        var changes = new ChangeSet();
        for (var day = -60; day < 60; day++)
        {
            changes.Inserts.Add(At("hour " + day, calendar.Id, monday.AddDays(day).AddHours(9), TimeSpan.FromHours(1)));
        }

        var conference = At("three weeks", calendar.Id, monday.AddDays(-20), TimeSpan.FromDays(21));
        var stretched = At("stretched", calendar.Id, monday.AddDays(-40), TimeSpan.FromHours(1));
        var movedIn = At("moved in", elsewhere.Id, monday.AddDays(-50), TimeSpan.FromDays(52));
        var endsAtStart = At("ends as the window starts", calendar.Id, monday.AddHours(-2), TimeSpan.FromHours(2));
        changes.Inserts.AddRange([conference, stretched, movedIn, endsAtStart]);
        await store.ApplyAsync(changes, CancellationToken.None);

        var edits = new ChangeSet();
        var expected = stretched.ChangeNumber;
        stretched.End = monday.AddDays(1);
        edits.Updates.Add((stretched, expected));
        expected = movedIn.ChangeNumber;
        movedIn.FolderId = calendar.Id;
        edits.Updates.Add((movedIn, expected));
        await store.ApplyAsync(edits, CancellationToken.None);

        var week = await store.GetItemsInWindowAsync(calendar.Id, monday, monday.AddDays(7), CancellationToken.None);
        Assert.Equal(
            ["moved in", "stretched", "three weeks", "hour 0", "hour 1", "hour 2", "hour 3", "hour 4", "hour 5", "hour 6"],
            week.Select(i => i.Subject));
        var busy = await store.GetFreeBusyInWindowAsync(calendar.Id, monday, monday.AddDays(7), CancellationToken.None);
        Assert.Equal(week.Select(i => i.Id), busy.Select(i => i.Id));
    }

    [Fact]
    public async Task A_window_read_with_a_projection_decodes_only_its_properties_of_its_kind()
    {
        var store = await OpenAsync();
        var (user, _) = await UserAsync(store, "projection@example.com");
        var calendar = (await store.GetDistinguishedFolderAsync(user.MailboxId, "calendar", CancellationToken.None))!;
        var monday = new DateTime(2026, 11, 23, 0, 0, 0, DateTimeKind.Utc);
        Item At(string subject, ItemKind kind, int day) => new()
        {
            Id = EwsIds.NewItemId(user.MailboxId), MailboxId = user.MailboxId, FolderId = calendar.Id, Kind = kind, Subject = subject,
            Start = monday.AddDays(day).AddHours(9), End = monday.AddDays(day).AddHours(10), Location = "Room " + day,
            Sensitivity = "Private", Body = new Body("Text", "not read"), Categories = ["kept whole"],
        };

        var changes = new ChangeSet();
        changes.Inserts.AddRange([At("one", ItemKind.CalendarItem, 0), At("two", ItemKind.CalendarItem, 1), At("a request", ItemKind.MeetingRequest, 2)]);
        await store.ApplyAsync(changes, CancellationToken.None);

        var only = new ItemProjection(ItemKind.CalendarItem, [ItemProperties.ItemType_Subject, ItemProperties.CalendarItemType_Start, ItemProperties.ItemType_Sensitivity]);
        var whole = await store.GetItemsInWindowAsync(calendar.Id, monday, monday.AddDays(7), CancellationToken.None);
        var partial = await store.GetItemsInWindowAsync(calendar.Id, monday, monday.AddDays(7), only, CancellationToken.None);
        Assert.Equal(whole.Select(i => (i.Id, i.ChangeNumber, i.Kind, i.Subject, i.Start, i.Sensitivity)), partial.Select(i => (i.Id, i.ChangeNumber, i.Kind, i.Subject, i.Start, i.Sensitivity)));
        Assert.Equal(["one", "two", "a request"], partial.Select(i => i.Subject));
        foreach (var item in partial.Where(i => i.Kind == ItemKind.CalendarItem))
        {
            Assert.Equal((null, null, null, null), (item.End, item.Location, item.Body, item.Categories));
            Assert.Equal(calendar.Id, item.FolderId);
        }

        // Another kind is read whole.
        var request = partial.Single(i => i.Kind == ItemKind.MeetingRequest);
        Assert.Equal(("Room 2", "not read", "kept whole"), (request.Location, request.Body?.Text, request.Categories?.Single()));
        Assert.Equal(whole.Select(i => i.Body?.Text), (await store.GetItemsInWindowAsync(calendar.Id, monday, monday.AddDays(7), null, CancellationToken.None)).Select(i => i.Body?.Text));
    }

    [Fact]
    public async Task Stored_items_leave_out_null_properties_and_read_back_the_same()
    {
        var store = await OpenAsync();
        var (user, inbox) = await UserAsync(store, "json@example.com");
        var item = NewItem(user.MailboxId, inbox.Id, "small");
        item.From = new EmailAddress("Json", "json@example.com");
        await InsertAsync(store, item);

        Assert.Equal(0, await ScalarAsync($"SELECT COUNT(*) FROM items WHERE id = '{item.Id}' AND data LIKE '%:null%';"));
        Assert.Equal(1, await ScalarAsync($"SELECT COUNT(*) FROM items WHERE id = '{item.Id}';"));
        var read = (await store.GetItemAsync(item.Id, CancellationToken.None))!;
        Assert.Equal(("small", item.From, (DateTime?)null, (bool?)null), (read.Subject, read.From, read.Start, read.IsRead));
    }

    [Fact]
    public async Task Two_stores_writing_one_database_at_once_number_in_commit_order_and_a_sync_loses_no_change()
    {
        // Defect (issue 14): each process counted in memory, so two writers gave the same numbers and a sync's watermark
        // passed changes the other had not committed yet.
        var one = await OpenAsync();
        var (user, inboxFolder) = await UserAsync(one, "two@example.com");
        var two = await OpenAsync();
        var inbox = inboxFolder.Id;

        var written = new List<Item>();
        async Task WriteAsync(IMailStore store, string prefix)
        {
            for (var i = 0; i < 25; i++)
            {
                var item = NewItem(user.MailboxId, inbox, prefix + i);
                await InsertAsync(store, item);
                lock (written)
                {
                    written.Add(item);
                }
            }
        }

        var seen = new List<string>();
        var (watermark, entered) = (0L, 0L);
        async Task SyncAsync(IMailStore store)
        {
            var page = await store.GetItemChangesAsync(inbox, watermark, entered, 512, [], CancellationToken.None);
            Assert.True(page.IncludesLast);
            Assert.All(page.Changes, c => Assert.Equal(SyncChangeKind.Create, c.Kind));
            seen.AddRange(page.Changes.Select(c => c.ItemId));
            (watermark, entered) = (page.Watermark, page.Entered);
        }

        var writers = Task.WhenAll(Task.Run(() => WriteAsync(one, "one-a")), Task.Run(() => WriteAsync(one, "one-b")),
            Task.Run(() => WriteAsync(two, "two-a")), Task.Run(() => WriteAsync(two, "two-b")));
        for (var round = 0; !writers.IsCompleted; round++)
        {
            await SyncAsync(round % 2 == 0 ? one : two);
        }

        await writers;
        await SyncAsync(one);
        Assert.Equal(written.Select(i => i.Id).Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));

        var stored = await one.GetItemsAsync(inbox, CancellationToken.None);
        Assert.Equal(written.ToDictionary(i => i.Id, i => i.ChangeNumber), stored.ToDictionary(i => i.Id, i => i.ChangeNumber));
        Assert.Equal(stored.Count, stored.Select(i => i.ChangeNumber).Distinct().Count());
        var seqs = await LogSeqsInWriteOrderAsync(user.MailboxId);
        Assert.Equal(seqs.Order(), seqs);
        var log = await two.GetChangeLogAsync(user.MailboxId, 0, 10_000, CancellationToken.None);
        Assert.Equal(written.Count, log.Entries.Count(e => e is { Kind: ChangeKind.Created, IsFolder: false }));
    }

    [Fact]
    public async Task A_notifier_polling_the_log_hears_of_every_mailbox_another_store_changed()
    {
        var one = await OpenAsync();
        var two = await OpenAsync();
        var (alice, aliceInbox) = await UserAsync(one, "alice@example.com");
        var (bob, bobInbox) = await UserAsync(one, "bob@example.com");
        var cursor = (await one.GetChangedMailboxesAsync(-1, CancellationToken.None)).Cursor;
        if (ReportsEachChangeOnce)
        {
            Assert.Empty((await one.GetChangedMailboxesAsync(cursor, CancellationToken.None)).MailboxIds);
        }

        await InsertAsync(two, NewItem(alice.MailboxId, aliceInbox.Id, "to alice"));
        var changed = await one.GetChangedMailboxesAsync(cursor, CancellationToken.None);
        Assert.Contains(alice.MailboxId, changed.MailboxIds);
        await InsertAsync(two, NewItem(bob.MailboxId, bobInbox.Id, "to bob"));
        var next = await one.GetChangedMailboxesAsync(changed.Cursor, CancellationToken.None);
        Assert.Contains(bob.MailboxId, next.MailboxIds);
        Assert.True(next.Cursor >= changed.Cursor);
        if (ReportsEachChangeOnce)
        {
            Assert.Equal([alice.MailboxId], changed.MailboxIds);
            Assert.Empty((await one.GetChangedMailboxesAsync(next.Cursor, CancellationToken.None)).MailboxIds);
        }
    }

    /// <summary>
    /// Whether the notifier's cursor is exact (SQLite: one writer, the log's rowid). PostgreSQL's is the oldest running
    /// transaction, so a mailbox may be reported again while another transaction of the cluster stays open.
    /// </summary>
    protected virtual bool ReportsEachChangeOnce => true;

    [Fact]
    public async Task Sign_in_failures_are_counted_by_every_store_over_one_database_locked_out_forgotten_and_go_stale()
    {
        var nodeA = await OpenAsync();
        var nodeB = await OpenAsync();
        byte[] account = [1, 2, 3], client = [4, 5, 6], other = [7];
        static TimeSpan LockAfterTwo(int failures) => failures > 2 ? TimeSpan.FromSeconds(failures) : TimeSpan.Zero;
        const long Hour = 3_600_000;

        Assert.Equal((1, 0L), await nodeA.AddSignInFailureAsync(account, 1_000, Hour, LockAfterTwo, CancellationToken.None));
        Assert.Equal((2, 0L), await nodeB.AddSignInFailureAsync(account, 2_000, Hour, LockAfterTwo, CancellationToken.None));
        Assert.Equal((3, 6_000L), await nodeA.AddSignInFailureAsync(account, 3_000, Hour, LockAfterTwo, CancellationToken.None));
        Assert.Equal((1, 0L), await nodeB.AddSignInFailureAsync(client, 3_000, Hour, LockAfterTwo, CancellationToken.None));
        Assert.Equal((6_000L, 0L), await nodeB.GetSignInLockoutsAsync(account, client, CancellationToken.None));
        Assert.Equal((0L, 0L), await nodeB.GetSignInLockoutsAsync(other, null, CancellationToken.None));

        // A lockout never shrinks; once it ended and the last failure is an hour old, the count starts again (and
        // stale keys of others are removed on the way).
        Assert.Equal((4, 7_000L), await nodeB.AddSignInFailureAsync(account, 3_000, Hour, LockAfterTwo, CancellationToken.None));
        Assert.Equal((1, 0L), await nodeA.AddSignInFailureAsync(account, 3_000 + Hour + 7_000, Hour, LockAfterTwo, CancellationToken.None));
        Assert.Equal(0L, await ScalarAsync("SELECT count(*) FROM signin_failures WHERE failures = 1 AND last_failure = 3000"));

        await nodeB.ForgetSignInFailuresAsync(account, CancellationToken.None);
        Assert.Equal((0L, 0L), await nodeA.GetSignInLockoutsAsync(account, client, CancellationToken.None));
    }

    [Fact]
    public async Task A_meeting_turn_waits_for_the_one_held_and_a_cancelled_wait_holds_nothing()
    {
        var store = await OpenAsync();
        var first = await store.MeetingTurnAsync("uid-1\0org@example.com", CancellationToken.None);
        var second = store.MeetingTurnAsync("uid-1\0org@example.com", CancellationToken.None);
        // Another meeting never waits on this one.
        await using (await store.MeetingTurnAsync("uid-2\0org@example.com", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)))
        {
        }

        using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.MeetingTurnAsync("uid-1\0org@example.com", cancel.Token));
        }

        await Task.Delay(200);
        Assert.False(second.IsCompleted);
        await first.DisposeAsync();
        await first.DisposeAsync(); // a second end of one turn ends nothing else
        var secondTurn = await second.WaitAsync(TimeSpan.FromSeconds(10));
        var third = store.MeetingTurnAsync("uid-1\0org@example.com", CancellationToken.None);
        await Task.Delay(200);
        Assert.False(third.IsCompleted);
        await secondTurn.DisposeAsync();
        await (await third.WaitAsync(TimeSpan.FromSeconds(10))).DisposeAsync();
    }

    [Fact]
    public async Task The_signing_key_survives_a_restart_and_differs_between_stores()
    {
        var first = (await OpenAsync()).SyncStateKey.ToArray();
        Assert.Equal(first, (await OpenAsync()).SyncStateKey.ToArray());
        await using var other = await OpenOtherDatabaseAsync();
        Assert.Equal(32, first.Length);
        Assert.NotEqual(first, other.SyncStateKey.ToArray());
    }

    [Fact]
    public async Task Removing_a_user_removes_their_tombstones()
    {
        var store = await OpenAsync();
        var (user, inbox) = await UserAsync(store, "gone@example.com");
        var item = NewItem(user.MailboxId, inbox.Id, "doomed");
        await InsertAsync(store, item);
        var folder = new Folder { Id = EwsIds.NewFolderId(user.MailboxId), MailboxId = user.MailboxId, ParentId = inbox.ParentId, DisplayName = "Doomed", FolderClass = "IPF.Note" };
        var folderInsert = new ChangeSet();
        folderInsert.FolderInserts.Add(folder);
        await store.ApplyAsync(folderInsert, CancellationToken.None);
        var delete = new ChangeSet();
        delete.Deletes.Add(item.Id);
        delete.FolderDeletes.Add(folder.Id);
        await store.ApplyAsync(delete, CancellationToken.None);
        const string Tombstones = "SELECT COUNT(*) FROM change_log WHERE kind = 6";
        Assert.Equal(2, await ScalarAsync(Tombstones + ";"));

        Assert.True(await store.RemoveUserAsync("GONE@example.com", CancellationToken.None));
        Assert.Equal(0, await ScalarAsync(Tombstones + ";"));
        Assert.Null(await store.FindUserAsync("gone@example.com", CancellationToken.None));
    }

    [Fact]
    public async Task Sync_pages_known_changes_first_then_fills_the_room_left_with_new_items_in_the_order_they_entered()
    {
        // PostgreSQL reads the four parts of a page in one statement (the new items' limit computed from the known
        // changes' count): each share of a page, and its position, must be what the separate reads gave.
        var store = await OpenAsync();
        var (user, inbox) = await UserAsync(store, "room@example.com");
        Item[] known = [.. Enumerable.Range(0, 4).Select(i => NewItem(user.MailboxId, inbox.Id, "k" + i))];
        await InsertAsync(store, known);
        var told = await store.GetItemChangesAsync(inbox.Id, 0, 0, 10, [], CancellationToken.None);
        Assert.True(told.IncludesLast);

        var edits = new ChangeSet();
        foreach (var item in known[..3])
        {
            var expected = item.ChangeNumber;
            item.Subject += " changed";
            edits.Updates.Add((item, expected));
        }

        await store.ApplyAsync(edits, CancellationToken.None);
        var delete = new ChangeSet();
        delete.Deletes.Add(known[3].Id);
        await store.ApplyAsync(delete, CancellationToken.None);
        Item[] fresh = [.. Enumerable.Range(0, 3).Select(i => NewItem(user.MailboxId, inbox.Id, "n" + i))];
        foreach (var item in fresh)
        {
            await InsertAsync(store, item);
        }

        // Four known changes against a page of three: the page is known changes only, and says more are left.
        var full = await store.GetItemChangesAsync(inbox.Id, told.Watermark, told.Entered, 3, [], CancellationToken.None);
        Assert.False(full.IncludesLast);
        Assert.Equal([.. known[..3].Select(i => (SyncChangeKind.Update, i.Id))], full.Changes.Select(c => (c.Kind, c.ItemId)));
        Assert.Equal(told.Entered, full.Entered);

        // The last known change, then two of the three new items in the order they entered, in a page of three.
        var mixed = await store.GetItemChangesAsync(inbox.Id, full.Watermark, full.Entered, 3, [], CancellationToken.None);
        Assert.False(mixed.IncludesLast);
        Assert.Equal([(SyncChangeKind.Delete, known[3].Id), (SyncChangeKind.Create, fresh[0].Id), (SyncChangeKind.Create, fresh[1].Id)],
            mixed.Changes.Select(c => (c.Kind, c.ItemId)));
        var rest = await store.GetItemChangesAsync(inbox.Id, mixed.Watermark, mixed.Entered, 3, [], CancellationToken.None);
        Assert.True(rest.IncludesLast);
        Assert.Equal([(SyncChangeKind.Create, fresh[2].Id)], rest.Changes.Select(c => (c.Kind, c.ItemId)));
        Assert.Equal(await store.GetChangeLogPositionAsync(user.MailboxId, CancellationToken.None), rest.Watermark);
        Assert.Empty((await store.GetItemChangesAsync(inbox.Id, rest.Watermark, rest.Entered, 3, [], CancellationToken.None)).Changes);
    }

    [Fact]
    public async Task Sync_reports_updates_read_flags_moves_and_deletes_once_each_and_folder_moves_by_scope()
    {
        var store = await OpenAsync();
        var (user, inbox) = await UserAsync(store, "sync@example.com");
        var root = (await store.GetDistinguishedFolderAsync(user.MailboxId, "msgfolderroot", CancellationToken.None))!;
        var deleted = (await store.GetDistinguishedFolderAsync(user.MailboxId, "deleteditems", CancellationToken.None))!;
        Item[] items = [.. Enumerable.Range(0, 5).Select(i => NewItem(user.MailboxId, inbox.Id, "s" + i))];
        await InsertAsync(store, items);
        var first = await store.GetItemChangesAsync(inbox.Id, 0, 0, 3, [], CancellationToken.None);
        Assert.False(first.IncludesLast);
        Assert.Equal(3, first.Changes.Count);
        var rest = await store.GetItemChangesAsync(inbox.Id, first.Watermark, first.Entered, 10, [], CancellationToken.None);
        Assert.True(rest.IncludesLast);
        Assert.Equal(items.Select(i => i.Id), first.Changes.Concat(rest.Changes).Select(c => c.ItemId));

        var edits = new ChangeSet();
        var expected = items[0].ChangeNumber;
        items[0].Subject = "changed";
        edits.Updates.Add((items[0], expected));
        expected = items[1].ChangeNumber;
        items[1].IsRead = true;
        edits.Updates.Add((items[1], expected));
        edits.Deletes.Add(items[2].Id);
        var moved = NewItem(user.MailboxId, deleted.Id, "s3");
        edits.Move(items[3].Id, moved);
        await store.ApplyAsync(edits, CancellationToken.None);

        var page = await store.GetItemChangesAsync(inbox.Id, rest.Watermark, rest.Entered, 10, [], CancellationToken.None);
        Assert.Equal(
            [(SyncChangeKind.Update, items[0].Id), (SyncChangeKind.ReadFlagChange, items[1].Id), (SyncChangeKind.Delete, items[2].Id), (SyncChangeKind.Delete, items[3].Id)],
            page.Changes.Select(c => (c.Kind, c.ItemId)).OrderBy(c => c.Kind).ThenBy(c => Array.FindIndex(items, i => i.Id == c.ItemId)));
        var log = await store.GetChangeLogAsync(user.MailboxId, rest.Watermark, 100, CancellationToken.None);
        Assert.Contains(log.Entries, e => e is { Kind: ChangeKind.Moved } && e.Id == moved.Id && e.SourceId == items[3].Id && e.SourceFolderId == inbox.Id);
        Assert.Contains(log.Entries, e => e is { Kind: ChangeKind.ReadFlagChanged } && e.Id == items[1].Id);
        Assert.True(log.IncludesLast);
        Assert.Equal(await store.GetChangeLogPositionAsync(user.MailboxId, CancellationToken.None), log.Position);
        Assert.True((await store.GetFolderAsync(inbox.Id, CancellationToken.None))!.ContentModified > inbox.ContentModified);

        // A folder made under the root, then moved under Deleted Items: a hierarchy sync of the root sees both steps.
        var hierarchy = await store.GetFolderChangesAsync(user.MailboxId, root.Id, 0, CancellationToken.None);
        var sub = new Folder { Id = EwsIds.NewFolderId(user.MailboxId), MailboxId = user.MailboxId, ParentId = inbox.Id, DisplayName = "Sub", FolderClass = "IPF.Note" };
        var made = new ChangeSet();
        made.FolderInserts.Add(sub);
        await store.ApplyAsync(made, CancellationToken.None);
        var afterMade = await store.GetFolderChangesAsync(user.MailboxId, root.Id, hierarchy.Watermark, CancellationToken.None);
        Assert.Contains(afterMade.Changes, c => c.FolderId == sub.Id && c.Kind == SyncChangeKind.Create);
        Assert.Equal(1, (await store.GetFolderAsync(inbox.Id, CancellationToken.None))!.ChildFolderCount);
        sub.ParentId = deleted.Id;
        sub.DisplayName = "Sub, moved";
        var move = new ChangeSet();
        move.FolderUpdates.Add(sub);
        await store.ApplyAsync(move, CancellationToken.None);
        var inboxScope = await store.GetFolderChangesAsync(user.MailboxId, inbox.Id, afterMade.Watermark, CancellationToken.None);
        Assert.Equal([(SyncChangeKind.Delete, sub.Id)], inboxScope.Changes.Select(c => (c.Kind, c.FolderId)));
        Assert.Equal(["Sub, moved"], (await store.GetChildFoldersAsync(deleted.Id, false, CancellationToken.None)).Select(f => f.DisplayName));
    }

    [Fact]
    public async Task Attachments_are_streamed_in_and_out_copied_with_their_item_and_go_with_it()
    {
        var store = await OpenAsync();
        var (user, inbox) = await UserAsync(store, "files@example.com");
        var drafts = (await store.GetDistinguishedFolderAsync(user.MailboxId, "drafts", CancellationToken.None))!;
        var bytes = new byte[20 * 1024 * 1024 + 17];
        new Random(19).NextBytes(bytes);
        var item = NewItem(user.MailboxId, drafts.Id, "with files");
        var file = new Attachment("a1", AttachmentKind.File) { Name = "big.bin", Size = bytes.Length };
        var attachedItem = NewItem(user.MailboxId, drafts.Id, "inside");
        var inner = new Attachment("a2", AttachmentKind.Item) { Name = "inside" };
        item.Attachments = [file, inner];
        var changes = new ChangeSet();
        changes.Inserts.Add(item);
        changes.Attachments.Add(new AttachmentAdd(item, new NewAttachment(file, AttachmentContent.Bytes(bytes.Length, () => new MemoryStream(bytes)))));
        changes.Attachments.Add(new AttachmentAdd(item, new NewAttachment(inner, AttachmentContent.Of(attachedItem))));
        await store.ApplyAsync(changes, CancellationToken.None);

        var stored = (await store.GetAttachmentAsync(item.Id, "a1", CancellationToken.None))!;
        Assert.Equal((bytes.Length, "big.bin", user.MailboxId), (stored.Length, stored.Header.Name, stored.MailboxId));
        Assert.Equal("inside", (await store.GetAttachmentAsync(item.Id, "a2", CancellationToken.None))!.AttachedItem!.Subject);
        await using (var stream = (await store.OpenAttachmentAsync(item.Id, "a1", CancellationToken.None))!)
        {
            Assert.Equal(bytes.Length, stream.Length);
            var read = new MemoryStream();
            await stream.CopyToAsync(read);
            Assert.True(bytes.AsSpan().SequenceEqual(read.ToArray()));
        }

        Assert.Null(await store.OpenAttachmentAsync(item.Id, "nope", CancellationToken.None));

        // Sent: moved to the Inbox (the rows follow) and copied (the copy owns rows of its own).
        var sent = NewItem(user.MailboxId, inbox.Id, "with files");
        sent.Attachments = [file, inner];
        var copy = NewItem(user.MailboxId, inbox.Id, "copy");
        copy.Attachments = [file, inner];
        var send = new ChangeSet();
        send.Move(item.Id, sent);
        await store.ApplyAsync(send, CancellationToken.None);
        var keep = new ChangeSet();
        keep.Copy(sent.Id, copy);
        await store.ApplyAsync(keep, CancellationToken.None);
        Assert.Null(await store.GetAttachmentAsync(item.Id, "a1", CancellationToken.None));
        await using (var source = await store.OpenAttachmentSourceAsync([sent.Id, copy.Id], CancellationToken.None))
        {
            Assert.Equal("inside", source.AttachedItem(sent.Id, "a2")!.Subject);
            Assert.Null(source.OpenFile(sent.Id, "a2"));
            foreach (var id in new[] { sent.Id, copy.Id })
            {
                await using var stream = source.OpenFile(id, "a1")!;
                var read = new MemoryStream();
                await stream.CopyToAsync(read);
                Assert.Equal(bytes.Length, read.Length);
            }
        }

        var remove = new ChangeSet();
        remove.Attachments.Add(new AttachmentRemove(copy.Id, "a2"));
        await store.ApplyAsync(remove, CancellationToken.None);
        Assert.Null(await store.GetAttachmentAsync(copy.Id, "a2", CancellationToken.None));
        var delete = new ChangeSet();
        delete.Deletes.Add(sent.Id);
        await store.ApplyAsync(delete, CancellationToken.None);
        Assert.Equal(1, await ScalarAsync("SELECT COUNT(*) FROM attachments;"));
    }

    [Fact]
    public async Task A_content_shorter_than_it_said_writes_nothing()
    {
        var store = await OpenAsync();
        var (user, inbox) = await UserAsync(store, "short@example.com");
        var item = NewItem(user.MailboxId, inbox.Id, "short");
        var file = new Attachment("a1", AttachmentKind.File) { Name = "short.bin", Size = 100 };
        item.Attachments = [file];
        var changes = new ChangeSet();
        changes.Inserts.Add(item);
        changes.Attachments.Add(new AttachmentAdd(item, new NewAttachment(file, AttachmentContent.Bytes(100, () => new MemoryStream(new byte[60])))));
        await Assert.ThrowsAnyAsync<Exception>(() => store.ApplyAsync(changes, CancellationToken.None));
        Assert.Null(await store.GetItemAsync(item.Id, CancellationToken.None));
        Assert.Equal(0, await ScalarAsync("SELECT COUNT(*) FROM attachments;"));
    }

    [Fact]
    public async Task Directory_rooms_lists_working_hours_cultures_and_associated_items_round_trip()
    {
        var store = await OpenAsync();
        var (user, inbox) = await UserAsync(store, "Dir@Example.com");
        await Assert.ThrowsAsync<DuplicateException>(() => store.AddUserAsync("dir@example.COM", "again", "x", CancellationToken.None));
        Assert.Equal(user.MailboxId, (await store.FindUserAsync("dir@example.com", CancellationToken.None))!.MailboxId);
        Assert.True(await store.SetPasswordHashAsync("DIR@example.com", "y", CancellationToken.None));
        Assert.Equal("y", (await store.FindUserByMailboxAsync(user.MailboxId, CancellationToken.None))!.PasswordHash);

        Assert.True(await store.AddDistributionListMemberAsync("team@example.com", "Team", "b@example.com", CancellationToken.None));
        Assert.True(await store.AddDistributionListMemberAsync("TEAM@example.com", null, "a@example.com", CancellationToken.None));
        Assert.False(await store.AddDistributionListMemberAsync("team@example.com", null, "A@example.com", CancellationToken.None));
        var team = (await store.FindDistributionListAsync("team@example.com", CancellationToken.None))!;
        Assert.Equal("Team", team.DisplayName);
        Assert.Equal(["b@example.com", "a@example.com"], team.Members);
        Assert.True(await store.RemoveDistributionListMemberAsync("team@example.com", "b@example.com", CancellationToken.None));
        Assert.True(await store.RemoveDistributionListMemberAsync("team@example.com", "a@example.com", CancellationToken.None));
        Assert.Empty(await store.ListDistributionListsAsync(CancellationToken.None));

        var room = await store.AddUserAsync("room@example.com", "Room", "!", CancellationToken.None);
        await store.SetRoomAsync(room.MailboxId, 8, CancellationToken.None);
        await store.SetRoomAsync(room.MailboxId, 10, CancellationToken.None);
        Assert.Equal(10, (await store.GetRoomAsync(room.MailboxId, CancellationToken.None))!.Capacity);
        Assert.Null(await store.GetRoomAsync(user.MailboxId, CancellationToken.None));
        await store.AddRoomListAsync("rooms@example.com", "Rooms", CancellationToken.None);
        await Assert.ThrowsAsync<DuplicateException>(() => store.AddRoomListAsync("ROOMS@example.com", "Again", CancellationToken.None));
        await Assert.ThrowsAsync<DuplicateException>(() => store.AddRoomListAsync("dir@example.com", "A user", CancellationToken.None));
        await Assert.ThrowsAsync<DuplicateException>(() => store.AddUserAsync("rooms@example.com", "A list", "x", CancellationToken.None));
        Assert.True(await store.SetRoomListMemberAsync("Rooms@example.com", room.MailboxId, true, CancellationToken.None));
        Assert.False(await store.SetRoomListMemberAsync("rooms@example.com", user.MailboxId, true, CancellationToken.None));
        Assert.Equal(["room@example.com"], (await store.GetRoomListRoomsAsync("rooms@example.com", CancellationToken.None))!.Select(r => r.User.Address));
        Assert.Equal(["rooms@example.com"], (await store.ListRoomListsAsync(CancellationToken.None)).Select(l => l.Address));
        Assert.Equal(["room@example.com"], (await store.ListRoomsAsync(CancellationToken.None)).Select(r => r.User.Address));
        Assert.True(await store.SetRoomListMemberAsync("rooms@example.com", room.MailboxId, false, CancellationToken.None));
        Assert.Empty((await store.GetRoomListRoomsAsync("rooms@example.com", CancellationToken.None))!);
        Assert.True(await store.RemoveRoomListAsync("rooms@example.com", CancellationToken.None));
        Assert.Null(await store.GetRoomListRoomsAsync("rooms@example.com", CancellationToken.None));

        Assert.Null(await store.GetWorkingHoursAsync(user.MailboxId, CancellationToken.None));
        var hours = new WorkingHours([DayOfWeek.Monday, DayOfWeek.Friday], 9 * 60, 18 * 60, "Europe/Paris");
        await store.SetWorkingHoursAsync(user.MailboxId, hours, CancellationToken.None);
        Assert.Equal((hours.TimeZoneId, hours.StartMinutes, 2), (await store.GetWorkingHoursAsync(user.MailboxId, CancellationToken.None)) is { } h ? (h.TimeZoneId, h.StartMinutes, h.Days.Count) : default);
        await store.SetWorkingHoursAsync(user.MailboxId, null, CancellationToken.None);
        Assert.Null(await store.GetWorkingHoursAsync(user.MailboxId, CancellationToken.None));

        Assert.True(await store.SetCultureAsync("dir@example.com", "de-DE", CancellationToken.None));
        Assert.Equal("de-DE", (await store.FindUserAsync("dir@example.com", CancellationToken.None))!.Culture);
        Assert.Equal("Posteingang", (await store.GetFolderAsync(inbox.Id, CancellationToken.None))!.DisplayName);

        var config = new Item { Id = EwsIds.NewItemId(user.MailboxId), MailboxId = user.MailboxId, FolderId = inbox.Id, Kind = ItemKind.Message, ItemClass = "IPM.Configuration.Test", Subject = "c" };
        await store.SaveAssociatedItemAsync(config, null, CancellationToken.None);
        var again = new Item { Id = EwsIds.NewItemId(user.MailboxId), MailboxId = user.MailboxId, FolderId = inbox.Id, Kind = ItemKind.Message, ItemClass = "IPM.Configuration.Test" };
        await Assert.ThrowsAsync<DuplicateException>(() => store.SaveAssociatedItemAsync(again, null, CancellationToken.None));
        var kept = (await store.GetAssociatedItemAsync(inbox.Id, "IPM.Configuration.Test", CancellationToken.None))!;
        Assert.Equal(config.ChangeNumber, kept.ChangeNumber);
        var current = kept.ChangeNumber;
        await Assert.ThrowsAsync<ConcurrencyException>(() => store.SaveAssociatedItemAsync(kept, current - 1, CancellationToken.None));
        await store.SaveAssociatedItemAsync(kept, current, CancellationToken.None);
        Assert.Single(await store.GetAssociatedItemsAsync(inbox.Id, CancellationToken.None));
        Assert.Equal(0, (await store.GetFolderAsync(inbox.Id, CancellationToken.None))!.TotalCount);
        Assert.True(await store.DeleteAssociatedItemAsync(kept.Id, CancellationToken.None));
        Assert.False(await store.DeleteAssociatedItemAsync(kept.Id, CancellationToken.None));
    }

    [Fact]
    public async Task Series_columns_answer_windows_and_meetings_are_found_by_uid()
    {
        var store = await OpenAsync();
        var (user, _) = await UserAsync(store, "series@example.com");
        var calendar = (await store.GetDistinguishedFolderAsync(user.MailboxId, "calendar", CancellationToken.None))!;
        var start = new DateTime(2026, 1, 5, 9, 0, 0, DateTimeKind.Utc);
        var master = new Item
        {
            Id = EwsIds.NewItemId(user.MailboxId), MailboxId = user.MailboxId, FolderId = calendar.Id, Kind = ItemKind.CalendarItem, Subject = "weekly",
            Start = start, End = start.AddHours(1), Uid = "uid-weekly",
            Recurrence = new Recurrence(new RecurrencePattern(RecurrencePatternKind.Weekly, 1, RecurrenceDays.Monday), new RecurrenceRange(RecurrenceRangeKind.NoEnd, DateOnly.FromDateTime(start))),
        };
        var single = new Item
        {
            Id = EwsIds.NewItemId(user.MailboxId), MailboxId = user.MailboxId, FolderId = calendar.Id, Kind = ItemKind.CalendarItem, Subject = "once",
            Start = start.AddDays(400), End = start.AddDays(400).AddHours(1), Uid = "uid-once",
        };
        await InsertAsync(store, master, single);

        var window = (start.AddDays(300), start.AddDays(420));
        Assert.Equal(["weekly"], (await store.GetSeriesInWindowAsync(calendar.Id, window.Item1, window.Item2, CancellationToken.None)).Select(i => i.Subject));
        Assert.Equal([(master.Id, master.ChangeNumber)], await store.GetSeriesVersionsInWindowAsync(calendar.Id, window.Item1, window.Item2, CancellationToken.None));
        Assert.Empty(await store.GetSeriesInWindowAsync(calendar.Id, start.AddDays(-30), start.AddDays(-1), CancellationToken.None));
        var versions = await store.GetSeriesVersionsAsync(calendar.Id, CancellationToken.None);
        Assert.Equal([(master.Id, (long?)null)], versions.Select(v => (v.Id, v.EndTicks)));
        Assert.Equal(["once"], (await store.GetItemsInWindowAsync(calendar.Id, window.Item1, window.Item2, CancellationToken.None)).Select(i => i.Subject));
        var placed = await store.GetMeetingItemsAsync(user.MailboxId, "uid-weekly", CancellationToken.None);
        Assert.Equal([(master.Id, "calendar")], placed.Select(p => (p.Item.Id, p.Folder)));
    }

    [Fact]
    public async Task Permission_sets_are_replaced_whole_read_in_order_and_answer_the_rights_lookup()
    {
        var store = await OpenAsync();
        var ct = CancellationToken.None;
        var (owner, inbox) = await UserAsync(store, "owner@example.com");
        var bob = await store.AddUserAsync("bob@example.com", "Bob", "x", ct);
        var amy = await store.AddUserAsync("Amy@example.com", "Amy", "x", ct);
        var carl = await store.AddUserAsync("carl@example.com", "Carl", "x", ct);
        var calendar = (await store.GetDistinguishedFolderAsync(owner.MailboxId, "calendar", ct))!;

        // Never set: no set, no rights (the defaults apply).
        Assert.Null(await store.GetPermissionsAsync(inbox.Id, ct));
        Assert.Null(await store.GetRightsAsync(inbox.Id, bob.MailboxId, ct));
        Assert.Empty(await store.GetPermissionsAsync([inbox.Id, calendar.Id], ct));
        Assert.Empty(await store.GetPermissionsAsync(Array.Empty<string>(), ct));

        var custom = FolderRights.Of(PermissionLevel.Author) with { IsFolderContact = true, ReadItems = ReadAccess.TimeAndSubjectAndLocation };
        var reviewer = FolderRights.Of(PermissionLevel.Reviewer);
        var changeNumber = (await store.GetFolderAsync(inbox.Id, ct))!.ChangeNumber;
        var set = new ChangeSet();
        set.Permissions.Add((inbox.Id, [
            new PermissionEntry(Grantee.User(bob.MailboxId, bob.Address, "Bob"), custom),
            new PermissionEntry(Grantee.Anonymous, FolderRights.None),
            new PermissionEntry(Grantee.User(amy.MailboxId, amy.Address, "Amy"), FolderRights.Of(PermissionLevel.Editor)),
            new PermissionEntry(Grantee.Default, reviewer),
        ]));
        Assert.False(set.IsEmpty);
        await store.ApplyAsync(set, ct);

        // Default, Anonymous, then users by address whatever its case; the rights as written (Custom kept).
        var stored = (await store.GetPermissionsAsync(inbox.Id, ct))!;
        Assert.Equal([GranteeKind.Default, GranteeKind.Anonymous, GranteeKind.User, GranteeKind.User], stored.Select(e => e.Grantee.Kind));
        Assert.Equal([amy.MailboxId, bob.MailboxId], stored.Skip(2).Select(e => e.Grantee.MailboxId));
        Assert.Equal(("Amy@example.com", "Amy"), (stored[2].Grantee.Address, stored[2].Grantee.DisplayName));
        Assert.Equal([reviewer, FolderRights.None, FolderRights.Of(PermissionLevel.Editor), custom], stored.Select(e => e.Rights));
        // Writing a set moves no change number.
        Assert.Equal(changeNumber, (await store.GetFolderAsync(inbox.Id, ct))!.ChangeNumber);

        // The lookup: the caller's own entry, else Default's.
        Assert.Equal(custom, await store.GetRightsAsync(inbox.Id, bob.MailboxId, ct));
        Assert.Equal(reviewer, await store.GetRightsAsync(inbox.Id, carl.MailboxId, ct));
        Assert.Null(await store.GetRightsAsync(calendar.Id, bob.MailboxId, ct));

        // Replaced whole: a user left out loses their entry; a folder inserted by the same change may have its set.
        var sub = new Folder { Id = EwsIds.NewFolderId(owner.MailboxId), MailboxId = owner.MailboxId, ParentId = inbox.Id, DisplayName = "Shared", FolderClass = "IPF.Note" };
        var replace = new ChangeSet();
        replace.FolderInserts.Add(sub);
        replace.Permissions.Add((inbox.Id, [new PermissionEntry(Grantee.Default, FolderRights.None), new PermissionEntry(Grantee.User(bob.MailboxId, bob.Address, "Bob"), reviewer)]));
        replace.Permissions.Add((sub.Id, [new PermissionEntry(Grantee.Default, FolderRights.Of(PermissionLevel.Owner))]));
        await store.ApplyAsync(replace, ct);
        Assert.Equal([GranteeKind.Default, GranteeKind.User], (await store.GetPermissionsAsync(inbox.Id, ct))!.Select(e => e.Grantee.Kind));
        Assert.Equal(FolderRights.None, await store.GetRightsAsync(inbox.Id, amy.MailboxId, ct));
        var both = await store.GetPermissionsAsync([inbox.Id, sub.Id, calendar.Id], ct);
        Assert.Equal(new[] { inbox.Id, sub.Id }.Order(StringComparer.Ordinal), both.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(FolderRights.Of(PermissionLevel.Owner), both[sub.Id].Single().Rights);

        // A removed user's entry is no longer read; a deleted folder's rows go with it.
        await store.RemoveUserAsync("bob@example.com", ct);
        Assert.Equal([GranteeKind.Default], (await store.GetPermissionsAsync(inbox.Id, ct))!.Select(e => e.Grantee.Kind));
        var delete = new ChangeSet();
        delete.FolderDeletes.Add(sub.Id);
        await store.ApplyAsync(delete, ct);
        Assert.Null(await store.GetPermissionsAsync(sub.Id, ct));
        Assert.Equal(0, await ScalarAsync($"SELECT COUNT(*) FROM folder_permissions WHERE folder_id = '{sub.Id}'"));
    }

    [Fact]
    public async Task Grants_are_added_once_found_by_name_or_over_every_mailbox_listed_and_removed_with_their_users()
    {
        var store = await OpenAsync();
        var ct = CancellationToken.None;
        var svc = (await store.AddUserAsync("svc@example.com", "Svc", "x", ct)).MailboxId;
        var ann = (await store.AddUserAsync("ann@example.com", "Ann", "x", ct)).MailboxId;
        var ben = (await store.AddUserAsync("ben@example.com", "Ben", "x", ct)).MailboxId;

        Assert.True(await store.AddGrantAsync(svc, GrantKind.SendOnBehalf, ann, ct));
        Assert.False(await store.AddGrantAsync(svc, GrantKind.SendOnBehalf, ann, ct));
        Assert.True(await store.AddGrantAsync(svc, GrantKind.SendAs, ben, ct));
        Assert.True(await store.AddGrantAsync(svc, GrantKind.SendAs, ann, ct));
        Assert.True(await store.HasGrantAsync(svc, GrantKind.SendOnBehalf, ann, ct));
        Assert.False(await store.HasGrantAsync(svc, GrantKind.SendOnBehalf, ben, ct));
        Assert.False(await store.HasGrantAsync(svc, GrantKind.Impersonation, ann, ct));
        await Assert.ThrowsAsync<ArgumentException>(() => store.AddGrantAsync(svc, GrantKind.SendAs, null, ct));

        // Over every mailbox: found for any, listed with no principal, never over one by name.
        Assert.True(await store.AddGrantAsync(svc, GrantKind.Impersonation, null, ct));
        Assert.False(await store.AddGrantAsync(svc, GrantKind.Impersonation, null, ct));
        Assert.True(await store.HasGrantAsync(svc, GrantKind.Impersonation, ben, ct));
        Assert.True(await store.AddGrantAsync(ben, GrantKind.Impersonation, ann, ct));

        // By kind, then mailbox id (bytewise).
        var held = await store.ListGrantsAsync(svc, ct);
        var sendAs = new[] { ann, ben }.Order(StringComparer.Ordinal).Select(p => new GrantRecord(svc, GrantKind.SendAs, p));
        Assert.Equal([new GrantRecord(svc, GrantKind.Impersonation, null), .. sendAs, new GrantRecord(svc, GrantKind.SendOnBehalf, ann)], held);
        Assert.Equal(
            [new GrantRecord(ben, GrantKind.Impersonation, ann), new GrantRecord(svc, GrantKind.SendAs, ann), new GrantRecord(svc, GrantKind.SendOnBehalf, ann)],
            await store.ListGrantsOverAsync(ann, ct));

        Assert.Equal(1, await store.RemoveGrantsAsync(svc, GrantKind.SendOnBehalf, ann, ct));
        Assert.Equal(0, await store.RemoveGrantsAsync(svc, GrantKind.SendOnBehalf, ann, ct));
        Assert.Equal(2, await store.RemoveGrantsAsync(svc, GrantKind.SendAs, null, ct));
        Assert.Equal([new GrantRecord(svc, GrantKind.Impersonation, null)], await store.ListGrantsAsync(svc, ct));

        // A removed user's grants go, held (the foreign key) or over it (RemoveUserAsync), whatever the address's case.
        Assert.True(await store.AddGrantAsync(svc, GrantKind.SendAs, ann, ct));
        Assert.True(await store.RemoveUserAsync("ANN@example.com", ct));
        Assert.Empty(await store.ListGrantsAsync(ben, ct));
        Assert.Empty(await store.ListGrantsOverAsync(ann, ct));
        Assert.Equal([new GrantRecord(svc, GrantKind.Impersonation, null)], await store.ListGrantsAsync(svc, ct));
        var again = (await store.AddUserAsync("ann@example.com", "Ann", "x", ct)).MailboxId;
        Assert.False(await store.HasGrantAsync(svc, GrantKind.SendAs, again, ct));
        Assert.True(await store.RemoveUserAsync("svc@example.com", ct));
        Assert.Equal(0, await ScalarAsync("SELECT COUNT(*) FROM grants"));
    }

    [Fact]
    public async Task A_delegate_its_folder_permissions_and_its_send_on_behalf_grant_are_written_all_or_nothing()
    {
        var store = await OpenAsync();
        var ct = CancellationToken.None;
        var (boss, inbox) = await UserAsync(store, "boss@example.com");
        var zoe = await store.AddUserAsync("zoe@example.com", "Zoe", "x", ct);
        var calendar = (await store.GetDistinguishedFolderAsync(boss.MailboxId, "calendar", ct))!;
        var item = NewItem(boss.MailboxId, inbox.Id, "one");
        await InsertAsync(store, item);

        ChangeSet AddZoe()
        {
            var set = new ChangeSet();
            set.Delegates.Add(new DelegateWrite(boss.MailboxId, new DelegateEntry(zoe.MailboxId, true, false), DelegateWriteKind.Add));
            set.Permissions.Add((calendar.Id, [new PermissionEntry(Grantee.Default, FolderRights.None), new PermissionEntry(Grantee.User(zoe.MailboxId, zoe.Address, "Zoe"), FolderRights.Of(PermissionLevel.Editor))]));
            set.Grants.Add(new GrantWrite(zoe.MailboxId, GrantKind.SendOnBehalf, boss.MailboxId, Add: true));
            return set;
        }

        // A stale item in the same set: none of the three is written.
        var failing = AddZoe();
        failing.Updates.Add((item, item.ChangeNumber - 1));
        await Assert.ThrowsAsync<ConcurrencyException>(() => store.ApplyAsync(failing, ct));
        Assert.Empty((await store.GetDelegationAsync(boss.MailboxId, ct)).Delegates);
        Assert.Null(await store.GetPermissionsAsync(calendar.Id, ct));
        Assert.False(await store.HasGrantAsync(zoe.MailboxId, GrantKind.SendOnBehalf, boss.MailboxId, ct));

        await store.ApplyAsync(AddZoe(), ct);
        Assert.Equal([new DelegateEntry(zoe.MailboxId, true, false)], (await store.GetDelegationAsync(boss.MailboxId, ct)).Delegates);
        Assert.Equal(2, (await store.GetPermissionsAsync(calendar.Id, ct))!.Count);
        Assert.True(await store.HasGrantAsync(zoe.MailboxId, GrantKind.SendOnBehalf, boss.MailboxId, ct));

        // Adding one already there fails the set: its permissions stay as they were.
        var again = AddZoe();
        again.Permissions[0] = (calendar.Id, [new PermissionEntry(Grantee.Default, FolderRights.None)]);
        Assert.True((await Assert.ThrowsAsync<DelegateStateException>(() => store.ApplyAsync(again, ct))).Exists);
        Assert.Equal(2, (await store.GetPermissionsAsync(calendar.Id, ct))!.Count);

        // Removed in one set: row, permission and grant go together; removing again fails and writes nothing.
        var remove = new ChangeSet();
        remove.Delegates.Add(new DelegateWrite(boss.MailboxId, new DelegateEntry(zoe.MailboxId, false, false), DelegateWriteKind.Remove));
        remove.Permissions.Add((calendar.Id, [new PermissionEntry(Grantee.Default, FolderRights.None)]));
        remove.Grants.Add(new GrantWrite(zoe.MailboxId, GrantKind.SendOnBehalf, boss.MailboxId, Add: false));
        await store.ApplyAsync(remove, ct);
        Assert.Empty((await store.GetDelegationAsync(boss.MailboxId, ct)).Delegates);
        Assert.Single((await store.GetPermissionsAsync(calendar.Id, ct))!);
        Assert.False(await store.HasGrantAsync(zoe.MailboxId, GrantKind.SendOnBehalf, boss.MailboxId, ct));
        var update = new ChangeSet();
        update.Delegates.Add(new DelegateWrite(boss.MailboxId, new DelegateEntry(zoe.MailboxId, true, true), DelegateWriteKind.Update));
        update.Grants.Add(new GrantWrite(zoe.MailboxId, GrantKind.SendOnBehalf, boss.MailboxId, Add: true));
        Assert.False((await Assert.ThrowsAsync<DelegateStateException>(() => store.ApplyAsync(update, ct))).Exists);
        Assert.False(await store.HasGrantAsync(zoe.MailboxId, GrantKind.SendOnBehalf, boss.MailboxId, ct));
    }

    [Fact]
    public async Task A_permission_set_written_over_one_it_did_not_read_fails_and_writes_nothing()
    {
        var store = await OpenAsync();
        var ct = CancellationToken.None;
        var (boss, inbox) = await UserAsync(store, "boss@example.com");
        var zoe = await store.AddUserAsync("zoe@example.com", "Zoe", "x", ct);
        var al = await store.AddUserAsync("al@example.com", "Al", "x", ct);
        IReadOnlyList<PermissionEntry> With(params UserRecord[] users) =>
            [new PermissionEntry(Grantee.Default, FolderRights.None), new PermissionEntry(Grantee.Anonymous, FolderRights.None),
             .. users.Select(u => new PermissionEntry(Grantee.User(u.MailboxId, u.Address, u.DisplayName), FolderRights.Of(PermissionLevel.Reviewer)))];
        ChangeSet Append(IReadOnlyList<PermissionEntry>? read, IReadOnlyList<PermissionEntry> written)
        {
            var set = new ChangeSet();
            set.PermissionChecks.Add((inbox.Id, read));
            set.Permissions.Add((inbox.Id, written));
            return set;
        }

        // Two appends that both read the set when it was never set: the first lands, the second fails and loses nothing.
        await store.ApplyAsync(Append(null, With(zoe)), ct);
        await Assert.ThrowsAsync<ConcurrencyException>(() => store.ApplyAsync(Append(null, With(al)), ct));
        Assert.True(SharingRows.SameSet(With(zoe), await store.GetPermissionsAsync(inbox.Id, ct)));

        // Made again from the set as it is now, it lands.
        await store.ApplyAsync(Append(await store.GetPermissionsAsync(inbox.Id, ct), With(zoe, al)), ct);
        Assert.True(SharingRows.SameSet(With(al, zoe), await store.GetPermissionsAsync(inbox.Id, ct)));
    }

    [Fact]
    public async Task DeliverMeetingRequests_is_written_in_the_delegates_change_set_all_or_nothing()
    {
        var store = await OpenAsync();
        var ct = CancellationToken.None;
        var (boss, _) = await UserAsync(store, "boss@example.com");
        var zoe = await store.AddUserAsync("zoe@example.com", "Zoe", "x", ct);

        // An update of one who is no delegate fails the set: the setting beside it is not written.
        var failing = new ChangeSet();
        failing.Delegates.Add(new DelegateWrite(boss.MailboxId, new DelegateEntry(zoe.MailboxId, true, true), DelegateWriteKind.Update));
        failing.DeliverySettings.Add((boss.MailboxId, "DelegatesOnly"));
        Assert.False(failing.IsEmpty);
        await Assert.ThrowsAsync<DelegateStateException>(() => store.ApplyAsync(failing, ct));
        Assert.Equal(Delegation.DefaultDeliverMeetingRequests, (await store.GetDelegationAsync(boss.MailboxId, ct)).DeliverMeetingRequests);

        var adding = new ChangeSet();
        adding.Delegates.Add(new DelegateWrite(boss.MailboxId, new DelegateEntry(zoe.MailboxId, false, true), DelegateWriteKind.Add));
        adding.DeliverySettings.Add((boss.MailboxId, "DelegatesOnly"));
        await store.ApplyAsync(adding, ct);
        var delegation = await store.GetDelegationAsync(boss.MailboxId, ct);
        Assert.Equal(("DelegatesOnly", 1), (delegation.DeliverMeetingRequests, delegation.Delegates.Count));

        // A set of the setting alone is written too.
        var alone = new ChangeSet();
        alone.DeliverySettings.Add((boss.MailboxId, "NoForward"));
        await store.ApplyAsync(alone, ct);
        Assert.Equal("NoForward", (await store.GetDelegationAsync(boss.MailboxId, ct)).DeliverMeetingRequests);
    }

    [Fact]
    public async Task Delegates_are_kept_in_the_order_added_with_their_settings_and_the_delivery_setting()
    {
        var store = await OpenAsync();
        var ct = CancellationToken.None;
        var boss = (await store.AddUserAsync("boss@example.com", "Boss", "x", ct)).MailboxId;
        var zoe = (await store.AddUserAsync("zoe@example.com", "Zoe", "x", ct)).MailboxId;
        var al = (await store.AddUserAsync("al@example.com", "Al", "x", ct)).MailboxId;
        var other = (await store.AddUserAsync("other@example.com", "Other", "x", ct)).MailboxId;

        var none = await store.GetDelegationAsync(boss, ct);
        Assert.Equal(Delegation.DefaultDeliverMeetingRequests, none.DeliverMeetingRequests);
        Assert.Empty(none.Delegates);
        Assert.Empty(await store.GetPrincipalsOfAsync(zoe, ct));

        Assert.True(await store.SaveDelegateAsync(boss, new DelegateEntry(zoe, true, false), add: true, ct));
        Assert.True(await store.SaveDelegateAsync(boss, new DelegateEntry(al, false, true), add: true, ct));
        Assert.False(await store.SaveDelegateAsync(boss, new DelegateEntry(zoe, false, true), add: true, ct));
        Assert.False(await store.SaveDelegateAsync(boss, new DelegateEntry(other, true, true), add: false, ct));
        Assert.True(await store.SaveDelegateAsync(other, new DelegateEntry(zoe, false, false), add: true, ct));

        // In the order added (not by id), an add of one already there changing nothing.
        Assert.Equal([new DelegateEntry(zoe, true, false), new DelegateEntry(al, false, true)], (await store.GetDelegationAsync(boss, ct)).Delegates);
        Assert.True(await store.SaveDelegateAsync(boss, new DelegateEntry(zoe, false, true), add: false, ct));
        Assert.Equal([new DelegateEntry(zoe, false, true), new DelegateEntry(al, false, true)], (await store.GetDelegationAsync(boss, ct)).Delegates);
        Assert.Equal(new[] { boss, other }.Order(StringComparer.Ordinal), await store.GetPrincipalsOfAsync(zoe, ct));

        // Removed and added again: last.
        Assert.True(await store.RemoveDelegateAsync(boss, zoe, ct));
        Assert.False(await store.RemoveDelegateAsync(boss, zoe, ct));
        Assert.True(await store.SaveDelegateAsync(boss, new DelegateEntry(zoe, false, false), add: true, ct));
        Assert.Equal([al, zoe], (await store.GetDelegationAsync(boss, ct)).Delegates.Select(d => d.DelegateMailboxId));

        await store.SetDeliverMeetingRequestsAsync(boss, "DelegatesOnly", ct);
        Assert.Equal("DelegatesOnly", (await store.GetDelegationAsync(boss, ct)).DeliverMeetingRequests);
        await store.SetDeliverMeetingRequestsAsync(boss, "DelegatesAndMe", ct);
        Assert.Equal("DelegatesAndMe", (await store.GetDelegationAsync(boss, ct)).DeliverMeetingRequests);
        Assert.Equal(Delegation.DefaultDeliverMeetingRequests, (await store.GetDelegationAsync(other, ct)).DeliverMeetingRequests);

        // A removed delegate leaves every principal's list; a removed principal takes its delegates and setting.
        await store.RemoveUserAsync("zoe@example.com", ct);
        Assert.Equal([al], (await store.GetDelegationAsync(boss, ct)).Delegates.Select(d => d.DelegateMailboxId));
        Assert.Empty((await store.GetDelegationAsync(other, ct)).Delegates);
        await store.RemoveUserAsync("boss@example.com", ct);
        Assert.Empty(await store.GetPrincipalsOfAsync(al, ct));
        Assert.Equal(0, await ScalarAsync("SELECT COUNT(*) FROM delegation_settings"));
    }
}

/// <summary>The contract on the embedded SQLite store.</summary>
public sealed class SqliteStoreContractTests : StoreContractTests
{
    private readonly TempFolder folder = new("rdv-contract-");
    private readonly TempFolder other = new("rdv-contract-other-");

    protected override Task CreateDatabaseAsync() => Task.CompletedTask;

    protected override async Task<IMailStore> OpenOwnAsync() => await SqliteMailStore.OpenAsync(folder.Path, CancellationToken.None);

    protected override async Task<IMailStore> OpenOtherDatabaseAsync() => await SqliteMailStore.OpenAsync(other.Path, CancellationToken.None);

    protected override async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={folder.Database}");
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    protected override async Task<List<long>> LogSeqsInWriteOrderAsync(string mailboxId)
    {
        await using var connection = new SqliteConnection($"Data Source={folder.Database}");
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT seq FROM change_log WHERE mailbox_id = $m ORDER BY rowid;";
        cmd.Parameters.AddWithValue("$m", mailboxId);
        var seqs = new List<long>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            seqs.Add(reader.GetInt64(0));
        }

        return seqs;
    }

    protected override Task DropDatabaseAsync()
    {
        folder.Dispose();
        other.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>The contract on PostgreSQL: a database of its own for each test.</summary>
public sealed class PostgresStoreContractTests : StoreContractTests
{
    private string connectionString = "";
    private string? otherConnectionString;

    protected override bool ReportsEachChangeOnce => false;

    protected override async Task CreateDatabaseAsync() => connectionString = await PostgresCluster.CreateDatabaseAsync();

    protected override async Task<IMailStore> OpenOwnAsync() => await PostgresMailStore.OpenAsync(connectionString, CancellationToken.None);

    protected override async Task<IMailStore> OpenOtherDatabaseAsync()
    {
        otherConnectionString = await PostgresCluster.CreateDatabaseAsync();
        return await PostgresMailStore.OpenAsync(otherConnectionString, CancellationToken.None);
    }

    protected override async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    protected override async Task<List<long>> LogSeqsInWriteOrderAsync(string mailboxId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT seq FROM change_log WHERE mailbox_id = @m ORDER BY pos;", connection);
        cmd.Parameters.AddWithValue("m", mailboxId);
        var seqs = new List<long>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            seqs.Add(reader.GetInt64(0));
        }

        return seqs;
    }

    protected override async Task DropDatabaseAsync()
    {
        await PostgresCluster.DropDatabaseAsync(connectionString);
        if (otherConnectionString is not null)
        {
            await PostgresCluster.DropDatabaseAsync(otherConnectionString);
        }
    }
}
