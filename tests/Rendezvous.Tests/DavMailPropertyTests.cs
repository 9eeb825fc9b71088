using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// The MAPI properties DavMail names items and folders by (issue 15 §5), and ids of Exchange's length, over HTTP with
/// DavMail's recorded requests where they fit (tests/data/captures/davmail).
/// </summary>
[Collection(ServerCollection.Name)]
public sealed partial class DavMailPropertyTests(ServerFixture server)
{
    private const string User = ServerFixture.Bob;
    private const string DavMail = "davmail";
    private static readonly XNamespace T = EwsResponse.T;

    private const string ArticleNumber = "<t:ExtendedFieldURI PropertyTag=\"0xe23\" PropertyType=\"Integer\"/>";
    private const string LastModified = "<t:ExtendedFieldURI PropertyTag=\"0x3008\" PropertyType=\"SystemTime\"/>";
    private const string ResourceName = "<t:ExtendedFieldURI PropertyTag=\"0x10f3\" PropertyType=\"String\"/>";
    private const string CommitTimeMax = "<t:ExtendedFieldURI PropertyTag=\"0x670a\" PropertyType=\"SystemTime\"/>";

    private static string Unique(string prefix) => prefix + " " + Guid.NewGuid().ToString("N")[..8];

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")]
    private static partial Regex DavMailTime();

    /// <summary>The value of the extended property whose path has <paramref name="attribute"/>=<paramref name="value"/>.</summary>
    private static string? Extended(XElement item, string attribute, string value) =>
        item.Elements(T + "ExtendedProperty")
            .FirstOrDefault(p => string.Equals((string?)p.Element(T + "ExtendedFieldURI")!.Attribute(attribute), value, StringComparison.OrdinalIgnoreCase))
            ?.Element(T + "Value")?.Value;

    private static string ReplayText(string capture, string file) => Captures.Read(DavMail, capture, file);

    private async Task<XElement> GetWithAsync(string id, string additional) =>
        await server.GetItemAsync(User, id, shape: "IdOnly", additional: additional);

    private async Task<XElement> CalendarFolderAsync() =>
        (await server.CallAsync(User, $"""
            <m:GetFolder>
              <m:FolderShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>{LastModified}{CommitTimeMax}</t:AdditionalProperties></m:FolderShape>
              <m:FolderIds><t:DistinguishedFolderId Id="calendar"/></m:FolderIds>
            </m:GetFolder>
            """)).Ok().Descendants(T + "CalendarFolder").Single();

