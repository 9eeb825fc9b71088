using System.Xml.Linq;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>Contacts, distribution lists, tasks, posts and generic items with their meaning (issue 15 §2), over HTTP.</summary>
[Collection(ServerCollection.Name)]
public sealed class ItemTypeTests(ServerFixture server)
{
    private const string User = ServerFixture.Carol;

    private static readonly XNamespace T = EwsResponse.T;

    private static string Unique(string prefix) => prefix + " " + Guid.NewGuid().ToString("N")[..8];

    private static string Create(string folder, string item) =>
        $"""
        <m:CreateItem MessageDisposition="SaveOnly">
          <m:SavedItemFolderId><t:DistinguishedFolderId Id="{folder}"/></m:SavedItemFolderId>
          <m:Items>{item}</m:Items>
        </m:CreateItem>
        """;

    private async Task<(string Id, string ChangeKey)> CreateAsync(string folder, string item) =>
        (await server.CallAsync(User, Create(folder, item), "Exchange2016")).Ok().ItemId();

    private Task<XElement> GetAsync(string id, string shape = "AllProperties", string additional = "") =>
        server.GetItemAsync(User, id, "Exchange2016", shape, additional);

    private static string Update(string id, string changeKey, string updates) =>
        $"""
        <m:UpdateItem ConflictResolution="AlwaysOverwrite">
          <m:ItemChanges><t:ItemChange><t:ItemId Id="{id}" ChangeKey="{changeKey}"/><t:Updates>{updates}</t:Updates></t:ItemChange></m:ItemChanges>
        </m:UpdateItem>
        """;

    private async Task<EwsResponse> FindAsync(string folder, string restriction, string sort = "", string shape = "IdOnly", string additional = "", string view = "") =>
        await server.CallAsync(User, $"""
            <m:FindItem Traversal="Shallow">
              <m:ItemShape><t:BaseShape>{shape}</t:BaseShape>{(additional.Length > 0 ? $"<t:AdditionalProperties>{additional}</t:AdditionalProperties>" : "")}</m:ItemShape>
              {view}
              <m:Restriction>{restriction}</m:Restriction>
              {(sort.Length > 0 ? $"<m:SortOrder>{sort}</m:SortOrder>" : "")}
              <m:ParentFolderIds><t:DistinguishedFolderId Id="{folder}"/></m:ParentFolderIds>
            </m:FindItem>
            """, "Exchange2016");

    private static string WithCategory(string category) =>
        $"<t:IsEqualTo><t:FieldURI FieldURI=\"item:Categories\"/><t:FieldURIOrConstant><t:Constant Value=\"{category}\"/></t:FieldURIOrConstant></t:IsEqualTo>";

    private static string Contact(string category, string given, string surname, string email, string extra = "") =>
        $"""
        <t:Contact>
          <t:Categories><t:String>{category}</t:String></t:Categories>
          <t:GivenName>{given}</t:GivenName>
          {extra}
          <t:EmailAddresses><t:Entry Key="EmailAddress1">{email}</t:Entry></t:EmailAddresses>
          <t:Surname>{surname}</t:Surname>
        </t:Contact>
        """;

