using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

[Collection(ServerCollection.Name)]
public sealed class FolderTests(ServerFixture server)
{
    private static string GetFolder(string ids, string shape = "Default", string additional = "") =>
        $"<m:GetFolder><m:FolderShape><t:BaseShape>{shape}</t:BaseShape>{additional}</m:FolderShape><m:FolderIds>{ids}</m:FolderIds></m:GetFolder>";

    [Theory]
    [InlineData("root")]
    [InlineData("msgfolderroot")]
    [InlineData("inbox")]
    [InlineData("calendar")]
    [InlineData("sentitems")]
    [InlineData("deleteditems")]
    [InlineData("drafts")]
    [InlineData("outbox")]
    [InlineData("junkemail")]
    [InlineData("contacts")]
    [InlineData("tasks")]
    [InlineData("notes")]
    [InlineData("journal")]
    public async Task Every_distinguished_folder_exists(string name)
    {
        var response = await server.CallAsync(ServerFixture.Alice, GetFolder($"<t:DistinguishedFolderId Id=\"{name}\"/>", "AllProperties"));
        var folder = response.Ok();
        Assert.NotNull(folder.T("DisplayName"));
        Assert.NotNull(folder.T("TotalCount"));
        Assert.NotNull(folder.T("ChildFolderCount"));
    }

    [Fact]
    public async Task The_calendar_is_a_CalendarFolder_and_the_inbox_counts_unread()
    {
        var response = await server.CallAsync(ServerFixture.Alice,
            GetFolder("<t:DistinguishedFolderId Id=\"calendar\"/><t:DistinguishedFolderId Id=\"inbox\"/>", "AllProperties"));
        Assert.Equal(2, response.Messages.Count);
        var calendar = response.Messages[0].Descendants(EwsResponse.T + "CalendarFolder").Single();
        Assert.Equal("IPF.Appointment", calendar.T("FolderClass"));
        var inbox = response.Messages[1].Descendants(EwsResponse.T + "Folder").Single();
        Assert.NotNull(inbox.T("UnreadCount"));
        Assert.NotNull(inbox.Element(EwsResponse.T + "ParentFolderId"));
    }

    [Fact]
    public async Task A_distinguished_folder_with_the_callers_own_mailbox_is_found()
    {
        var response = await server.CallAsync(ServerFixture.Alice,
            GetFolder($"<t:DistinguishedFolderId Id=\"calendar\"><t:Mailbox><t:EmailAddress>{ServerFixture.Alice}</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>"));
        response.Ok();
    }

    [Fact]
    public async Task Another_users_folder_is_denied_and_reveals_nothing()
    {
        var response = await server.CallAsync(ServerFixture.Alice,
            GetFolder($"<t:DistinguishedFolderId Id=\"calendar\"><t:Mailbox><t:EmailAddress>{ServerFixture.Bob}</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>"));
        Assert.Equal("ErrorAccessDenied", response.Code());
        Assert.DoesNotContain("FolderId", response.Single().ToString(), StringComparison.Ordinal);

        var bobs = (await server.CallAsync(ServerFixture.Bob, GetFolder("<t:DistinguishedFolderId Id=\"calendar\"/>"))).Ok();
        var bobsId = bobs.Descendants(EwsResponse.T + "FolderId").Single().Attribute("Id")!.Value;
        var byId = await server.CallAsync(ServerFixture.Alice, GetFolder($"<t:FolderId Id=\"{bobsId}\"/>"));
        Assert.Equal("ErrorFolderNotFound", byId.Code());
    }

    [Fact]
    public async Task Malformed_and_unknown_folder_ids_fail_per_folder()
    {
        var response = await server.CallAsync(ServerFixture.Alice,
            GetFolder("<t:FolderId Id=\"not-an-id\"/><t:FolderId Id=\"RgHxSCy4Z0FJr7ZV0YNzxIYx\"/><t:DistinguishedFolderId Id=\"inbox\"/>"));
        Assert.Equal(["ErrorInvalidIdMalformed", "ErrorFolderNotFound", "NoError"], response.Messages.Select(m => m.Element(EwsResponse.M + "ResponseCode")!.Value));
    }

    [Fact]
    public async Task Folders_are_created_found_and_deleted()
    {
        var name = "Projects " + Guid.NewGuid().ToString("N")[..6];
        var created = (await server.CallAsync(ServerFixture.Alice,
            $"<m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id=\"inbox\"/></m:ParentFolderId><m:Folders><t:Folder><t:DisplayName>{name}</t:DisplayName></t:Folder></m:Folders></m:CreateFolder>")).Ok();
        var id = created.Descendants(EwsResponse.T + "FolderId").Single().Attribute("Id")!.Value;

        var duplicate = await server.CallAsync(ServerFixture.Alice,
            $"<m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id=\"inbox\"/></m:ParentFolderId><m:Folders><t:Folder><t:DisplayName>{name}</t:DisplayName></t:Folder></m:Folders></m:CreateFolder>");
        Assert.Equal("ErrorFolderExists", duplicate.Code());

        var found = (await server.CallAsync(ServerFixture.Alice,
            $"""
            <m:FindFolder Traversal="Shallow"><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape>
              <m:Restriction><t:IsEqualTo><t:FieldURI FieldURI="folder:DisplayName"/><t:FieldURIOrConstant><t:Constant Value="{name}"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction>
              <m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindFolder>
            """)).Ok();
        Assert.Equal(name, found.T("DisplayName"));
        Assert.Equal("1", found.Element(EwsResponse.M + "RootFolder")!.Attribute("TotalItemsInView")!.Value);

        var deep = (await server.CallAsync(ServerFixture.Alice,
            "<m:FindFolder Traversal=\"Deep\"><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:ParentFolderIds><t:DistinguishedFolderId Id=\"root\"/></m:ParentFolderIds></m:FindFolder>")).Ok();
        Assert.True(deep.Descendants(EwsResponse.T + "FolderId").Count() >= 13);

        (await server.CallAsync(ServerFixture.Alice, $"<m:DeleteFolder DeleteType=\"HardDelete\"><m:FolderIds><t:FolderId Id=\"{id}\"/></m:FolderIds></m:DeleteFolder>")).Ok();
        var gone = await server.CallAsync(ServerFixture.Alice, GetFolder($"<t:FolderId Id=\"{id}\"/>"));
        Assert.Equal("ErrorFolderNotFound", gone.Code());
    }

    [Fact]
    public async Task A_distinguished_folder_cannot_be_deleted()
    {
        var response = await server.CallAsync(ServerFixture.Alice, "<m:DeleteFolder DeleteType=\"HardDelete\"><m:FolderIds><t:DistinguishedFolderId Id=\"calendar\"/></m:FolderIds></m:DeleteFolder>");
        Assert.Equal("ErrorDeleteDistinguishedFolder", response.Code());
    }

    [Fact]
    public async Task DavMail_login_sequence_succeeds()
    {
        var dir = TestData.Path("captures", "davmail", "login_sequence");
        foreach (var file in Directory.GetFiles(dir, "*.xml").Where(f => !f.EndsWith("UNAUTH.xml", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var response = await server.PostAsync(ServerFixture.Alice, await File.ReadAllTextAsync(file));
            var message = response.Single();
            Assert.True((string?)message.Attribute("ResponseClass") == "Success", file + "\n" + message);
            if (file.Contains("ConvertId", StringComparison.Ordinal))
            {
                Assert.Equal(ServerFixture.Alice, message.Descendants(EwsResponse.M + "AlternateId").Single().Attribute("Mailbox")!.Value);
            }
        }
    }
}
