using System.Xml.Linq;
using Rendezvous.Store;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// Delegates (issue 18 §2) over HTTP, schema-validated: GetDelegate, AddDelegate, UpdateDelegate and RemoveDelegate,
/// their errors as Exchange gives them, and the principal's meeting requests delivered as its DeliverMeetingRequests says.
/// </summary>
[Collection(ServerCollection.Name)]
public class DelegateTests(ServerFixture server)
{
    private static readonly XNamespace T = EwsResponse.T;
    private static readonly XNamespace M = EwsResponse.M;

    private async Task<string> NewUserAsync(string name)
    {
        var address = $"{name.ToLowerInvariant()}.{Guid.NewGuid():N}"[..24] + "@example.com";
        await server.Server.Store.AddUserAsync(address, name, PasswordHasher.Hash(ServerFixture.Password, 1000), CancellationToken.None);
        return address;
    }

    internal static string UserId(string address) => $"<t:UserId><t:PrimarySmtpAddress>{address}</t:PrimarySmtpAddress></t:UserId>";

    internal static string DelegateUser(string address, string permissions = "", bool? receiveCopies = null, bool? viewPrivate = null) =>
        $"<t:DelegateUser>{UserId(address)}{(permissions.Length > 0 ? $"<t:DelegatePermissions>{permissions}</t:DelegatePermissions>" : "")}"
        + (receiveCopies is { } r ? $"<t:ReceiveCopiesOfMeetingMessages>{(r ? "true" : "false")}</t:ReceiveCopiesOfMeetingMessages>" : "")
        + (viewPrivate is { } v ? $"<t:ViewPrivateItems>{(v ? "true" : "false")}</t:ViewPrivateItems>" : "")
        + "</t:DelegateUser>";

    internal static string Get(string mailbox, string userIds = "", bool includePermissions = true) =>
        $"<m:GetDelegate IncludePermissions=\"{(includePermissions ? "true" : "false")}\"><m:Mailbox><t:EmailAddress>{mailbox}</t:EmailAddress></m:Mailbox>{(userIds.Length > 0 ? $"<m:UserIds>{userIds}</m:UserIds>" : "")}</m:GetDelegate>";

    internal static string Add(string mailbox, string users, string? deliver = null) =>
        $"<m:AddDelegate><m:Mailbox><t:EmailAddress>{mailbox}</t:EmailAddress></m:Mailbox><m:DelegateUsers>{users}</m:DelegateUsers>{(deliver is null ? "" : $"<m:DeliverMeetingRequests>{deliver}</m:DeliverMeetingRequests>")}</m:AddDelegate>";

    internal static string Update(string mailbox, string users, string? deliver = null) =>
        $"<m:UpdateDelegate><m:Mailbox><t:EmailAddress>{mailbox}</t:EmailAddress></m:Mailbox>{(users.Length > 0 ? $"<m:DelegateUsers>{users}</m:DelegateUsers>" : "")}{(deliver is null ? "" : $"<m:DeliverMeetingRequests>{deliver}</m:DeliverMeetingRequests>")}</m:UpdateDelegate>";

    internal static string Remove(string mailbox, string userIds) =>
        $"<m:RemoveDelegate><m:Mailbox><t:EmailAddress>{mailbox}</t:EmailAddress></m:Mailbox><m:UserIds>{userIds}</m:UserIds></m:RemoveDelegate>";

    /// <summary>The operation's own response element, checked to be a success.</summary>
    private static XElement Succeeded(EwsResponse response, string operation)
    {
        var element = response.Document.Descendants(M + operation + "Response").Single();
        Assert.True((string?)element.Attribute("ResponseClass") == "Success", element.ToString());
        return element;
    }

    /// <summary>The per-user response codes, in order.</summary>
    private static List<string> Codes(XElement response) =>
        [.. response.Elements(M + "ResponseMessages").Elements(M + "DelegateUserResponseMessageType").Select(m => m.Element(M + "ResponseCode")!.Value)];

    private static List<XElement> Delegates(XElement response) =>
        [.. response.Descendants(M + "DelegateUser")];

