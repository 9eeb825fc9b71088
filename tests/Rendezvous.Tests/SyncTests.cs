using System.Xml.Linq;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// SyncFolderItems and SyncFolderHierarchy ([MS-OXWSSYNC]) over HTTP: first and incremental syncs, paging, Ignore,
/// moves, read-flag changes, and the SyncStates that must be refused. Each test syncs folders it creates itself.
/// </summary>
[Collection(ServerCollection.Name)]
public class SyncTests(ServerFixture server)
{
    private const string Alice = ServerFixture.Alice;
    private const string Bob = ServerFixture.Bob;
    private static readonly XNamespace T = EwsResponse.T;
    private static readonly XNamespace M = EwsResponse.M;

    private sealed record Change(string Kind, string Id, XElement Element);

    private sealed record SyncResult(string State, bool IncludesLast, List<Change> Changes)
    {
        public List<string> Ids(string kind) => [.. Changes.Where(c => c.Kind == kind).Select(c => c.Id)];
    }

    // -------------------------------------------------------------------------------------------------------------
    // SyncFolderItems
    // -------------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Ten_thousand_items_then_the_next_sync_returns_exactly_the_ten_changes()
    {
        var folder = await CreateFolderAsync(Alice, Unique("Big"));
        var other = await CreateFolderAsync(Alice, Unique("Elsewhere"));
        var ids = new List<string>();
        for (var batch = 0; batch < 20; batch++)
        {
            ids.AddRange(await CreateMessagesAsync(Alice, folder, 500, $"m{batch}-"));
        }

        Assert.Equal(10_000, ids.Distinct().Count());

        var first = await SyncToEndAsync(Alice, folder, null, 512);
        Assert.All(first.Changes, c => Assert.Equal("Create", c.Kind));
        Assert.Equal(ids.Order(StringComparer.Ordinal), first.Changes.Select(c => c.Id).Order(StringComparer.Ordinal));

        // Ten changes: four content updates, two read-flag-only changes, one update then read-flag change (an Update),
        // a hard delete, a move out (a Delete here), and a new item. An item created and deleted in between is not reported.
        for (var i = 0; i < 4; i++)
        {
            await SetSubjectAsync(Alice, ids[i], $"changed {i}");
        }

        await SetReadAsync(Alice, ids[4], false);
        await SetReadAsync(Alice, ids[5], false);
        await SetSubjectAsync(Alice, ids[6], "changed then unread");
        await SetReadAsync(Alice, ids[6], false);
        await DeleteAsync(Alice, ids[7]);
        await MoveAsync(Alice, ids[8], other);
        var created = Assert.Single(await CreateMessagesAsync(Alice, folder, 1, "new-"));
        var transient = Assert.Single(await CreateMessagesAsync(Alice, folder, 1, "transient-"));
        await DeleteAsync(Alice, transient);

        var next = await SyncAsync(Alice, folder, first.State, 512);
        Assert.True(next.IncludesLast);
        Assert.Equal(10, next.Changes.Count);
        Assert.Equal(new[] { ids[0], ids[1], ids[2], ids[3], ids[6] }.Order(StringComparer.Ordinal), next.Ids("Update").Order(StringComparer.Ordinal));
        Assert.Equal(new[] { ids[4], ids[5] }.Order(StringComparer.Ordinal), next.Ids("ReadFlagChange").Order(StringComparer.Ordinal));
        Assert.All(next.Changes.Where(c => c.Kind == "ReadFlagChange"), c => Assert.Equal("false", c.Element.Element(T + "IsRead")!.Value));
        Assert.Equal(new[] { ids[7], ids[8] }.Order(StringComparer.Ordinal), next.Ids("Delete").Order(StringComparer.Ordinal));
        Assert.Equal([created], next.Ids("Create"));
        Assert.Equal(T + "Message", next.Changes.Single(c => c.Kind == "Create").Element.Elements().Single().Name);

        var nothing = await SyncAsync(Alice, folder, next.State, 512);
        Assert.True(nothing.IncludesLast);
        Assert.Empty(nothing.Changes);
    }