    [Fact]
    public async Task DavMail_calendar_listing_finds_an_event_created_over_EWS()
    {
        // Issue 15: PidLidRecurring and urn:schemas:calendar:instancetype were unknown, so this listing answered NoError with no items.
        var subject = Unique("Listed");
        var (id, _) = await server.CreateAppointmentAsync(User, subject);

        var response = await server.PostAsync(User, ReplayText("propfind_depth1_items", "008_FindItem.xml"));
        var items = response.Ok().Descendants(T + "CalendarItem").ToList();
        var item = Assert.Single(items, i => i.ItemId().Id == id);

        Assert.Equal(subject, Extended(item, "PropertyTag", "0x37"));
        Assert.Equal("0", Extended(item, "PropertyName", "urn:schemas:calendar:instancetype"));
        Assert.True(long.Parse(Extended(item, "PropertyTag", "0xe23")!, CultureInfo.InvariantCulture) > 0);
        Assert.Matches(DavMailTime(), Extended(item, "PropertyTag", "0x3008")!);
        Assert.Equal(id.Replace('+', '-').Replace('/', '_') + ".EML", Extended(item, "PropertyTag", "0x10f3"));
        // Every item DavMail's paged search receives carries 0x0E23, and the page is in its order.
        var numbers = items.Select(i => long.Parse(Extended(i, "PropertyTag", "0xe23")!, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(numbers.Order(), numbers);
    }

    [Fact]
    public async Task Article_numbers_grow_in_creation_order_within_the_folder_and_sort_both_ways()
    {
        var tag = Unique("Articles");
        var ids = new List<string>();
        foreach (var n in new[] { "c", "a", "b" })
        {
            ids.Add((await server.CreateAppointmentAsync(User, $"{tag} {n}")).Id);
        }

        async Task<List<(string Id, long Number)>> FindAsync(string order)
        {
            var response = await server.CallAsync(User, $"""
                <m:FindItem Traversal="Shallow">
                  <m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>{ArticleNumber}</t:AdditionalProperties></m:ItemShape>
                  <m:Restriction><t:Contains ContainmentMode="Prefixed" ContainmentComparison="Exact"><t:FieldURI FieldURI="item:Subject"/><t:Constant Value="{tag}"/></t:Contains></m:Restriction>
                  <m:SortOrder><t:FieldOrder Order="{order}">{ArticleNumber}</t:FieldOrder></m:SortOrder>
                  <m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds>
                </m:FindItem>
                """);
            return [.. response.Ok().Descendants(T + "CalendarItem").Select(i => (i.ItemId().Id, long.Parse(Extended(i, "PropertyTag", "0xe23")!, CultureInfo.InvariantCulture)))];
        }

        var ascending = await FindAsync("Ascending");
        Assert.Equal(ids, ascending.Select(r => r.Id));
        Assert.True(ascending[0].Number > 0 && ascending[0].Number < ascending[1].Number && ascending[1].Number < ascending[2].Number);
        Assert.Equal(Enumerable.Reverse(ids), (await FindAsync("Descending")).Select(r => r.Id));

        // An edit does not renumber: the number says when the item entered the folder.
        var (id, changeKey) = (await server.GetItemAsync(User, ids[0], shape: "IdOnly")).ItemId();
        (await server.CallAsync(User, Requests.SetField(id, changeKey, "item:Subject", $"<t:Subject>{tag} c edited</t:Subject>"))).Ok();
        Assert.Equal(ascending[0].Number, long.Parse(Extended(await GetWithAsync(id, ArticleNumber), "PropertyTag", "0xe23")!, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task DavMail_etag_0x3008_changes_on_every_change_even_within_one_second()
    {
        // DavMail's ETag is 0x3008 read to the second: two edits within a second must still read apart.
        var (id, _) = await server.CreateAppointmentAsync(User, Unique("Etag"));
        var seen = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var item = await GetWithAsync(id, LastModified);
            seen.Add(Extended(item, "PropertyTag", "0x3008")!);
            var (_, changeKey) = item.ItemId();
            (await server.CallAsync(User, Requests.SetField(id, changeKey, "calendar:Location", $"<t:Location>Room {i}</t:Location>"))).Ok();
        }

        seen.Add(Extended(await GetWithAsync(id, LastModified), "PropertyTag", "0x3008")!);
        Assert.All(seen, s => Assert.Matches(DavMailTime(), s));
        Assert.Equal(seen.Count, seen.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);
    }

    [Fact]
    public async Task DavMail_ctag_0x670A_of_a_folder_moves_on_when_anything_in_it_changes()
    {
        // Without 0x670A DavMail's ctag was "nullnull" and its user-root and scheduling-inbox listings crashed.
        var before = await CalendarFolderAsync();
        var ctag = Extended(before, "PropertyTag", "0x670a");
        Assert.Matches(DavMailTime(), ctag!);
        Assert.Matches(DavMailTime(), Extended(before, "PropertyTag", "0x3008")!);

        var (id, _) = await server.CreateAppointmentAsync(User, Unique("Ctag"));
        var afterCreate = Extended(await CalendarFolderAsync(), "PropertyTag", "0x670a");
        Assert.True(string.CompareOrdinal(afterCreate, ctag) > 0, $"{afterCreate} after {ctag}");

        (await server.CallAsync(User, $"<m:DeleteItem DeleteType=\"HardDelete\" SendMeetingCancellations=\"SendToNone\"><m:ItemIds><t:ItemId Id=\"{id}\"/></m:ItemIds></m:DeleteItem>")).Ok();
        var afterDelete = Extended(await CalendarFolderAsync(), "PropertyTag", "0x670a");
        Assert.True(string.CompareOrdinal(afterDelete, afterCreate) > 0, $"{afterDelete} after {afterCreate}");
    }

    [Fact]
    public async Task CalDAV_title_and_description_edits_through_0x0037_and_0x1000_are_not_lost()
    {
        var (id, changeKey) = await server.CreateAppointmentAsync(User, Unique("Title"), extra: "<t:Body BodyType=\"Text\">old text</t:Body>");
        var response = await server.CallAsync(User, $"""
            <m:UpdateItem ConflictResolution="AlwaysOverwrite" SendMeetingInvitationsOrCancellations="SendToNone">
              <m:ItemChanges><t:ItemChange><t:ItemId Id="{id}" ChangeKey="{changeKey}"/><t:Updates>
                <t:SetItemField><t:ExtendedFieldURI PropertyTag="0x37" PropertyType="String"/>
                  <t:CalendarItem><t:ExtendedProperty><t:ExtendedFieldURI PropertyTag="0x37" PropertyType="String"/><t:Value>New title</t:Value></t:ExtendedProperty></t:CalendarItem></t:SetItemField>
                <t:SetItemField><t:ExtendedFieldURI PropertyTag="0x1000" PropertyType="String"/>
                  <t:CalendarItem><t:ExtendedProperty><t:ExtendedFieldURI PropertyTag="0x1000" PropertyType="String"/><t:Value>New description</t:Value></t:ExtendedProperty></t:CalendarItem></t:SetItemField>
              </t:Updates></t:ItemChange></m:ItemChanges>
            </m:UpdateItem>
            """);
        response.Ok();
        var item = await server.GetItemAsync(User, id, additional: "<t:ExtendedFieldURI PropertyTag=\"0x0037\" PropertyType=\"String\"/>");
        Assert.Equal("New title", item.Element(T + "Subject")!.Value);
        Assert.Equal("New description", item.Element(T + "Body")!.Value);
        Assert.Equal("New title", Extended(item, "PropertyTag", "0x0037"));

        // And on creation: the MAPI form sets the element.
        var created = (await server.CallAsync(User, Requests.CreateAppointment(Unique("ignored"), "2030-01-07T09:00:00Z", "2030-01-07T10:00:00Z",
            "<t:ExtendedProperty><t:ExtendedFieldURI PropertyTag=\"0x1000\" PropertyType=\"String\"/><t:Value>From MAPI</t:Value></t:ExtendedProperty>"))).Ok().ItemId();
        Assert.Equal("From MAPI", (await server.GetItemAsync(User, created.Id)).Element(T + "Body")!.Value);
    }

    [Fact]
    public async Task A_restriction_on_0x001A_is_one_on_item_ItemClass()
    {
        var tag = Unique("Class");
        var (id, _) = await server.CreateAppointmentAsync(User, tag);
        var response = await server.CallAsync(User, Requests.FindItem(restriction: $"""
            <t:And>
              <t:IsEqualTo><t:ExtendedFieldURI PropertyTag="0x001A" PropertyType="String"/><t:FieldURIOrConstant><t:Constant Value="IPM.Appointment"/></t:FieldURIOrConstant></t:IsEqualTo>
              <t:IsEqualTo><t:FieldURI FieldURI="item:Subject"/><t:FieldURIOrConstant><t:Constant Value="{tag}"/></t:FieldURIOrConstant></t:IsEqualTo>
            </t:And>
            """));
        Assert.Equal(id, Assert.Single(response.Ok().Descendants(T + "CalendarItem")).ItemId().Id);
        var none = await server.CallAsync(User, Requests.FindItem(restriction: $"""
            <t:And>
              <t:IsEqualTo><t:ExtendedFieldURI PropertyTag="0x1a" PropertyType="String"/><t:FieldURIOrConstant><t:Constant Value="IPM.Note"/></t:FieldURIOrConstant></t:IsEqualTo>
              <t:IsEqualTo><t:FieldURI FieldURI="item:Subject"/><t:FieldURIOrConstant><t:Constant Value="{tag}"/></t:FieldURIOrConstant></t:IsEqualTo>
            </t:And>
            """));
        Assert.Empty(none.Ok().Descendants(T + "CalendarItem"));
    }

    [Fact]
    public async Task An_event_created_elsewhere_is_found_by_its_resource_name_and_really_deleted()
    {
        // Issue 15: with 24-character ids DavMail looked such an item up by 0x10F3 and found nothing: GET 404, DELETE a no-op.
        var (id, _) = await server.CreateAppointmentAsync(User, Unique("Doomed"));
        var name = id.Replace('+', '-').Replace('/', '_') + ".EML";
        var find = ReplayText("delete_event", "006_FindItem.xml").Replace("\"CAL-1.EML\"", $"\"{name}\"", StringComparison.Ordinal);
        var found = Assert.Single((await server.PostAsync(User, find)).Ok().Descendants(T + "CalendarItem"));
        Assert.Equal(id, found.ItemId().Id);

        var delete = Captures.Substitute(ReplayText("delete_event", "008_DeleteItem.xml").Replace("ChangeKey=\"CK\"", "", StringComparison.Ordinal), ("CAL-1", id));
        (await server.PostAsync(User, delete)).Ok();
        Assert.Equal("ErrorItemNotFound", (await server.CallAsync(User, Requests.GetItem(id))).Code());
        Assert.Empty((await server.PostAsync(User, find)).Ok().Descendants(T + "CalendarItem"));
    }

    [Fact]
    public async Task A_resource_name_DavMail_gives_on_creation_finds_the_item_again()
    {
        // DavMail creates an event with 0x10F3 set to its CalDAV name, then looks it up by that name (put_event 020).
        var (id, _) = await server.CreateAppointmentAsync(User, Unique("Named"),
            extra: "<t:ExtendedProperty><t:ExtendedFieldURI PropertyTag=\"0x10f3\" PropertyType=\"String\"/><t:Value>research-event-1.ics</t:Value></t:ExtendedProperty>");
        var response = await server.PostAsync(User, ReplayText("put_event", "020_FindItem.xml"));
        var found = Assert.Single(response.Ok().Descendants(T + "CalendarItem"), i => i.ItemId().Id == id);
        Assert.Equal("research-event-1.ics", Extended(found, "PropertyTag", "0x10f3"));
    }

    [Fact]
    public async Task Ids_have_Exchanges_length_so_DavMail_takes_a_resource_name_for_an_id()
    {
        var (id, changeKey) = await server.CreateAppointmentAsync(User, Unique("Long"));
        Assert.Equal(152, id.Length);
        // DavMail's test (EwsExchangeSession.isItemId): base64url with ".EML", at least 144 characters (6.0; 140 later).
        var name = id.Replace('+', '-').Replace('/', '_') + ".EML";
        Assert.True(name.Length >= 144);
        Assert.Matches("^([A-Za-z0-9\\-_]{4})*([A-Za-z0-9\\-_]{4}|[A-Za-z0-9\\-_]{3}=|[A-Za-z0-9\\-_]{2}==)\\.EML$", name);
        Assert.NotEmpty(changeKey);

        // Folder ids too, and the DavMail GetItem by id (get_event 006) reads it.
        var folderId = (string)(await CalendarFolderAsync()).Element(T + "FolderId")!.Attribute("Id")!;
        Assert.Equal(152, folderId.Length);
        var get = Captures.Substitute(ReplayText("get_event", "006_GetItem.xml").Replace("ChangeKey=\"CK\"", "", StringComparison.Ordinal), ("CAL-1", id));
        Assert.Equal(id, Assert.Single((await server.PostAsync(User, get)).Ok().Descendants(T + "CalendarItem")).ItemId().Id);
    }

    [Fact]
    public async Task A_24_character_id_handed_out_before_still_finds_its_item()
    {
        // Clients cache ids: an item stored under the earlier format (kind, version 1, GUID) keeps working.
        var store = server.Server.Store;
        var user = (await store.FindUserAsync(User, CancellationToken.None))!;
        var calendar = (await store.GetDistinguishedFolderAsync(user.MailboxId, "calendar", CancellationToken.None))!;
        var bytes = new byte[18];
        bytes[0] = 0x49;
        bytes[1] = 1;
        Guid.NewGuid().TryWriteBytes(bytes.AsSpan(2));
        var oldId = Convert.ToBase64String(bytes);
        var subject = Unique("Old id");
        var changes = new ChangeSet();
        changes.Inserts.Add(new Item
        {
            Id = oldId, MailboxId = user.MailboxId, FolderId = calendar.Id, Kind = ItemKind.CalendarItem, Subject = subject,
            Start = new DateTime(2030, 1, 7, 9, 0, 0, DateTimeKind.Utc), End = new DateTime(2030, 1, 7, 10, 0, 0, DateTimeKind.Utc),
            LastModifiedTime = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc),
        });
        await store.ApplyAsync(changes, CancellationToken.None);

        Assert.Equal(24, oldId.Length);
        var item = await server.GetItemAsync(User, oldId, additional: ResourceName);
        Assert.Equal(subject, item.Element(T + "Subject")!.Value);
        // DavMail reaches it by its resource name, the id being too short for it to take as one.
        Assert.Equal(oldId.Replace('+', '-').Replace('/', '_') + ".EML", Extended(item, "PropertyTag", "0x10f3"));
        var (_, changeKey) = item.ItemId();
        (await server.CallAsync(User, Requests.SetField(oldId, changeKey, "item:Subject", "<t:Subject>renamed</t:Subject>"))).Ok();
        Assert.Equal("renamed", (await server.GetItemAsync(User, oldId)).Element(T + "Subject")!.Value);
    }

    [Fact]
    public async Task A_long_id_altered_in_one_character_is_malformed_not_merely_unknown()
    {
        var (id, _) = await server.CreateAppointmentAsync(User, Unique("Altered"));
        var altered = id[..100] + (id[100] == 'A' ? 'B' : 'A') + id[101..];
        Assert.Equal("ErrorInvalidIdMalformed", (await server.CallAsync(User, Requests.GetItem(altered))).Code());
        Assert.Equal("ErrorInvalidIdMalformed", (await server.CallAsync(User, Requests.GetItem(id[..148]))).Code());
        Assert.True(EwsIds.IsItemId(id));
        Assert.False(EwsIds.IsFolderId(id));
    }
}