    [Fact]
    public async Task A_mailbox_without_delegates_answers_none_and_its_delivery_setting()
    {
        var owner = await NewUserAsync("Solo");
        var response = Succeeded(await server.CallAsync(owner, Get(owner)), "GetDelegate");
        Assert.Null(response.Element(M + "ResponseMessages"));
        Assert.Equal("NoError", response.Element(M + "ResponseCode")!.Value);
        Assert.Equal("DelegatesAndSendInformationToMe", response.Element(M + "DeliverMeetingRequests")!.Value);
    }

    [Fact]
    public async Task Delegates_are_added_read_updated_and_removed_with_their_settings()
    {
        var manager = await NewUserAsync("Manager");
        var assistant = await NewUserAsync("Assistant");
        var deputy = await NewUserAsync("Deputy");

        var added = Succeeded(await server.CallAsync(manager, Add(manager, DelegateUser(assistant, receiveCopies: true, viewPrivate: false) + DelegateUser(deputy), "DelegatesOnly")), "AddDelegate");
        Assert.Equal(["NoError", "NoError"], Codes(added));
        var first = Delegates(added)[0];
        Assert.Equal(assistant, first.Element(T + "UserId")!.Element(T + "PrimarySmtpAddress")!.Value);
        Assert.Equal("Assistant", first.Element(T + "UserId")!.Element(T + "DisplayName")!.Value);
        Assert.StartsWith("S-1-5-21-", first.Element(T + "UserId")!.Element(T + "SID")!.Value, StringComparison.Ordinal);
        Assert.Null(first.Element(T + "DelegatePermissions"));
        Assert.Equal("true", first.Element(T + "ReceiveCopiesOfMeetingMessages")!.Value);

        var all = Succeeded(await server.CallAsync(manager, Get(manager)), "GetDelegate");
        Assert.Equal([assistant, deputy], Delegates(all).Select(d => d.Descendants(T + "PrimarySmtpAddress").Single().Value));
        Assert.Equal("DelegatesOnly", all.Element(M + "DeliverMeetingRequests")!.Value);
        Assert.All(Delegates(all), d => Assert.NotNull(d.Element(T + "DelegatePermissions")));
        Assert.All(Delegates(Succeeded(await server.CallAsync(manager, Get(manager, includePermissions: false)), "GetDelegate")), d => Assert.Null(d.Element(T + "DelegatePermissions")));

        var updated = Succeeded(await server.CallAsync(manager, Update(manager, DelegateUser(deputy, viewPrivate: true), "DelegatesAndMe")), "UpdateDelegate");
        Assert.Equal(["NoError"], Codes(updated));
        var deputyRead = Delegates(Succeeded(await server.CallAsync(manager, Get(manager, UserId(deputy))), "GetDelegate")).Single();
        Assert.Equal("true", deputyRead.Element(T + "ViewPrivateItems")!.Value);
        Assert.Equal("false", deputyRead.Element(T + "ReceiveCopiesOfMeetingMessages")!.Value);
        Assert.Equal("DelegatesAndMe", Succeeded(await server.CallAsync(manager, Get(manager)), "GetDelegate").Element(M + "DeliverMeetingRequests")!.Value);

        // By the SID a response gave.
        var sid = first.Element(T + "UserId")!.Element(T + "SID")!.Value;
        var removed = Succeeded(await server.CallAsync(manager, Remove(manager, $"<t:UserId><t:SID>{sid}</t:SID></t:UserId>")), "RemoveDelegate");
        Assert.Equal(["NoError"], Codes(removed));
        Assert.Empty(Delegates(removed));
        Assert.Equal([deputy], Delegates(Succeeded(await server.CallAsync(manager, Get(manager)), "GetDelegate")).Select(d => d.Descendants(T + "PrimarySmtpAddress").Single().Value));
    }

    private static string CalendarPermissionSet(string mailbox) =>
        $"<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI=\"folder:PermissionSet\"/></t:AdditionalProperties></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id=\"calendar\"><t:Mailbox><t:EmailAddress>{mailbox}</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId></m:FolderIds></m:GetFolder>";

    /// <summary>The level of <paramref name="user"/>'s entry in the owner's Calendar permission set, null when it has none.</summary>
    private async Task<string?> CalendarLevelAsync(string owner, string user) =>
        (await server.CallAsync(owner, CalendarPermissionSet(owner))).Ok().Descendants(T + "CalendarPermission")
            .FirstOrDefault(p => p.Descendants(T + "PrimarySmtpAddress").FirstOrDefault()?.Value == user)?.Element(T + "CalendarPermissionLevel")?.Value;