    [Fact]
    public async Task MaxChangesReturned_pages_with_IncludesLastItemInRange()
    {
        var folder = await CreateFolderAsync(Alice, Unique("Paging"));
        var ids = await CreateMessagesAsync(Alice, folder, 5, "p");

        var page1 = await SyncAsync(Alice, folder, null, 2);
        Assert.False(page1.IncludesLast);
        Assert.Equal(ids[..2], page1.Ids("Create"));
        var page2 = await SyncAsync(Alice, folder, page1.State, 2);
        Assert.False(page2.IncludesLast);
        Assert.Equal(ids[2..4], page2.Ids("Create"));

        // A change to an item already returned, made between pages, comes after the rest.
        await SetSubjectAsync(Alice, ids[0], "changed between pages");
        var page3 = await SyncAsync(Alice, folder, page2.State, 2);
        Assert.True(page3.IncludesLast);
        Assert.Equal([("Create", ids[4]), ("Update", ids[0])], page3.Changes.Select(c => (c.Kind, c.Id)));

        var done = await SyncAsync(Alice, folder, page3.State, 2);
        Assert.True(done.IncludesLast);
        Assert.Empty(done.Changes);
    }

    [Fact]
    public async Task A_paged_first_sync_reports_every_item_as_a_Create_once_and_no_Delete_for_an_unreported_item()
    {
        // As seen with ews-javascript-api: six items, two of them edited after they were created, paged by two.
        var folder = await CreateFolderAsync(Alice, Unique("FirstPaged"));
        var ids = await CreateMessagesAsync(Alice, folder, 6, "f");
        await SetSubjectAsync(Alice, ids[0], "edited 0");
        await SetSubjectAsync(Alice, ids[1], "edited 1");

        var first = await SyncAsync(Alice, folder, null, 2);
        Assert.False(first.IncludesLast);
        Assert.Equal(2, first.Changes.Count);
        // An item the client has not been told of yet leaves between pages: it is simply never reported.
        var gone = ids.Except(first.Ids("Create")).Last();
        await DeleteAsync(Alice, gone);

        var rest = await SyncToEndAsync(Alice, folder, first.State, 2);
        var all = first.Changes.Concat(rest.Changes).ToList();
        Assert.All(all, c => Assert.Equal("Create", c.Kind));
        Assert.Equal(ids.Where(i => i != gone).Order(StringComparer.Ordinal), all.Select(c => c.Id).Order(StringComparer.Ordinal));

        var next = await SyncAsync(Alice, folder, rest.State, 2);
        Assert.True(next.IncludesLast);
        Assert.Empty(next.Changes);
    }

