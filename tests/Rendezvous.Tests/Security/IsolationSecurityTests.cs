using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests.Security;

/// <summary>What one user learns of another user's mailbox: nothing, not even whether a folder exists. (Trust issue, defect 8.)</summary>
[Collection(ServerCollection.Name)]
public sealed class IsolationSecurityTests(ServerFixture server)
{
    private static string GetFolder(string folderId) =>
        $"<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds>{folderId}</m:FolderIds></m:GetFolder>";

    [Fact]
    public async Task Another_users_folder_by_FolderId_answers_exactly_as_a_folder_that_does_not_exist()
    {
        var created = (await server.CallAsync(ServerFixture.Bob, $"""
            <m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderId>
              <m:Folders><t:Folder><t:DisplayName>bob only {Guid.NewGuid():N}</t:DisplayName></t:Folder><t:Folder><t:DisplayName>bob gone {Guid.NewGuid():N}</t:DisplayName></t:Folder></m:Folders>
            </m:CreateFolder>
            """)).Messages;
        var ids = created.Select(m => (string)m.Descendants(EwsResponse.T + "FolderId").Single().Attribute("Id")!).ToList();
        Assert.Equal("NoError", (await server.CallAsync(ServerFixture.Bob, $"<m:DeleteFolder DeleteType=\"HardDelete\"><m:FolderIds><t:FolderId Id=\"{ids[1]}\"/></m:FolderIds></m:DeleteFolder>")).Code());

        var others = await server.CallAsync(ServerFixture.Alice, GetFolder($"<t:FolderId Id=\"{ids[0]}\"/>"));
        var missing = await server.CallAsync(ServerFixture.Alice, GetFolder($"<t:FolderId Id=\"{ids[1]}\"/>"));
        Assert.Equal("ErrorFolderNotFound", others.Code());
        Assert.Equal(missing.Code(), others.Code());
        Assert.Equal(missing.Messages[0].Element(EwsResponse.M + "MessageText")!.Value, others.Messages[0].Element(EwsResponse.M + "MessageText")!.Value);
    }

    [Theory]
    [InlineData(ServerFixture.Bob)]
    [InlineData("nobody@example.com")]
    public async Task Another_mailboxs_distinguished_folder_is_ErrorAccessDenied_whether_or_not_the_mailbox_exists(string mailbox)
    {
        var response = await server.CallAsync(ServerFixture.Alice, GetFolder($"<t:DistinguishedFolderId Id=\"calendar\"><t:Mailbox><t:EmailAddress>{mailbox}</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>"));
        Assert.Equal("ErrorAccessDenied", response.Code());
    }
}