    [Fact]
    public async Task A_delegates_levels_are_entries_of_the_principals_folder_permissions()
    {
        var manager = await NewUserAsync("Manager");
        var assistant = await NewUserAsync("Assistant");
        Succeeded(await server.CallAsync(manager, Add(manager, DelegateUser(assistant,
            "<t:CalendarFolderPermissionLevel>Editor</t:CalendarFolderPermissionLevel><t:InboxFolderPermissionLevel>Reviewer</t:InboxFolderPermissionLevel>"))), "AddDelegate");

        var permissions = Delegates(Succeeded(await server.CallAsync(manager, Get(manager)), "GetDelegate")).Single().Element(T + "DelegatePermissions")!;
        // As Exchange writes them: the folders at None left out.
        Assert.Equal(["CalendarFolderPermissionLevel:Editor", "InboxFolderPermissionLevel:Reviewer"], permissions.Elements().Select(e => e.Name.LocalName + ":" + e.Value));
        Assert.Equal("Editor", await CalendarLevelAsync(manager, assistant));
        // The delegate reads the principal's calendar through that entry.
        (await server.CallAsync(assistant, Requests.FindItem().Replace("<t:DistinguishedFolderId Id=\"calendar\"/>", $"<t:DistinguishedFolderId Id=\"calendar\"><t:Mailbox><t:EmailAddress>{manager}</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>", StringComparison.Ordinal))).Ok();

        // An entry the owner set by hand reads back as the level it is: Author, then Custom when it is none of the four.
        Succeeded(await server.CallAsync(manager, Update(manager, DelegateUser(assistant, "<t:CalendarFolderPermissionLevel>Author</t:CalendarFolderPermissionLevel><t:InboxFolderPermissionLevel>None</t:InboxFolderPermissionLevel>"))), "UpdateDelegate");
        Assert.Equal("Author", await CalendarLevelAsync(manager, assistant));
        Assert.Equal(["CalendarFolderPermissionLevel:Author"], Delegates(Succeeded(await server.CallAsync(manager, Get(manager)), "GetDelegate")).Single().Element(T + "DelegatePermissions")!.Elements().Select(e => e.Name.LocalName + ":" + e.Value));

        var publishingEditor = $"""
            <m:UpdateFolder><m:FolderChanges><t:FolderChange><t:DistinguishedFolderId Id="calendar"/><t:Updates>
              <t:SetFolderField><t:FieldURI FieldURI="folder:PermissionSet"/><t:CalendarFolder><t:PermissionSet><t:CalendarPermissions>
                <t:CalendarPermission><t:UserId><t:PrimarySmtpAddress>{assistant}</t:PrimarySmtpAddress></t:UserId><t:CalendarPermissionLevel>PublishingEditor</t:CalendarPermissionLevel></t:CalendarPermission>
              </t:CalendarPermissions></t:PermissionSet></t:CalendarFolder></t:SetFolderField>
            </t:Updates></t:FolderChange></m:FolderChanges></m:UpdateFolder>
            """;
        (await server.CallAsync(manager, publishingEditor)).Ok();
        Assert.Equal(["CalendarFolderPermissionLevel:Custom"], Delegates(Succeeded(await server.CallAsync(manager, Get(manager)), "GetDelegate")).Single().Element(T + "DelegatePermissions")!.Elements().Select(e => e.Name.LocalName + ":" + e.Value));
        // Custom given back as it is (as the EWS Managed API round-trips it) keeps the entry.
        Assert.Equal(["NoError"], Codes(Succeeded(await server.CallAsync(manager, Update(manager, DelegateUser(assistant, "<t:CalendarFolderPermissionLevel>Custom</t:CalendarFolderPermissionLevel>"))), "UpdateDelegate")));
        Assert.Equal("PublishingEditor", await CalendarLevelAsync(manager, assistant));

        Succeeded(await server.CallAsync(manager, Remove(manager, UserId(assistant))), "RemoveDelegate");
        Assert.Null(await CalendarLevelAsync(manager, assistant));
        var refused = await server.CallAsync(assistant, Requests.FindItem().Replace("<t:DistinguishedFolderId Id=\"calendar\"/>", $"<t:DistinguishedFolderId Id=\"calendar\"><t:Mailbox><t:EmailAddress>{manager}</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>", StringComparison.Ordinal));
        Assert.Equal("ErrorAccessDenied", refused.Code());
    }