    [Fact]
    public async Task An_item_created_or_changed_while_a_first_sync_is_paged_is_reported_exactly_once()
    {
        var folder = await CreateFolderAsync(Alice, Unique("DuringPaging"));
        var other = await CreateFolderAsync(Alice, Unique("Away"));
        var ids = await CreateMessagesAsync(Alice, folder, 6, "d");
        await SetSubjectAsync(Alice, ids[2], "edited before the sync");

        var first = await SyncAsync(Alice, folder, null, 2);
        var told = first.Ids("Create");
        var untold = ids.Except(told).ToList();
        Assert.Equal(2, told.Count);

        // Between pages: an item already reported is edited, another deleted; an item not reported yet is edited,
        // another is moved away, and a new item arrives.
        await SetSubjectAsync(Alice, told[0], "edited after its Create");
        await DeleteAsync(Alice, told[1]);
        await SetSubjectAsync(Alice, untold[0], "edited before its Create");
        await MoveAsync(Alice, untold[1], other);
        var created = Assert.Single(await CreateMessagesAsync(Alice, folder, 1, "new-"));

        var second = await SyncAsync(Alice, folder, first.State, 2);
        // And more between the next pages: the new item and one reported on the second page change again.
        await SetSubjectAsync(Alice, created, "new, edited");
        if (second.Ids("Create").FirstOrDefault() is { } reported)
        {
            await SetReadAsync(Alice, reported, false);
        }

        var rest = await SyncToEndAsync(Alice, folder, second.State, 2);
        var incremental = await SyncToEndAsync(Alice, folder, rest.State, 2);
        var all = first.Changes.Concat(second.Changes).Concat(rest.Changes).Concat(incremental.Changes).ToList();

        // Every item present is a Create exactly once, before any other change of it; the only Delete is of an item reported.
        var present = ids.Except([told[1], untold[1]]).Append(created).ToList();
        Assert.Equal(present.Append(told[1]).Order(StringComparer.Ordinal), all.Where(c => c.Kind == "Create").Select(c => c.Id).Order(StringComparer.Ordinal));
        Assert.Equal([told[1]], all.Where(c => c.Kind == "Delete").Select(c => c.Id));
        Assert.Equal([told[0]], all.Where(c => c.Kind == "Update").Select(c => c.Id));
        foreach (var change in all.Where(c => c.Kind != "Create"))
        {
            Assert.True(all.FindIndex(c => c.Id == change.Id && c.Kind == "Create") < all.IndexOf(change), $"{change.Kind} of {change.Id} before its Create");
        }

        // The read-flag change of an item reported on the second page comes once, after it; then nothing is left.
        var flags = all.Where(c => c.Kind == "ReadFlagChange").Select(c => c.Id).ToList();
        Assert.Equal(second.Ids("Create").Take(1), flags);
        var after = await SyncAsync(Alice, folder, incremental.State, 2);
        Assert.True(after.IncludesLast);
        Assert.Empty(after.Changes);
    }