    [Fact]
    public async Task A_contact_is_filed_and_named_from_its_name_parts_when_the_client_gives_neither()
    {
        var (id, _) = await CreateAsync("contacts", Contact(Unique("c"), "Ada", "Lovelace", "ada@example.com", "<t:MiddleName>King</t:MiddleName>"));
        var contact = await GetAsync(id);
        Assert.Equal("Contact", contact.Name.LocalName);
        Assert.Equal("IPM.Contact", contact.T("ItemClass"));
        Assert.Equal("Lovelace, Ada", contact.Element(T + "FileAs")!.Value);
        Assert.Equal("Ada King Lovelace", contact.Element(T + "DisplayName")!.Value);
        var complete = contact.Element(T + "CompleteName")!;
        Assert.Equal(["FirstName", "MiddleName", "LastName", "FullName"], complete.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("Ada King Lovelace", complete.T("FullName"));

        var (mapped, _) = await CreateAsync("contacts", Contact(Unique("c"), "Ada", "Lovelace", "ada@example.com",
            "<t:FileAsMapping>FirstSpaceLast</t:FileAsMapping><t:DisplayName>Countess</t:DisplayName>"));
        var second = await GetAsync(mapped);
        Assert.Equal("Ada Lovelace", second.Element(T + "FileAs")!.Value);
        Assert.Equal("Countess", second.Element(T + "DisplayName")!.Value);

        var (given, _) = await CreateAsync("contacts", Contact(Unique("c"), "Ada", "Lovelace", "ada@example.com", "<t:FileAs>Analyst, The</t:FileAs>"));
        Assert.Equal("Analyst, The", (await GetAsync(given)).Element(T + "FileAs")!.Value);
    }

    [Fact]
    public async Task A_contact_entry_is_set_read_and_deleted_by_its_IndexedFieldURI_and_the_other_entries_stay()
    {
        var (id, changeKey) = await CreateAsync("contacts", Contact(Unique("c"), "Grace", "Hopper", "grace@example.com",
            "<t:PhysicalAddresses><t:Entry Key=\"Home\"><t:Street>1 Navy Rd</t:Street><t:City>Arlington</t:City></t:Entry></t:PhysicalAddresses>"
            + "<t:PhoneNumbers><t:Entry Key=\"HomePhone\">111</t:Entry></t:PhoneNumbers>"));
        var response = await server.CallAsync(User, Update(id, changeKey,
            """
            <t:SetItemField><t:IndexedFieldURI FieldURI="contacts:EmailAddress" FieldIndex="EmailAddress2"/>
              <t:Contact><t:EmailAddresses><t:Entry Key="EmailAddress2">amazing.grace@example.com</t:Entry></t:EmailAddresses></t:Contact></t:SetItemField>
            <t:SetItemField><t:IndexedFieldURI FieldURI="contacts:PhysicalAddress:PostalCode" FieldIndex="Home"/>
              <t:Contact><t:PhysicalAddresses><t:Entry Key="Home"><t:PostalCode>22201</t:PostalCode></t:Entry></t:PhysicalAddresses></t:Contact></t:SetItemField>
            <t:DeleteItemField><t:IndexedFieldURI FieldURI="contacts:PhysicalAddress:City" FieldIndex="Home"/></t:DeleteItemField>
            <t:DeleteItemField><t:IndexedFieldURI FieldURI="contacts:PhoneNumber" FieldIndex="HomePhone"/></t:DeleteItemField>
            <t:DeleteItemField><t:IndexedFieldURI FieldURI="contacts:PhoneNumber" FieldIndex="Pager"/></t:DeleteItemField>
            """), "Exchange2016");
        response.Ok();

        var contact = await GetAsync(id);
        Assert.Equal(["EmailAddress1", "EmailAddress2"], contact.Element(T + "EmailAddresses")!.Elements().Select(e => (string)e.Attribute("Key")!));
        Assert.Equal("amazing.grace@example.com", contact.Element(T + "EmailAddresses")!.Elements().Last().Value);
        var home = contact.Element(T + "PhysicalAddresses")!.Elements().Single();
        Assert.Equal(["Street", "PostalCode"], home.Elements().Select(e => e.Name.LocalName));
        Assert.Null(contact.Element(T + "PhoneNumbers"));

        var one = await GetAsync(id, "IdOnly", "<t:IndexedFieldURI FieldURI=\"contacts:EmailAddress\" FieldIndex=\"EmailAddress2\"/>");
        Assert.Equal(["ItemId", "EmailAddresses"], one.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("amazing.grace@example.com", Assert.Single(one.Element(T + "EmailAddresses")!.Elements()).Value);
    }

    [Fact]
    public async Task Contacts_are_found_by_an_email_address_and_a_street_and_sorted_by_them()
    {
        var category = Unique("find");
        foreach (var n in new[] { 2, 0, 1 })
        {
            await CreateAsync("contacts", Contact(category, "N" + n, "Person", $"{n}@example.org",
                $"<t:PhysicalAddresses><t:Entry Key=\"Business\"><t:Street>Elm St {n}</t:Street></t:Entry></t:PhysicalAddresses>"));
        }

        var email = (string v) => $"<t:Contains ContainmentMode=\"Substring\" ContainmentComparison=\"IgnoreCase\"><t:IndexedFieldURI FieldURI=\"contacts:EmailAddress\" FieldIndex=\"EmailAddress1\"/><t:Constant Value=\"{v}\"/></t:Contains>";
        var found = await FindAsync("contacts", $"<t:And>{WithCategory(category)}{email("1@EXAMPLE")}</t:And>");
        Assert.Single(found.Ok().Descendants(T + "Contact"));

        var street = await FindAsync("contacts", $"<t:And>{WithCategory(category)}<t:IsEqualTo><t:IndexedFieldURI FieldURI=\"contacts:PhysicalAddress:Street\" FieldIndex=\"Business\"/><t:FieldURIOrConstant><t:Constant Value=\"Elm St 2\"/></t:FieldURIOrConstant></t:IsEqualTo></t:And>");
        Assert.Single(street.Ok().Descendants(T + "Contact"));

        var sorted = await FindAsync("contacts", WithCategory(category),
            "<t:FieldOrder Order=\"Descending\"><t:IndexedFieldURI FieldURI=\"contacts:PhysicalAddress:Street\" FieldIndex=\"Business\"/></t:FieldOrder>",
            additional: "<t:IndexedFieldURI FieldURI=\"contacts:EmailAddress\" FieldIndex=\"EmailAddress1\"/>",
            view: "<m:IndexedPageItemView MaxEntriesReturned=\"2\" Offset=\"0\" BasePoint=\"Beginning\"/>");
        var root = sorted.Ok().Element(EwsResponse.M + "RootFolder")!;
        Assert.Equal(["2@example.org", "1@example.org"], root.Descendants(T + "Entry").Select(e => e.Value));
        Assert.Equal("3", (string?)root.Attribute("TotalItemsInView"));
    }

    [Fact]
    public async Task An_email_index_that_is_not_one_is_refused_and_an_internet_header_is_not_a_restriction_path()
    {
        var (id, changeKey) = await CreateAsync("contacts", Contact(Unique("c"), "Bad", "Index", "b@example.com"));
        var set = await server.CallAsync(User, Update(id, changeKey,
            "<t:SetItemField><t:IndexedFieldURI FieldURI=\"contacts:EmailAddress\" FieldIndex=\"EmailAddress9\"/><t:Contact><t:EmailAddresses><t:Entry Key=\"EmailAddress9\">x@example.com</t:Entry></t:EmailAddresses></t:Contact></t:SetItemField>"),
            "Exchange2016");
        Assert.Equal("ErrorInvalidContactEmailIndex", set.Code());

        var header = await FindAsync("contacts", "<t:Exists><t:IndexedFieldURI FieldURI=\"item:InternetMessageHeader\" FieldIndex=\"X-Test\"/></t:Exists>");
        Assert.Equal("ErrorUnsupportedPathForQuery", header.FaultCode is null ? header.Code() : header.FaultCode.Split(':').Last());
    }

    [Fact]
    public async Task A_contact_or_list_in_a_calendar_or_task_folder_a_task_in_a_contact_folder_and_a_post_in_a_calendar_are_refused()
    {
        var contact = await server.CallAsync(User, Create("calendar", Contact(Unique("c"), "A", "B", "a@example.com")), "Exchange2016");
        Assert.Equal("ErrorCannotCreateContactInNonContactFolder", contact.Code());
        var list = await server.CallAsync(User, Create("tasks", "<t:DistributionList><t:DisplayName>L</t:DisplayName></t:DistributionList>"), "Exchange2016");
        Assert.Equal("ErrorCannotCreateContactInNonContactFolder", list.Code());
        var task = await server.CallAsync(User, Create("contacts", "<t:Task><t:Subject>T</t:Subject></t:Task>"), "Exchange2016");
        Assert.Equal("ErrorCannotCreateTaskInNonTaskFolder", task.Code());
        var post = await server.CallAsync(User, Create("calendar", "<t:PostItem><t:Subject>P</t:Subject></t:PostItem>"), "Exchange2016");
        Assert.Equal("ErrorCannotCreatePostItemInNonMailFolder", post.Code());
        var notes = await server.CallAsync(User, Create("notes", Contact(Unique("c"), "A", "B", "a@example.com")), "Exchange2016");
        Assert.Equal("ErrorCannotCreateContactInNonContactFolder", notes.Code());
        var postInContacts = await server.CallAsync(User, Create("contacts", "<t:PostItem><t:Subject>P</t:Subject></t:PostItem>"), "Exchange2016");
        Assert.Equal("ErrorCannotCreatePostItemInNonMailFolder", postInContacts.Code());
    }

    [Fact]
    public async Task A_sticky_note_and_a_journal_entry_are_generic_items_in_their_folders()
    {
        var (note, _) = await CreateAsync("notes", "<t:Item><t:ItemClass>IPM.StickyNote</t:ItemClass><t:Subject>Buy milk</t:Subject><t:Body BodyType=\"Text\">Buy milk</t:Body></t:Item>");
        var (journal, _) = await CreateAsync("journal", "<t:Item><t:ItemClass>IPM.Activity</t:ItemClass><t:Subject>Call</t:Subject></t:Item>");
        // TextBody is not a first-class property (not in AllProperties, as in Exchange): asked for by name.
        var read = await GetAsync(note, additional: "<t:FieldURI FieldURI=\"item:TextBody\"/>");
        Assert.Equal("Item", read.Name.LocalName);
        Assert.Equal("IPM.StickyNote", read.T("ItemClass"));
        Assert.Equal("Buy milk", read.Element(T + "TextBody")!.Value);
        Assert.Equal("IPM.Activity", (await GetAsync(journal)).T("ItemClass"));
        var inNotes = await FindAsync("notes", "<t:IsEqualTo><t:FieldURI FieldURI=\"item:ItemClass\"/><t:FieldURIOrConstant><t:Constant Value=\"IPM.StickyNote\"/></t:FieldURIOrConstant></t:IsEqualTo>");
        Assert.Contains(inNotes.Ok().Descendants(T + "ItemId"), e => (string?)e.Attribute("Id") == note);
    }

    [Fact]
    public async Task A_distribution_list_is_filed_as_its_name_and_keeps_each_member_once_as_given()
    {
        var name = Unique("Team");
        var (id, changeKey) = await CreateAsync("contacts",
            $"""
            <t:DistributionList><t:DisplayName>{name}</t:DisplayName>
              <t:Members><t:Member><t:Mailbox><t:EmailAddress>one@example.org</t:EmailAddress><t:MailboxType>OneOff</t:MailboxType></t:Mailbox></t:Member></t:Members>
            </t:DistributionList>
            """);
        var appended = await server.CallAsync(User, Update(id, changeKey,
            "<t:AppendToItemField><t:FieldURI FieldURI=\"distributionlist:Members\"/><t:DistributionList><t:Members><t:Member><t:Mailbox><t:EmailAddress>two@example.org</t:EmailAddress></t:Mailbox><t:Status>Demoted</t:Status></t:Member></t:Members></t:DistributionList></t:AppendToItemField>"),
            "Exchange2016");
        appended.Ok();
        var list = await GetAsync(id);
        Assert.Equal("DistributionList", list.Name.LocalName);
        Assert.Equal("IPM.DistList", list.T("ItemClass"));
        Assert.Equal(name, list.Element(T + "FileAs")!.Value);
        var members = list.Element(T + "Members")!.Elements().ToList();
        Assert.Equal(["one@example.org", "two@example.org"], members.Select(m => m.T("EmailAddress")));
        Assert.Equal(new string?[] { null, "Demoted" }, members.Select(m => m.T("Status")));
        var again = await server.CallAsync(User, Update(id, (await GetAsync(id)).ItemId().ChangeKey,
            "<t:AppendToItemField><t:FieldURI FieldURI=\"distributionlist:Members\"/><t:DistributionList><t:Members><t:Member><t:Mailbox><t:EmailAddress>ONE@example.org</t:EmailAddress></t:Mailbox></t:Member></t:Members></t:DistributionList></t:AppendToItemField>"),
            "Exchange2016");
        again.Ok();
        Assert.Equal(2, (await GetAsync(id)).Element(T + "Members")!.Elements().Count());

        var byName = await FindAsync("contacts", $"<t:IsEqualTo><t:FieldURI FieldURI=\"contacts:DisplayName\"/><t:FieldURIOrConstant><t:Constant Value=\"{name}\"/></t:FieldURIOrConstant></t:IsEqualTo>");
        Assert.Single(byName.Ok().Descendants(T + "DistributionList"));

        var badMember = await server.CallAsync(User, Create("contacts",
            "<t:DistributionList><t:DisplayName>X</t:DisplayName><t:Members><t:Member><t:Mailbox><t:EmailAddress>not an address</t:EmailAddress></t:Mailbox></t:Member></t:Members></t:DistributionList>"), "Exchange2016");
        Assert.Equal("ErrorInvalidRecipients", badMember.Code());
    }

    [Fact]
    public async Task A_task_at_100_percent_is_completed_with_a_complete_date_and_reopening_it_clears_both()
    {
        var (id, changeKey) = await CreateAsync("tasks", "<t:Task><t:Subject>Report</t:Subject><t:PercentComplete>100</t:PercentComplete></t:Task>");
        var done = await GetAsync(id);
        Assert.Equal("Task", done.Name.LocalName);
        Assert.Equal("IPM.Task", done.T("ItemClass"));
        Assert.Equal("Completed", done.T("Status"));
        Assert.Equal("true", done.T("IsComplete"));
        Assert.Equal("Completed", done.T("StatusDescription"));
        Assert.NotNull(done.T("CompleteDate"));
        Assert.Equal("Carol Petit", done.T("Owner"));

        var reopened = await server.CallAsync(User, Update(id, changeKey,
            "<t:SetItemField><t:FieldURI FieldURI=\"task:Status\"/><t:Task><t:Status>InProgress</t:Status></t:Task></t:SetItemField>"
            + "<t:SetItemField><t:FieldURI FieldURI=\"task:PercentComplete\"/><t:Task><t:PercentComplete>40</t:PercentComplete></t:Task></t:SetItemField>"), "Exchange2016");
        reopened.Ok();
        var open = await GetAsync(id);
        Assert.Equal("InProgress", open.T("Status"));
        Assert.Equal("40", open.T("PercentComplete"));
        Assert.Equal("false", open.T("IsComplete"));
        Assert.Null(open.T("CompleteDate"));

        var (started, _) = await CreateAsync("tasks", "<t:Task><t:Subject>Started</t:Subject><t:PercentComplete>25</t:PercentComplete></t:Task>");
        Assert.Equal("InProgress", (await GetAsync(started)).T("Status"));
        var (finished, _) = await CreateAsync("tasks", "<t:Task><t:Subject>Finished</t:Subject><t:PercentComplete>30</t:PercentComplete><t:Status>Completed</t:Status></t:Task>");
        Assert.Equal("100", (await GetAsync(finished)).T("PercentComplete"));
    }

    [Fact]
    public async Task A_percentage_outside_0_to_100_and_a_complete_date_in_the_future_are_refused_with_Exchanges_codes()
    {
        var percent = await server.CallAsync(User, Create("tasks", "<t:Task><t:Subject>Over</t:Subject><t:PercentComplete>150</t:PercentComplete></t:Task>"), "Exchange2016");
        Assert.Equal("ErrorInvalidPercentCompleteValue", percent.Code());
        var future = await server.CallAsync(User, Create("tasks", "<t:Task><t:Subject>Later</t:Subject><t:CompleteDate>2099-01-01T00:00:00Z</t:CompleteDate></t:Task>"), "Exchange2016");
        Assert.Equal("ErrorInvalidCompleteDate", future.Code());
        var status = await server.CallAsync(User, Create("tasks", "<t:Task><t:Subject>Odd</t:Subject><t:Status>Sleeping</t:Status></t:Task>"), "Exchange2016");
        Assert.NotEqual("NoError", status.FaultCode is null ? status.Code() : "fault");
    }

    [Fact]
    public async Task Tasks_are_found_by_due_date_and_sorted_and_paged_by_it_but_not_filtered_by_status()
    {
        var category = Unique("due");
        foreach (var day in new[] { 12, 10, 11 })
        {
            await CreateAsync("tasks", $"<t:Task><t:Subject>Due {day}</t:Subject><t:Categories><t:String>{category}</t:String></t:Categories><t:DueDate>2030-03-{day}T00:00:00Z</t:DueDate><t:ActualWork>{day}</t:ActualWork></t:Task>");
        }

        var after = await FindAsync("tasks", $"<t:And>{WithCategory(category)}<t:IsGreaterThan><t:FieldURI FieldURI=\"task:DueDate\"/><t:FieldURIOrConstant><t:Constant Value=\"2030-03-10T12:00:00Z\"/></t:FieldURIOrConstant></t:IsGreaterThan></t:And>",
            "<t:FieldOrder Order=\"Ascending\"><t:FieldURI FieldURI=\"task:DueDate\"/></t:FieldOrder>", "IdOnly", "<t:FieldURI FieldURI=\"item:Subject\"/>",
            "<m:IndexedPageItemView MaxEntriesReturned=\"1\" Offset=\"1\" BasePoint=\"Beginning\"/>");
        Assert.Equal(["Due 12"], after.Ok().Descendants(T + "Subject").Select(s => s.Value));

        var work = await FindAsync("tasks", $"<t:And>{WithCategory(category)}<t:IsEqualTo><t:FieldURI FieldURI=\"task:ActualWork\"/><t:FieldURIOrConstant><t:Constant Value=\"11\"/></t:FieldURIOrConstant></t:IsEqualTo></t:And>");
        Assert.Single(work.Ok().Descendants(T + "Task"));

        var byStatus = await FindAsync("tasks", "<t:IsEqualTo><t:FieldURI FieldURI=\"task:Status\"/><t:FieldURIOrConstant><t:Constant Value=\"NotStarted\"/></t:FieldURIOrConstant></t:IsEqualTo>");
        Assert.Equal("ErrorUnsupportedPathForQuery", byStatus.FaultCode is null ? byStatus.Code() : byStatus.FaultCode.Split(':').Last());
    }

    [Fact]
    public async Task A_post_is_from_its_poster_posted_when_created_and_its_topic_is_its_subject()
    {
        var (id, _) = await CreateAsync("inbox", "<t:PostItem><t:Subject>Lunch?</t:Subject><t:Body BodyType=\"Text\">Noon</t:Body></t:PostItem>");
        var post = await GetAsync(id);
        Assert.Equal("PostItem", post.Name.LocalName);
        Assert.Equal("IPM.Post", post.T("ItemClass"));
        Assert.Equal("Lunch?", post.T("ConversationTopic"));
        Assert.Equal(User, post.Element(T + "From")!.T("EmailAddress"));
        Assert.Equal(post.T("DateTimeCreated"), post.T("PostedTime"));
    }

    [Fact]
    public async Task Exchangelibs_whole_contact_save_with_repeated_indexed_deletes_is_not_refused_by_the_update_limit()
    {
        var (id, changeKey) = await CreateAsync("contacts", Contact(Unique("c"), "Many", "Updates", "m@example.com"));
        // exchangelib writes a Delete of every entry it has no value for once per entry it has: hundreds, few distinct.
        var deletes = string.Concat(Enumerable.Repeat("<t:DeleteItemField><t:IndexedFieldURI FieldURI=\"contacts:PhoneNumber\" FieldIndex=\"Pager\"/></t:DeleteItemField>", 300));
        var response = await server.CallAsync(User, Update(id, changeKey, deletes), "Exchange2016");
        Assert.Null(response.FaultCode);
        response.Ok();
    }

    [Fact]
    public async Task A_subject_over_255_characters_keeps_its_first_255_as_Exchange_does()
    {
        var (id, _) = await CreateAsync("tasks", $"<t:Task><t:Subject>{new string('s', 400)}</t:Subject></t:Task>");
        Assert.Equal(255, (await GetAsync(id)).T("Subject")!.Length);
        var name = await server.CallAsync(User, Create("contacts", $"<t:Contact><t:GivenName>{new string('g', 256)}</t:GivenName></t:Contact>"), "Exchange2016");
        Assert.Equal("ErrorPropertyUpdate", name.Code());
    }

    [Fact]
    public async Task An_item_with_several_categories_matches_IsEqualTo_on_any_one_of_them()
    {
        var tag = Unique("cat").Replace(' ', '-');
        await CreateAsync("tasks", $"<t:Task><t:Subject>Tagged</t:Subject><t:Categories><t:String>{tag}-a</t:String><t:String>{tag}-b</t:String></t:Categories></t:Task>");
        Assert.Single((await FindAsync("tasks", WithCategory(tag.ToUpperInvariant() + "-B"))).Ok().Descendants(T + "Task"));
        Assert.Empty((await FindAsync("tasks", WithCategory(tag))).Ok().Descendants(T + "Task"));
    }
}