    [Fact]
    public async Task A_private_item_shows_only_to_a_delegate_with_ViewPrivateItems()
    {
        var manager = await NewUserAsync("Manager");
        var assistant = await NewUserAsync("Assistant");
        var subject = "Doctor " + Guid.NewGuid().ToString("N")[..6];
        (await server.CallAsync(manager, Requests.CreateAppointment(subject, "2031-06-01T08:00:00Z", "2031-06-01T09:00:00Z", "<t:Sensitivity>Private</t:Sensitivity>"))).Ok();
        Succeeded(await server.CallAsync(manager, Add(manager, DelegateUser(assistant, "<t:CalendarFolderPermissionLevel>Editor</t:CalendarFolderPermissionLevel>", viewPrivate: false))), "AddDelegate");
        var find = Requests.FindItem().Replace("<t:DistinguishedFolderId Id=\"calendar\"/>", $"<t:DistinguishedFolderId Id=\"calendar\"><t:Mailbox><t:EmailAddress>{manager}</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>", StringComparison.Ordinal);
        Assert.DoesNotContain((await server.CallAsync(assistant, find)).Ok().Descendants(T + "Subject"), e => e.Value == subject);

        Succeeded(await server.CallAsync(manager, Update(manager, DelegateUser(assistant, viewPrivate: true))), "UpdateDelegate");
        Assert.Contains((await server.CallAsync(assistant, find)).Ok().Descendants(T + "Subject"), e => e.Value == subject);
    }

    [Fact]
    public async Task Each_user_fails_alone_with_the_code_Exchange_gives()
    {
        var manager = await NewUserAsync("Manager");
        var assistant = await NewUserAsync("Assistant");
        var stranger = await NewUserAsync("Stranger");
        var unknown = $"nobody.{Guid.NewGuid():N}@example.com";

        var added = Succeeded(await server.CallAsync(manager, Add(manager,
            DelegateUser(assistant) + DelegateUser(assistant) + DelegateUser(manager) + DelegateUser(unknown)
            + DelegateUser(stranger, "<t:CalendarFolderPermissionLevel>Custom</t:CalendarFolderPermissionLevel>"))), "AddDelegate");
        Assert.Equal(["NoError", "ErrorDelegateAlreadyExists", "ErrorDelegateCannotAddOwner", "ErrorDelegateNoUser", "ErrorInvalidDelegatePermission"], Codes(added));

        var got = Succeeded(await server.CallAsync(manager, Get(manager, UserId(stranger) + UserId(manager) + UserId(unknown) + "<t:UserId><t:SID>XXX</t:SID></t:UserId>" + "<t:UserId><t:DistinguishedUser>Default</t:DistinguishedUser></t:UserId>")), "GetDelegate");
        Assert.Equal(["ErrorNotDelegate", "ErrorNotDelegate", "ErrorDelegateNoUser", "ErrorInvalidUserSid", "ErrorInvalidDelegateUserId"], Codes(got));

        Assert.Equal(["ErrorNotDelegate"], Codes(Succeeded(await server.CallAsync(manager, Update(manager, DelegateUser(stranger, viewPrivate: true))), "UpdateDelegate")));
        Assert.Equal(["ErrorNotDelegate", "NoError"], Codes(Succeeded(await server.CallAsync(manager, Remove(manager, UserId(stranger) + UserId(assistant))), "RemoveDelegate")));
        Assert.Null(Succeeded(await server.CallAsync(manager, Get(manager)), "GetDelegate").Element(M + "ResponseMessages"));
    }