    [Fact]
    public async Task A_paged_incremental_sync_reports_an_item_created_then_edited_as_one_Create()
    {
        // The same mechanism in an incremental sync: new items, the first edited after it was created, paged by one.
        var folder = await CreateFolderAsync(Alice, Unique("IncPaged"));
        var state = (await SyncAsync(Alice, folder, null, 10)).State;
        var ids = await CreateMessagesAsync(Alice, folder, 3, "n");
        await SetSubjectAsync(Alice, ids[0], "edited");
        var first = await SyncAsync(Alice, folder, state, 1);
        var gone = ids.Except(first.Ids("Create")).Last();
        await DeleteAsync(Alice, gone);

        var rest = await SyncToEndAsync(Alice, folder, first.State, 1);
        var all = first.Changes.Concat(rest.Changes).ToList();
        Assert.All(all, c => Assert.Equal("Create", c.Kind));
        Assert.Equal(ids.Where(i => i != gone).Order(StringComparer.Ordinal), all.Select(c => c.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Exactly_MaxChangesReturned_left_is_the_last_page()
    {
        var folder = await CreateFolderAsync(Alice, Unique("Exact"));
        var ids = await CreateMessagesAsync(Alice, folder, 3, "e");
        var page = await SyncAsync(Alice, folder, null, 3);
        Assert.True(page.IncludesLast);
        Assert.Equal(ids, page.Ids("Create"));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("513")]
    public async Task MaxChangesReturned_outside_1_to_512_fails_schema_validation(string max)
    {
        var folder = await CreateFolderAsync(Alice, Unique("Max"));
        var response = await server.CallAsync(Alice, SyncItems(folder, null, max));
        Assert.Equal("a:ErrorSchemaValidation", response.FaultCode);
    }

    [Fact]
    public async Task Ignored_items_are_skipped()
    {
        var folder = await CreateFolderAsync(Alice, Unique("Ignore"));
        var ids = await CreateMessagesAsync(Alice, folder, 3, "i");
        var first = Parse(await server.CallAsync(Alice, SyncItems(folder, null, "10", ignore: [ids[1]])));
        Assert.Equal([ids[0], ids[2]], first.Ids("Create"));

        await SetSubjectAsync(Alice, ids[0], "changed");
        await SetSubjectAsync(Alice, ids[1], "changed");
        var next = Parse(await server.CallAsync(Alice, SyncItems(folder, first.State, "10", ignore: [ids[1]])));
        Assert.Equal([("Update", ids[0])], next.Changes.Select(c => (c.Kind, c.Id)));
    }

    [Fact]
    public async Task A_read_flag_change_alone_is_a_ReadFlagChange_and_a_content_change_an_Update()
    {
        var folder = await CreateFolderAsync(Alice, Unique("Read"));
        var ids = await CreateMessagesAsync(Alice, folder, 2, "r");
        var first = await SyncAsync(Alice, folder, null, 10);

        await SetReadAsync(Alice, ids[0], false);
        var unread = await SyncAsync(Alice, folder, first.State, 10);
        var flag = Assert.Single(unread.Changes);
        Assert.Equal(("ReadFlagChange", ids[0]), (flag.Kind, flag.Id));
        Assert.Equal("false", flag.Element.Element(T + "IsRead")!.Value);

        await SetReadAsync(Alice, ids[0], true);
        await SetSubjectAsync(Alice, ids[1], "content");
        var next = await SyncAsync(Alice, folder, unread.State, 10);
        Assert.Equal([("ReadFlagChange", ids[0]), ("Update", ids[1])], next.Changes.Select(c => (c.Kind, c.Id)));
        Assert.Equal("true", next.Changes[0].Element.Element(T + "IsRead")!.Value);
    }

    [Fact]
    public async Task A_moved_item_is_a_Delete_in_the_source_and_a_Create_in_the_target()
    {
        var source = await CreateFolderAsync(Alice, Unique("Source"));
        var target = await CreateFolderAsync(Alice, Unique("Target"));
        var id = Assert.Single(await CreateMessagesAsync(Alice, source, 1, "moving"));
        var sourceState = (await SyncAsync(Alice, source, null, 10)).State;
        var targetState = (await SyncAsync(Alice, target, null, 10)).State;

        var moved = await MoveAsync(Alice, id, target);

        Assert.Equal([("Delete", id)], (await SyncAsync(Alice, source, sourceState, 10)).Changes.Select(c => (c.Kind, c.Id)));
        Assert.Equal([("Create", moved)], (await SyncAsync(Alice, target, targetState, 10)).Changes.Select(c => (c.Kind, c.Id)));
    }

    [Fact]
    public async Task An_item_created_and_deleted_between_two_syncs_is_not_reported()
    {
        var folder = await CreateFolderAsync(Alice, Unique("Transient"));
        var state = (await SyncAsync(Alice, folder, null, 10)).State;
        var id = Assert.Single(await CreateMessagesAsync(Alice, folder, 1, "transient"));
        await DeleteAsync(Alice, id);
        var next = await SyncAsync(Alice, folder, state, 10);
        Assert.True(next.IncludesLast);
        Assert.Empty(next.Changes);
    }

    [Fact]
    public async Task Calendar_items_sync_as_CalendarItem_with_the_shape_and_no_body()
    {
        var folder = await CreateFolderAsync(Alice, Unique("Cal"), "CalendarFolder");
        var created = await server.CallAsync(Alice, Requests.CreateAppointment("Synced appointment", "2030-02-01T09:00:00Z", "2030-02-01T10:00:00Z",
            "<t:Body BodyType=\"Text\">secret agenda</t:Body>", folder: $"<t:FolderId Id=\"{folder}\"/>"));
        var id = created.Ok().ItemId().Id;
        var sync = Parse(await server.CallAsync(Alice, SyncItems(folder, null, "10", shape: "AllProperties")));
        var change = Assert.Single(sync.Changes);
        Assert.Equal(("Create", id), (change.Kind, change.Id));
        var item = change.Element.Elements().Single();
        Assert.Equal(T + "CalendarItem", item.Name);
        Assert.Equal("Synced appointment", item.T("Subject"));
        Assert.Equal("2030-02-01T09:00:00Z", item.T("Start"));
        Assert.Null(item.Element(T + "Body"));
    }

    [Fact]
    public async Task A_tampered_SyncState_is_ErrorInvalidSyncStateData()
    {
        var folder = await CreateFolderAsync(Alice, Unique("Tamper"));
        await CreateMessagesAsync(Alice, folder, 1, "t");
        var state = (await SyncAsync(Alice, folder, null, 10)).State;
        var bytes = Convert.FromBase64String(state);
        foreach (var index in new[] { 0, 1, 5, bytes.Length / 2, bytes.Length - 1 })
        {
            var tampered = (byte[])bytes.Clone();
            tampered[index] ^= 0x01;
            var response = await server.CallAsync(Alice, SyncItems(folder, Convert.ToBase64String(tampered), "10"));
            Assert.Equal("ErrorInvalidSyncStateData", response.Code());
        }

        var garbage = await server.CallAsync(Alice, SyncItems(folder, "not base64 at all!", "10"));
        Assert.Equal("ErrorInvalidSyncStateData", garbage.Code());
        // As Exchange: an empty SyncState and IncludesLastItemInRange=true even on error (exchangelib reads both first).
        Assert.Equal("", garbage.Single().Element(M + "SyncState")!.Value);
        Assert.Equal("true", garbage.Single().Element(M + "IncludesLastItemInRange")!.Value);
        Assert.Equal("ErrorInvalidSyncStateData", (await server.CallAsync(Alice, SyncItems(folder, "AAAA", "10"))).Code());
    }

    [Fact]
    public async Task A_SyncState_of_another_folder_or_another_user_is_ErrorInvalidSyncStateData()
    {
        var a = await CreateFolderAsync(Alice, Unique("A"));
        var b = await CreateFolderAsync(Alice, Unique("B"));
        var stateOfA = (await SyncAsync(Alice, a, null, 10)).State;
        Assert.Equal("ErrorInvalidSyncStateData", (await server.CallAsync(Alice, SyncItems(b, stateOfA, "10"))).Code());

        // Bob's own folder with Alice's state, and Alice's folder id in Bob's hands (not his: not found).
        var bobs = await CreateFolderAsync(Bob, Unique("Bobs"));
        Assert.Equal("ErrorInvalidSyncStateData", (await server.CallAsync(Bob, SyncItems(bobs, stateOfA, "10"))).Code());
        Assert.Equal("ErrorSyncFolderNotFound", (await server.CallAsync(Bob, SyncItems(a, stateOfA, "10"))).Code());

        // A hierarchy state is not an item state, even for the same folder.
        var hierarchy = Parse(await server.CallAsync(Alice, SyncHierarchy($"<t:FolderId Id=\"{a}\"/>", null)), "IncludesLastFolderInRange");
        Assert.Equal("ErrorInvalidSyncStateData", (await server.CallAsync(Alice, SyncItems(a, hierarchy.State, "10"))).Code());
        Assert.Equal("ErrorInvalidSyncStateData", (await server.CallAsync(Alice, SyncHierarchy($"<t:FolderId Id=\"{a}\"/>", stateOfA))).Code());
    }

    [Fact]
    public async Task A_deleted_folder_is_ErrorSyncFolderNotFound()
    {
        var folder = await CreateFolderAsync(Alice, Unique("Gone"));
        var state = (await SyncAsync(Alice, folder, null, 10)).State;
        (await server.CallAsync(Alice, $"<m:DeleteFolder DeleteType=\"HardDelete\"><m:FolderIds><t:FolderId Id=\"{folder}\"/></m:FolderIds></m:DeleteFolder>")).Ok();
        Assert.Equal("ErrorSyncFolderNotFound", (await server.CallAsync(Alice, SyncItems(folder, state, "10"))).Code());
    }

    [Fact]
    public async Task IncludeMimeContent_is_ErrorInvalidPropertyForOperation()
    {
        var folder = await CreateFolderAsync(Alice, Unique("Mime"));
        var response = await server.CallAsync(Alice, SyncItems(folder, null, "10", shapeExtra: "<t:IncludeMimeContent>true</t:IncludeMimeContent>"));
        Assert.Equal("ErrorInvalidPropertyForOperation", response.Code());
    }

    [Fact]
    public async Task Both_sync_scopes_are_accepted()
    {
        var folder = await CreateFolderAsync(Alice, Unique("Scope"));
        var id = Assert.Single(await CreateMessagesAsync(Alice, folder, 1, "s"));
        foreach (var scope in new[] { "NormalItems", "NormalAndAssociatedItems" })
        {
            var sync = Parse(await server.CallAsync(Alice, SyncItems(folder, null, "10", scope: scope)));
            Assert.Equal([id], sync.Ids("Create"));
        }
    }

    // -------------------------------------------------------------------------------------------------------------
    // SyncFolderHierarchy
    // -------------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task SyncFolderHierarchy_reports_created_renamed_and_deleted_folders()
    {
        // Without SyncFolderId: the whole mailbox under msgfolderroot, distinguished folders included.
        var first = Parse(await server.CallAsync(Alice, SyncHierarchy(null, null, "AllProperties")), "IncludesLastFolderInRange");
        Assert.True(first.IncludesLast);
        Assert.All(first.Changes, c => Assert.Equal("Create", c.Kind));
        var calendar = Assert.Single(first.Changes, c => c.Element.Elements().Single().T("DisplayName") == "Calendar");
        Assert.Equal(T + "CalendarFolder", calendar.Element.Elements().Single().Name);
        Assert.DoesNotContain(first.Changes, c => c.Element.Elements().Single().T("DisplayName") is "Top of Information Store" or "Recoverable Items");

        var parentName = Unique("Parent");
        var parent = await CreateFolderAsync(Alice, parentName);
        var created = Parse(await server.CallAsync(Alice, SyncHierarchy(null, first.State, "AllProperties")), "IncludesLastFolderInRange");
        var create = Assert.Single(created.Changes);
        Assert.Equal(("Create", parent), (create.Kind, create.Id));
        Assert.Equal(parentName, create.Element.Elements().Single().T("DisplayName"));

        var child = await CreateFolderAsync(Alice, Unique("Child"), "CalendarFolder", parent);
        (await server.CallAsync(Alice,
            $"""
            <m:UpdateFolder><m:FolderChanges><t:FolderChange><t:FolderId Id="{parent}"/><t:Updates>
              <t:SetFolderField><t:FieldURI FieldURI="folder:DisplayName"/><t:Folder><t:DisplayName>{parentName} renamed</t:DisplayName></t:Folder></t:SetFolderField>
            </t:Updates></t:FolderChange></m:FolderChanges></m:UpdateFolder>
            """)).Ok();
        var changed = Parse(await server.CallAsync(Alice, SyncHierarchy(null, created.State, "AllProperties")), "IncludesLastFolderInRange");
        Assert.Equal([("Create", child), ("Update", parent)], changed.Changes.Select(c => (c.Kind, c.Id)));
        Assert.Equal(T + "CalendarFolder", changed.Changes[0].Element.Elements().Single().Name);
        Assert.Equal(parentName + " renamed", changed.Changes[1].Element.Elements().Single().T("DisplayName"));

        (await server.CallAsync(Alice, $"<m:DeleteFolder DeleteType=\"HardDelete\"><m:FolderIds><t:FolderId Id=\"{parent}\"/></m:FolderIds></m:DeleteFolder>")).Ok();
        var deleted = Parse(await server.CallAsync(Alice, SyncHierarchy(null, changed.State)), "IncludesLastFolderInRange");
        Assert.Equal(new[] { parent, child }.Order(StringComparer.Ordinal), deleted.Ids("Delete").Order(StringComparer.Ordinal));
        Assert.Equal(2, deleted.Changes.Count);

        var after = Parse(await server.CallAsync(Alice, SyncHierarchy(null, deleted.State)), "IncludesLastFolderInRange");
        Assert.Empty(after.Changes);
    }

    [Fact]
    public async Task SyncFolderHierarchy_of_a_folder_reports_only_its_subtree()
    {
        var scope = await CreateFolderAsync(Alice, Unique("Scope"));
        var first = Parse(await server.CallAsync(Alice, SyncHierarchy($"<t:FolderId Id=\"{scope}\"/>", null)), "IncludesLastFolderInRange");
        Assert.Empty(first.Changes);

        var inside = await CreateFolderAsync(Alice, Unique("Inside"), parent: scope);
        var deeper = await CreateFolderAsync(Alice, Unique("Deeper"), parent: inside);
        await CreateFolderAsync(Alice, Unique("Outside"));
        var next = Parse(await server.CallAsync(Alice, SyncHierarchy($"<t:FolderId Id=\"{scope}\"/>", first.State)), "IncludesLastFolderInRange");
        Assert.Equal([("Create", inside), ("Create", deeper)], next.Changes.Select(c => (c.Kind, c.Id)));

        // Another scope's state is refused, and so is another user's.
        Assert.Equal("ErrorInvalidSyncStateData", (await server.CallAsync(Alice, SyncHierarchy(null, next.State))).Code());
        Assert.Equal("ErrorInvalidSyncStateData", (await server.CallAsync(Bob, SyncHierarchy(null, Parse(await server.CallAsync(Alice, SyncHierarchy(null, null)), "IncludesLastFolderInRange").State))).Code());
    }

    // -------------------------------------------------------------------------------------------------------------
    // Helpers
    // -------------------------------------------------------------------------------------------------------------

    private static string Unique(string name) => $"{name} {Guid.NewGuid():N}"[..(name.Length + 9)];

    private static string SyncItems(string folderId, string? state, string max, IEnumerable<string>? ignore = null, string shape = "IdOnly", string shapeExtra = "", string? scope = null) =>
        $"""
        <m:SyncFolderItems>
          <m:ItemShape><t:BaseShape>{shape}</t:BaseShape>{shapeExtra}</m:ItemShape>
          <m:SyncFolderId><t:FolderId Id="{folderId}"/></m:SyncFolderId>
          {(state is null ? "" : $"<m:SyncState>{state}</m:SyncState>")}
          {(ignore is null ? "" : $"<m:Ignore>{string.Concat(ignore.Select(i => $"<t:ItemId Id='{i}'/>"))}</m:Ignore>")}
          <m:MaxChangesReturned>{max}</m:MaxChangesReturned>
          {(scope is null ? "" : $"<m:SyncScope>{scope}</m:SyncScope>")}
        </m:SyncFolderItems>
        """;

    private static string SyncHierarchy(string? folder, string? state, string shape = "Default") =>
        $"""
        <m:SyncFolderHierarchy>
          <m:FolderShape><t:BaseShape>{shape}</t:BaseShape></m:FolderShape>
          {(folder is null ? "" : $"<m:SyncFolderId>{folder}</m:SyncFolderId>")}
          {(state is null ? "" : $"<m:SyncState>{state}</m:SyncState>")}
        </m:SyncFolderHierarchy>
        """;

    private static SyncResult Parse(EwsResponse response, string lastName = "IncludesLastItemInRange")
    {
        var message = response.Ok();
        // The schema's sequence: SyncState, IncludesLast..., Changes.
        Assert.Equal([M + "ResponseCode", M + "SyncState", M + lastName, M + "Changes"], message.Elements().Select(e => e.Name));
        var changes = message.Element(M + "Changes")!.Elements().Select(c => new Change(
            c.Name.LocalName,
            (string)(c.Descendants(T + "ItemId").FirstOrDefault() ?? c.Descendants(T + "FolderId").First()).Attribute("Id")!,
            c)).ToList();
        return new SyncResult(message.Element(M + "SyncState")!.Value, message.Element(M + lastName)!.Value == "true", changes);
    }

    private async Task<SyncResult> SyncAsync(string user, string folder, string? state, int max) =>
        Parse(await server.CallAsync(user, SyncItems(folder, state, max.ToString(System.Globalization.CultureInfo.InvariantCulture))));

    /// <summary>Syncs page after page until the last one; every change of every page, and the final state.</summary>
    private async Task<SyncResult> SyncToEndAsync(string user, string folder, string? state, int max)
    {
        var all = new List<Change>();
        while (true)
        {
            var page = await SyncAsync(user, folder, state, max);
            Assert.InRange(page.Changes.Count, 0, max);
            all.AddRange(page.Changes);
            state = page.State;
            if (page.IncludesLast)
            {
                return page with { Changes = all };
            }

            Assert.Equal(max, page.Changes.Count);
        }
    }

    private async Task<string> CreateFolderAsync(string user, string name, string element = "Folder", string? parent = null)
    {
        var parentId = parent is null ? "<t:DistinguishedFolderId Id=\"msgfolderroot\"/>" : $"<t:FolderId Id=\"{parent}\"/>";
        var response = await server.CallAsync(user,
            $"<m:CreateFolder><m:ParentFolderId>{parentId}</m:ParentFolderId><m:Folders><t:{element}><t:DisplayName>{name}</t:DisplayName></t:{element}></m:Folders></m:CreateFolder>");
        return (string)response.Ok().Descendants(T + "FolderId").Single().Attribute("Id")!;
    }

    /// <summary>Saves <paramref name="count"/> messages in one CreateItem; their ids in order.</summary>
    private async Task<List<string>> CreateMessagesAsync(string user, string folder, int count, string prefix)
    {
        var messages = string.Concat(Enumerable.Range(0, count).Select(i => $"<t:Message><t:Subject>{prefix}{i}</t:Subject></t:Message>"));
        var response = await server.CallAsync(user,
            $"<m:CreateItem MessageDisposition=\"SaveOnly\"><m:SavedItemFolderId><t:FolderId Id=\"{folder}\"/></m:SavedItemFolderId><m:Items>{messages}</m:Items></m:CreateItem>");
        Assert.Equal(count, response.Messages.Count);
        Assert.All(response.Messages, m => Assert.Equal("NoError", m.Element(M + "ResponseCode")!.Value));
        return [.. response.Messages.Select(m => m.ItemId().Id)];
    }

    private Task SetSubjectAsync(string user, string id, string subject) =>
        UpdateAsync(user, id, "item:Subject", $"<t:Subject>{subject}</t:Subject>");

    private Task SetReadAsync(string user, string id, bool read) =>
        UpdateAsync(user, id, "message:IsRead", $"<t:IsRead>{(read ? "true" : "false")}</t:IsRead>");

    private async Task UpdateAsync(string user, string id, string field, string value) =>
        (await server.CallAsync(user,
            $"""
            <m:UpdateItem ConflictResolution="AlwaysOverwrite" MessageDisposition="SaveOnly">
              <m:ItemChanges><t:ItemChange><t:ItemId Id="{id}"/><t:Updates>
                <t:SetItemField><t:FieldURI FieldURI="{field}"/><t:Message>{value}</t:Message></t:SetItemField>
              </t:Updates></t:ItemChange></m:ItemChanges>
            </m:UpdateItem>
            """)).Ok();

    private async Task DeleteAsync(string user, string id) =>
        (await server.CallAsync(user, $"<m:DeleteItem DeleteType=\"HardDelete\"><m:ItemIds><t:ItemId Id=\"{id}\"/></m:ItemIds></m:DeleteItem>")).Ok();

    /// <summary>Moves the item; its new id (a move gives a new id, as in Exchange).</summary>
    private async Task<string> MoveAsync(string user, string id, string folder) =>
        (await server.CallAsync(user, $"<m:MoveItem><m:ToFolderId><t:FolderId Id=\"{folder}\"/></m:ToFolderId><m:ItemIds><t:ItemId Id=\"{id}\"/></m:ItemIds></m:MoveItem>"))
            .Ok().ItemId().Id;
}

/// <summary><see cref="SyncTests"/> with the server on PostgreSQL.</summary>
[Collection(PostgresServerCollection.Name)]
public sealed class PostgresSyncTests(PostgresServerFixture server) : SyncTests(server);
