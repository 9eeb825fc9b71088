using System.Xml.Linq;
using Rendezvous.Store;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>ResolveNames (issue 17 §4): users of the server, the caller's contacts and private lists, over HTTP, schema-validated.</summary>
[Collection(ServerCollection.Name)]
public sealed class PeopleTests(ServerFixture server)
{
    private static readonly XNamespace T = EwsResponse.T;
    private static readonly XNamespace M = EwsResponse.M;

    /// <summary>A user of the shared server with a name no other test uses (and an empty Contacts folder).</summary>
    private async Task<(string Address, string Name, string Tag)> NewUserAsync(string given, string domain = "example.com")
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var name = $"{given} Q{tag}";
        var address = $"{given.ToLowerInvariant()}.q{tag}@{domain}";
        await server.Server.Store.AddUserAsync(address, name, PasswordHasher.Hash(ServerFixture.Password, 1000), CancellationToken.None);
        return (address, name, tag);
    }

    private static string Resolve(string entry, bool full = false, string extra = "", string parents = "") =>
        $"<m:ResolveNames ReturnFullContactData=\"{(full ? "true" : "false")}\" {extra}>{parents}<m:UnresolvedEntry>{entry}</m:UnresolvedEntry></m:ResolveNames>";

    private static XElement Message(EwsResponse response) => response.Document.Descendants(M + "ResolveNamesResponseMessage").Single();

    private static List<string> Addresses(XElement message) =>
        [.. message.Descendants(T + "Resolution").Select(r => r.Element(T + "Mailbox")!.Element(T + "EmailAddress")?.Value ?? "")];

    private async Task CreateAsync(string user, string item) =>
        (await server.CallAsync(user, $"""
            <m:CreateItem MessageDisposition="SaveOnly">
              <m:SavedItemFolderId><t:DistinguishedFolderId Id="contacts"/></m:SavedItemFolderId>
              <m:Items>{item}</m:Items>
            </m:CreateItem>
            """, "Exchange2016")).Ok();

    [Fact]
    public async Task A_users_whole_address_resolves_to_that_user_alone_with_the_ResolutionSet_attributes()
    {
        var (address, name, _) = await NewUserAsync("Hortense");
        var message = Message(await server.CallAsync(ServerFixture.Alice, Resolve(address.ToUpperInvariant())));
        Assert.Equal("Success", (string?)message.Attribute("ResponseClass"));
        var set = message.Element(M + "ResolutionSet")!;
        Assert.Equal("1", (string?)set.Attribute("TotalItemsInView"));
        Assert.Equal("true", (string?)set.Attribute("IncludesLastItemInRange"));
        var mailbox = set.Element(T + "Resolution")!.Element(T + "Mailbox")!;
        Assert.Equal(name, mailbox.Element(T + "Name")!.Value);
        Assert.Equal(address, mailbox.Element(T + "EmailAddress")!.Value);
        Assert.Equal("SMTP", mailbox.Element(T + "RoutingType")!.Value);
        Assert.Equal("Mailbox", mailbox.Element(T + "MailboxType")!.Value);
        Assert.Null(set.Element(T + "Resolution")!.Element(T + "Contact"));
    }

    [Fact]
    public async Task A_user_resolves_by_display_name_by_a_word_of_it_by_alias_prefix_and_by_SMTP_prefix()
    {
        var (address, _, tag) = await NewUserAsync("Philippine");
        foreach (var entry in new[] { "Philippine Q" + tag, "q" + tag, "philippine.q" + tag[..4], "SMTP:" + address, "smtp:philippine.q" + tag })
        {
            Assert.Equal([address], Addresses(Message(await server.CallAsync(ServerFixture.Alice, Resolve(entry)))));
        }
    }

    [Fact]
    public async Task No_match_is_ErrorNameResolutionNoResults_as_exchangelib_expects()
    {
        foreach (var entry in new[] { "foo\\bar", "nobody-" + Guid.NewGuid().ToString("N") + "@example.com", "SMTP:" })
        {
            var message = Message(await server.CallAsync(ServerFixture.Alice, Resolve(entry)));
            Assert.Equal("Error", (string?)message.Attribute("ResponseClass"));
            Assert.Equal("ErrorNameResolutionNoResults", message.Element(M + "ResponseCode")!.Value);
            Assert.Equal("No results were found.", message.Element(M + "MessageText")!.Value);
        }
    }

    [Fact]
    public async Task Several_matches_are_a_warning_ErrorNameResolutionMultipleResults_with_every_candidate()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var first = $"leopoldine.{tag}a@example.com";
        var second = $"leopoldine.{tag}b@example.org";
        await server.Server.Store.AddUserAsync(first, $"Leopoldine {tag} Arnaud", PasswordHasher.Hash(ServerFixture.Password, 1000), CancellationToken.None);
        await server.Server.Store.AddUserAsync(second, $"Leopoldine {tag} Bernard", PasswordHasher.Hash(ServerFixture.Password, 1000), CancellationToken.None);
        var message = Message(await server.CallAsync(ServerFixture.Alice, Resolve("Leopoldine " + tag)));
        Assert.Equal("Warning", (string?)message.Attribute("ResponseClass"));
        Assert.Equal("ErrorNameResolutionMultipleResults", message.Element(M + "ResponseCode")!.Value);
        Assert.Equal([first, second], Addresses(message));
        Assert.Equal("2", (string?)message.Element(M + "ResolutionSet")!.Attribute("TotalItemsInView"));
    }

    [Fact]
    public async Task ReturnFullContactData_gives_a_directory_entry_its_contact_data()
    {
        var (address, name, _) = await NewUserAsync("Anatole");
        var resolution = Message(await server.CallAsync(ServerFixture.Alice, Resolve(address, full: true))).Descendants(T + "Resolution").Single();
        var contact = resolution.Element(T + "Contact")!;
        Assert.Equal(name, contact.Element(T + "DisplayName")!.Value);
        Assert.Equal("SMTP:" + address, contact.Element(T + "EmailAddresses")!.Element(T + "Entry")!.Value);
        Assert.Equal("EmailAddress1", (string?)contact.Element(T + "EmailAddresses")!.Element(T + "Entry")!.Attribute("Key"));
        Assert.Equal("ActiveDirectory", contact.Element(T + "ContactSource")!.Value);

        var idOnly = Message(await server.CallAsync(ServerFixture.Alice, Resolve(address, full: true, extra: "ContactDataShape=\"IdOnly\""))).Descendants(T + "Contact").Single();
        Assert.Null(idOnly.Element(T + "DisplayName"));
    }

    [Fact]
    public async Task The_callers_contacts_and_private_lists_resolve_with_their_ItemId_and_only_the_callers()
    {
        var (user, _, _) = await NewUserAsync("Celestin");
        var (other, _, _) = await NewUserAsync("Eulalie");
        var tag = Guid.NewGuid().ToString("N")[..8];
        await CreateAsync(user, $"<t:Contact><t:GivenName>Ondine</t:GivenName><t:EmailAddresses><t:Entry Key=\"EmailAddress1\">ondine.{tag}@elsewhere.net</t:Entry></t:EmailAddresses><t:Surname>Z{tag}</t:Surname></t:Contact>");
        await CreateAsync(user, $"<t:DistributionList><t:DisplayName>Zlist {tag}</t:DisplayName></t:DistributionList>");

        var contact = Message(await server.CallAsync(user, Resolve("Z" + tag, full: true))).Descendants(T + "Resolution").Single();
        var mailbox = contact.Element(T + "Mailbox")!;
        Assert.Equal($"ondine.{tag}@elsewhere.net", mailbox.Element(T + "EmailAddress")!.Value);
        Assert.Equal("Contact", mailbox.Element(T + "MailboxType")!.Value);
        Assert.NotNull(mailbox.Element(T + "ItemId"));
        Assert.Equal("Ondine", contact.Element(T + "Contact")!.Element(T + "GivenName")!.Value);

        var list = Message(await server.CallAsync(user, Resolve("Zlist " + tag))).Descendants(T + "Resolution").Single().Element(T + "Mailbox")!;
        Assert.Equal("PrivateDL", list.Element(T + "MailboxType")!.Value);
        Assert.Equal("Zlist " + tag, list.Element(T + "Name")!.Value);
        Assert.NotNull(list.Element(T + "ItemId"));

        // The contacts are the caller's own: another user finds nothing, and the directory alone has none of them.
        Assert.Equal("ErrorNameResolutionNoResults", Message(await server.CallAsync(other, Resolve("Z" + tag))).Element(M + "ResponseCode")!.Value);
        Assert.Equal("ErrorNameResolutionNoResults", Message(await server.CallAsync(user, Resolve("Z" + tag, extra: "SearchScope=\"ActiveDirectory\""))).Element(M + "ResponseCode")!.Value);
        Assert.Single(Addresses(Message(await server.CallAsync(user, Resolve("Z" + tag, extra: "SearchScope=\"Contacts\"")))));
    }

    [Fact]
    public async Task SearchScope_orders_the_directory_and_the_contacts_and_ParentFolderIds_of_another_mailbox_is_refused()
    {
        var (user, _, tag) = await NewUserAsync("Ferdinand");
        await CreateAsync(user, $"<t:Contact><t:GivenName>Ferdinand</t:GivenName><t:EmailAddresses><t:Entry Key=\"EmailAddress1\">ferdinand.{tag}@elsewhere.net</t:Entry></t:EmailAddresses><t:Surname>Q{tag}</t:Surname></t:Contact>");

        var directoryFirst = Addresses(Message(await server.CallAsync(user, Resolve("Q" + tag))));
        Assert.Equal([user, $"ferdinand.{tag}@elsewhere.net"], directoryFirst);
        var contactsFirst = Addresses(Message(await server.CallAsync(user, Resolve("Q" + tag, extra: "SearchScope=\"ContactsActiveDirectory\""))));
        Assert.Equal([$"ferdinand.{tag}@elsewhere.net", user], contactsFirst);

        var own = Addresses(Message(await server.CallAsync(user, Resolve("Q" + tag, extra: "SearchScope=\"Contacts\"", parents: "<m:ParentFolderIds><t:DistinguishedFolderId Id=\"contacts\"/></m:ParentFolderIds>"))));
        Assert.Equal([$"ferdinand.{tag}@elsewhere.net"], own);
        var foreign = Message(await server.CallAsync(user, Resolve("Q" + tag, parents: $"<m:ParentFolderIds><t:DistinguishedFolderId Id=\"contacts\"><t:Mailbox><t:EmailAddress>{ServerFixture.Bob}</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId></m:ParentFolderIds>")));
        Assert.Equal("ErrorAccessDenied", foreign.Element(M + "ResponseCode")!.Value);
    }

    [Fact]
    public async Task A_bad_SearchScope_or_a_missing_ReturnFullContactData_is_a_schema_fault()
    {
        Assert.Equal("a:ErrorSchemaValidation", (await server.CallAsync(ServerFixture.Alice, Resolve("alice", extra: "SearchScope=\"Everywhere\""))).FaultCode);
        Assert.Equal("a:ErrorSchemaValidation", (await server.CallAsync(ServerFixture.Alice, "<m:ResolveNames><m:UnresolvedEntry>alice</m:UnresolvedEntry></m:ResolveNames>")).FaultCode);
    }

    private static string Expand(string mailbox) => $"<m:ExpandDL><m:Mailbox>{mailbox}</m:Mailbox></m:ExpandDL>";

    [Fact]
    public async Task ExpandDL_lists_a_server_lists_members_and_ResolveNames_finds_the_list()
    {
        var (user, name, tag) = await NewUserAsync("Gaspard");
        var list = $"team-{tag}@example.com";
        var nested = $"nested-{tag}@example.com";
        await server.Server.Store.AddDistributionListMemberAsync(list, $"Team {tag}", user, CancellationToken.None);
        await server.Server.Store.AddDistributionListMemberAsync(list, null, "outsider@elsewhere.net", CancellationToken.None);
        await server.Server.Store.AddDistributionListMemberAsync(nested, $"Nested {tag}", ServerFixture.Bob, CancellationToken.None);
        await server.Server.Store.AddDistributionListMemberAsync(list, null, nested, CancellationToken.None);

        var expansion = (await server.CallAsync(ServerFixture.Alice, Expand($"<t:EmailAddress>{list.ToUpperInvariant()}</t:EmailAddress>"))).Ok().Element(M + "DLExpansion")!;
        Assert.Equal("3", (string?)expansion.Attribute("TotalItemsInView"));
        Assert.Equal("true", (string?)expansion.Attribute("IncludesLastItemInRange"));
        var members = expansion.Elements(T + "Mailbox").Select(m => (m.Element(T + "Name")?.Value, m.Element(T + "EmailAddress")!.Value, m.Element(T + "MailboxType")!.Value)).ToList();
        Assert.Equal([(name, user, "Mailbox"), ("outsider@elsewhere.net", "outsider@elsewhere.net", "OneOff"), ($"Nested {tag}", nested, "PublicDL")], members);

        var resolved = Message(await server.CallAsync(ServerFixture.Alice, Resolve("Team " + tag))).Descendants(T + "Mailbox").Single();
        Assert.Equal(list, resolved.Element(T + "EmailAddress")!.Value);
        Assert.Equal("PublicDL", resolved.Element(T + "MailboxType")!.Value);

        // As exchangelib expects: a list that does not exist is ErrorNameResolutionNoResults.
        Assert.Equal("ErrorNameResolutionNoResults", (await server.CallAsync(ServerFixture.Alice, Expand("<t:EmailAddress>non_existent_distro@example.com</t:EmailAddress>"))).Code());
        Assert.Equal("ErrorNameResolutionNoResults", (await server.CallAsync(ServerFixture.Alice, Expand($"<t:EmailAddress>{user}</t:EmailAddress>"))).Code());
    }

    [Fact]
    public async Task ExpandDL_of_a_private_list_by_ItemId_gives_its_members_to_its_owner_only()
    {
        var (user, _, tag) = await NewUserAsync("Hippolyte");
        var (other, _, _) = await NewUserAsync("Irma");
        await CreateAsync(user, $"""
            <t:DistributionList><t:DisplayName>Friends {tag}</t:DisplayName><t:Members>
              <t:Member><t:Mailbox><t:Name>June</t:Name><t:EmailAddress>june@elsewhere.net</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType><t:MailboxType>OneOff</t:MailboxType></t:Mailbox></t:Member>
              <t:Member><t:Mailbox><t:EmailAddress>{other}</t:EmailAddress></t:Mailbox></t:Member>
            </t:Members></t:DistributionList>
            """);
        var id = Message(await server.CallAsync(user, Resolve("Friends " + tag))).Descendants(T + "ItemId").Single();
        var itemId = $"<t:ItemId Id=\"{(string)id.Attribute("Id")!}\"/>";

        var members = (await server.CallAsync(user, Expand(itemId))).Ok().Element(M + "DLExpansion")!.Elements(T + "Mailbox").Select(m => m.Element(T + "EmailAddress")!.Value).ToList();
        Assert.Equal(["june@elsewhere.net", other], members);
        Assert.Equal("ErrorNameResolutionNoResults", (await server.CallAsync(other, Expand(itemId))).Code());
    }

    private static string MailTips(string sendingAs, string requested, params string[] recipients) =>
        $"<m:GetMailTips><m:SendingAs><t:EmailAddress>{sendingAs}</t:EmailAddress></m:SendingAs><m:Recipients>"
        + string.Concat(recipients.Select(r => $"<t:Mailbox><t:EmailAddress>{r}</t:EmailAddress></t:Mailbox>"))
        + $"</m:Recipients><m:MailTipsRequested>{requested}</m:MailTipsRequested></m:GetMailTips>";

    [Fact]
    public async Task GetMailTips_tells_out_of_office_invalid_and_external_recipients_and_sizes()
    {
        var (away, _, tag) = await NewUserAsync("Josephine");
        var (sender, _, _) = await NewUserAsync("Kilian");
        (await server.CallAsync(away, $"""
            <m:SetUserOofSettingsRequest><t:Mailbox><t:Address>{away}</t:Address></t:Mailbox><t:UserOofSettings>
              <t:OofState>Enabled</t:OofState><t:ExternalAudience>All</t:ExternalAudience>
              <t:InternalReply><t:Message>Back on the 3rd.</t:Message></t:InternalReply><t:ExternalReply><t:Message>Away.</t:Message></t:ExternalReply>
            </t:UserOofSettings></m:SetUserOofSettingsRequest>
            """)).Document.Descendants(M + "ResponseMessage").Single();
        var list = $"crew-{tag}@example.com";
        await server.Server.Store.AddDistributionListMemberAsync(list, "Crew", away, CancellationToken.None);
        await server.Server.Store.AddDistributionListMemberAsync(list, null, "someone@elsewhere.net", CancellationToken.None);

        var response = await server.CallAsync(sender, MailTips(sender, "All", away, $"nobody-{tag}@example.com", "friend@elsewhere.net", list));
        var tips = response.Document.Descendants(M + "MailTips").ToList();
        Assert.Equal(4, tips.Count);
        Assert.Equal(away, tips[0].Element(T + "RecipientAddress")!.Element(T + "EmailAddress")!.Value);
        Assert.Equal("Back on the 3rd.", tips[0].Element(T + "OutOfOffice")!.Element(T + "ReplyBody")!.Element(T + "Message")!.Value);
        Assert.Equal("false", tips[0].Element(T + "MailboxFull")!.Value);
        Assert.Equal("false", tips[0].Element(T + "InvalidRecipient")!.Value);
        Assert.Equal("0", tips[0].Element(T + "ExternalMemberCount")!.Value);
        Assert.True(int.Parse(tips[0].Element(T + "MaxMessageSize")!.Value, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal("true", tips[1].Element(T + "InvalidRecipient")!.Value);
        Assert.Equal("1", tips[2].Element(T + "ExternalMemberCount")!.Value);
        Assert.Equal("false", tips[2].Element(T + "InvalidRecipient")!.Value);
        Assert.Equal("2", tips[3].Element(T + "TotalMemberCount")!.Value);
        Assert.Equal("1", tips[3].Element(T + "ExternalMemberCount")!.Value);

        // Only what is asked; no recipients, no messages (as exchangelib's test_mail_tips expects).
        var oofOnly = (await server.CallAsync(sender, MailTips(sender, "OutOfOfficeMessage", sender))).Document.Descendants(M + "MailTips").Single();
        Assert.Equal("", oofOnly.Element(T + "OutOfOffice")!.Element(T + "ReplyBody")!.Element(T + "Message")!.Value);
        Assert.Null(oofOnly.Element(T + "MaxMessageSize"));
        Assert.Empty((await server.CallAsync(sender, MailTips(sender, "All"))).Document.Descendants(M + "MailTipsResponseMessageType"));
    }

    [Fact]
    public async Task GetMailTips_as_exchangelib_sends_it_with_the_tips_as_its_own_text()
    {
        // exchangelib's Account.mail_tips: the MailTipsRequested value "All" written as GetMailTips' text.
        var request = $"<m:GetMailTips><m:SendingAs><t:EmailAddress>{ServerFixture.Alice}</t:EmailAddress></m:SendingAs><m:Recipients><t:Mailbox><t:EmailAddress>{ServerFixture.Alice}</t:EmailAddress></t:Mailbox></m:Recipients>All</m:GetMailTips>";
        var tips = (await server.CallAsync(ServerFixture.Alice, request)).Document.Descendants(M + "MailTips").Single();
        Assert.Equal(ServerFixture.Alice, tips.Element(T + "RecipientAddress")!.Element(T + "EmailAddress")!.Value);
        Assert.NotNull(tips.Element(T + "MaxMessageSize"));
    }

    [Fact]
    public async Task GetUserPhoto_of_a_mailbox_without_a_photo_is_ErrorItemNotFound()
    {
        var response = await server.CallAsync(ServerFixture.Alice, $"<m:GetUserPhoto><m:Email>{ServerFixture.Bob}</m:Email><m:SizeRequested>HR48x48</m:SizeRequested></m:GetUserPhoto>");
        var message = response.Document.Descendants(M + "GetUserPhotoResponse").Single();
        Assert.Equal("ErrorItemNotFound", message.Element(M + "ResponseCode")!.Value);
        Assert.Equal("false", message.Element(M + "HasChanged")!.Value);
    }
}