    [Fact]
    public async Task DeliverMeetingRequests_is_set_with_the_delegates_it_came_with_and_not_when_none_of_them_could_be()
    {
        var manager = await NewUserAsync("Manager");
        var assistant = await NewUserAsync("Assistant");
        var unknown = $"nobody.{Guid.NewGuid():N}@example.com";
        string Delivery(XElement response) => response.Element(M + "DeliverMeetingRequests")!.Value;

        // Every delegate of the request fails: the setting is not written either.
        Assert.Equal(["ErrorDelegateNoUser"], Codes(Succeeded(await server.CallAsync(manager, Add(manager, DelegateUser(unknown), "DelegatesOnly")), "AddDelegate")));
        Assert.Equal("DelegatesAndSendInformationToMe", Delivery(Succeeded(await server.CallAsync(manager, Get(manager)), "GetDelegate")));
        Assert.Equal(["ErrorNotDelegate"], Codes(Succeeded(await server.CallAsync(manager, Update(manager, DelegateUser(assistant, viewPrivate: true), "NoForward")), "UpdateDelegate")));
        Assert.Equal("DelegatesAndSendInformationToMe", Delivery(Succeeded(await server.CallAsync(manager, Get(manager)), "GetDelegate")));

        // With one that is written, it is; an UpdateDelegate of the setting alone writes it alone.
        Assert.Equal(["NoError", "ErrorDelegateNoUser"], Codes(Succeeded(await server.CallAsync(manager, Add(manager, DelegateUser(assistant) + DelegateUser(unknown), "DelegatesOnly")), "AddDelegate")));
        Assert.Equal("DelegatesOnly", Delivery(Succeeded(await server.CallAsync(manager, Get(manager)), "GetDelegate")));
        Succeeded(await server.CallAsync(manager, Update(manager, "", "DelegatesAndMe")), "UpdateDelegate");
        Assert.Equal("DelegatesAndMe", Delivery(Succeeded(await server.CallAsync(manager, Get(manager)), "GetDelegate")));
    }

    [Fact]
    public async Task Another_mailboxs_delegates_are_neither_read_nor_changed()
    {
        var manager = await NewUserAsync("Manager");
        var assistant = await NewUserAsync("Assistant");
        var intruder = await NewUserAsync("Intruder");
        Succeeded(await server.CallAsync(manager, Add(manager, DelegateUser(assistant))), "AddDelegate");

        foreach (var (operation, body) in new[]
        {
            ("GetDelegate", Get(manager)),
            ("AddDelegate", Add(manager, DelegateUser(intruder))),
            ("UpdateDelegate", Update(manager, DelegateUser(assistant, viewPrivate: true), "NoForward")),
            ("RemoveDelegate", Remove(manager, UserId(assistant))),
            // A mailbox that does not exist answers the same: nothing is revealed.
            ("GetDelegate", Get($"nobody.{Guid.NewGuid():N}@example.com")),
        })
        {
            var response = (await server.CallAsync(intruder, body)).Document.Descendants(M + operation + "Response").Single();
            Assert.Equal("Error", (string?)response.Attribute("ResponseClass"));
            Assert.Equal("ErrorAccessDenied", response.Element(M + "ResponseCode")!.Value);
            Assert.Null(response.Element(M + "ResponseMessages"));
        }

        var after = Succeeded(await server.CallAsync(manager, Get(manager)), "GetDelegate");
        var only = Assert.Single(Delegates(after));
        Assert.Equal(assistant, only.Descendants(T + "PrimarySmtpAddress").Single().Value);
        Assert.Equal("false", only.Element(T + "ViewPrivateItems")!.Value);
        Assert.Equal("DelegatesAndSendInformationToMe", after.Element(M + "DeliverMeetingRequests")!.Value);
    }

    [Fact]
    public async Task A_bad_delivery_setting_or_level_is_a_schema_fault()
    {
        var manager = await NewUserAsync("Manager");
        var assistant = await NewUserAsync("Assistant");
        var response = await server.CallAsync(manager, Add(manager, DelegateUser(assistant), "Everybody"));
        Assert.NotNull(response.FaultCode);
        response = await server.CallAsync(manager, Add(manager, DelegateUser(assistant, "<t:CalendarFolderPermissionLevel>Owner</t:CalendarFolderPermissionLevel>")));
        Assert.NotNull(response.FaultCode);
        Assert.Null(Succeeded(await server.CallAsync(manager, Get(manager)), "GetDelegate").Element(M + "ResponseMessages"));
    }

    /// <summary>The meeting messages in <paramref name="user"/>'s Inbox with <paramref name="subject"/>, all properties.</summary>
    private async Task<List<XElement>> InboxRequestsAsync(string user, string subject)
    {
        var found = (await server.CallAsync(user, Requests.FindItem(folder: "inbox"))).Ok();
        var ids = found.Descendants(T + "MeetingRequest").Where(m => m.Element(T + "Subject")?.Value == subject).Select(m => m.Element(T + "ItemId")!.Attribute("Id")!.Value).ToList();
        var items = new List<XElement>();
        foreach (var id in ids)
        {
            items.Add((await server.CallAsync(user, Requests.GetItem(id))).Ok().Descendants(T + "MeetingRequest").Single());
        }

        return items;
    }

    private async Task<int> CalendarCountAsync(string user, string subject) =>
        (await server.CallAsync(user, Requests.FindItem(folder: "calendar"))).Ok().Descendants(T + "CalendarItem").Count(c => c.Element(T + "Subject")?.Value == subject);

    private async Task InviteAsync(string organizer, string attendee, string subject) =>
        (await server.CallAsync(organizer, Requests.CreateMeeting(subject, [attendee], "2031-03-04T10:00:00Z", "2031-03-04T11:00:00Z"))).Ok();

    [Theory]
    [InlineData("DelegatesOnly", false, null)]
    [InlineData("DelegatesAndMe", true, "NewMeetingRequest")]
    [InlineData("DelegatesAndSendInformationToMe", true, "PrincipalWantsCopy")]
    public async Task A_request_for_a_principal_reaches_its_delegates_as_DeliverMeetingRequests_says(string deliver, bool principalGetsIt, string? principalRequestType)
    {
        var manager = await NewUserAsync("Manager");
        var assistant = await NewUserAsync("Assistant");
        var bystander = await NewUserAsync("Bystander");
        var organizer = await NewUserAsync("Organizer");
        // Only the delegate receiving copies gets them.
        Succeeded(await server.CallAsync(manager, Add(manager, DelegateUser(assistant, receiveCopies: true) + DelegateUser(bystander, receiveCopies: false), deliver)), "AddDelegate");
        await InviteAsync(organizer, manager, "Budget review");

        var copy = Assert.Single(await InboxRequestsAsync(assistant, "Budget review"));
        Assert.Equal(manager, copy.Element(T + "ReceivedRepresenting")!.Descendants(T + "EmailAddress").Single().Value);
        Assert.Equal(assistant, copy.Element(T + "ReceivedBy")!.Descendants(T + "EmailAddress").Single().Value);
        Assert.Equal("true", copy.Element(T + "IsDelegated")!.Value);
        Assert.Equal(organizer, copy.Element(T + "Organizer")!.Descendants(T + "EmailAddress").Single().Value);
        Assert.Empty(await InboxRequestsAsync(bystander, "Budget review"));

        var own = await InboxRequestsAsync(manager, "Budget review");
        Assert.Equal(principalGetsIt ? 1 : 0, own.Count);
        if (principalRequestType is not null)
        {
            Assert.Equal(principalRequestType, own.Single().Element(T + "MeetingRequestType")!.Value);
        }

        // The principal's calendar holds the tentative meeting whoever got the request.
        Assert.Equal(1, await CalendarCountAsync(manager, "Budget review"));
        Assert.Equal(0, await CalendarCountAsync(assistant, "Budget review"));
    }

    [Fact]
    public async Task NoForward_or_no_delegate_receiving_copies_delivers_to_the_principal_alone()
    {
        var manager = await NewUserAsync("Manager");
        var assistant = await NewUserAsync("Assistant");
        var organizer = await NewUserAsync("Organizer");
        Succeeded(await server.CallAsync(manager, Add(manager, DelegateUser(assistant, receiveCopies: true), "NoForward")), "AddDelegate");
        await InviteAsync(organizer, manager, "Standup");
        Assert.Empty(await InboxRequestsAsync(assistant, "Standup"));
        var own = Assert.Single(await InboxRequestsAsync(manager, "Standup"));
        Assert.Equal("NewMeetingRequest", own.Element(T + "MeetingRequestType")!.Value);
        Assert.Null(own.Element(T + "ReceivedRepresenting"));

        Succeeded(await server.CallAsync(manager, Update(manager, DelegateUser(assistant, receiveCopies: false), "DelegatesOnly")), "UpdateDelegate");
        await InviteAsync(organizer, manager, "Retro");
        Assert.Empty(await InboxRequestsAsync(assistant, "Retro"));
        Assert.Single(await InboxRequestsAsync(manager, "Retro"));
    }
}

/// <summary>The same on the PostgreSQL store (its permission and delegate tables).</summary>
[Collection(PostgresServerCollection.Name)]
public sealed class PostgresDelegateTests(PostgresServerFixture server) : DelegateTests(server);
