using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Rendezvous.Domain;
using Rendezvous.Store;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// Folder permissions and the access model (issue 18 §1) over HTTP, every response schema-checked by the fixture: each
/// right granted (the action works) and not granted (refused, revealing nothing where nothing was granted). Each test
/// uses mailboxes of its own, so no grant leaks into another test.
/// </summary>
[Collection(ServerCollection.Name)]
public class PermissionTests(ServerFixture server)
{
    private static readonly XNamespace T = EwsResponse.T;
    private static readonly XNamespace M = EwsResponse.M;

    private async Task<string> NewUserAsync(string name)
    {
        var address = $"{name}-{Guid.NewGuid():N}"[..20] + "@example.com";
        await server.Server.Store.AddUserAsync(address, name, PasswordHasher.Hash(ServerFixture.Password, 1000), CancellationToken.None);
        return address;
    }

    private static string Distinguished(string folder, string mailbox) =>
        $"<t:DistinguishedFolderId Id=\"{folder}\"><t:Mailbox><t:EmailAddress>{mailbox}</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>";

    private static string Permission(string user, string level, bool calendar = true) =>
        $"<t:{(calendar ? "CalendarPermission" : "Permission")}><t:UserId><t:PrimarySmtpAddress>{user}</t:PrimarySmtpAddress></t:UserId><t:{(calendar ? "CalendarPermissionLevel" : "PermissionLevel")}>{level}</t:{(calendar ? "CalendarPermissionLevel" : "PermissionLevel")}></t:{(calendar ? "CalendarPermission" : "Permission")}>";

    private static string DefaultPermission(string level, bool calendar = true) =>
        $"<t:{(calendar ? "CalendarPermission" : "Permission")}><t:UserId><t:DistinguishedUser>Default</t:DistinguishedUser></t:UserId><t:{(calendar ? "CalendarPermissionLevel" : "PermissionLevel")}>{level}</t:{(calendar ? "CalendarPermissionLevel" : "PermissionLevel")}></t:{(calendar ? "CalendarPermission" : "Permission")}>";

    private static string SetPermissions(string folder, string entries, bool calendar = true) =>
        $"""
        <m:UpdateFolder>
          <m:FolderChanges>
            <t:FolderChange>
              {folder}
              <t:Updates>
                <t:SetFolderField>
                  <t:FieldURI FieldURI="folder:PermissionSet"/>
                  <t:{(calendar ? "CalendarFolder" : "Folder")}><t:PermissionSet><t:{(calendar ? "CalendarPermissions" : "Permissions")}>{entries}</t:{(calendar ? "CalendarPermissions" : "Permissions")}></t:PermissionSet></t:{(calendar ? "CalendarFolder" : "Folder")}>
                </t:SetFolderField>
              </t:Updates>
            </t:FolderChange>
          </m:FolderChanges>
        </m:UpdateFolder>
        """;

    /// <summary>The owner gives <paramref name="grantee"/> <paramref name="level"/> on their calendar.</summary>
    private async Task GrantCalendarAsync(string owner, string grantee, string level) =>
        (await server.CallAsync(owner, SetPermissions("<t:DistinguishedFolderId Id=\"calendar\"/>", Permission(grantee, level)))).Ok();

    private static string GetFolder(string folder, string shape = "IdOnly", string additional = "<t:FieldURI FieldURI=\"folder:PermissionSet\"/>") =>
        $"<m:GetFolder><m:FolderShape><t:BaseShape>{shape}</t:BaseShape>{(additional.Length > 0 ? $"<t:AdditionalProperties>{additional}</t:AdditionalProperties>" : "")}</m:FolderShape><m:FolderIds>{folder}</m:FolderIds></m:GetFolder>";

    private static string CalendarView(string folder) =>
        $"""
        <m:FindItem Traversal="Shallow">
          <m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape>
          <m:CalendarView StartDate="2032-03-01T00:00:00Z" EndDate="2032-03-31T00:00:00Z"/>
          <m:ParentFolderIds>{folder}</m:ParentFolderIds>
        </m:FindItem>
        """;

    private Task<(string Id, string ChangeKey)> AppointmentAsync(string owner, string subject, string sensitivity = "Normal", string day = "10") =>
        server.CreateAppointmentAsync(owner, subject, $"2032-03-{day}T09:00:00Z", $"2032-03-{day}T10:00:00Z", $"<t:Sensitivity>{sensitivity}</t:Sensitivity>");

    private static List<string> Subjects(EwsResponse response) =>
        [.. response.Ok().Descendants(T + "CalendarItem").Select(i => i.Element(T + "Subject")!.Value)];

    private async Task<string> CalendarIdAsync(string owner) =>
        (string)(await server.CallAsync(owner, GetFolder("<t:DistinguishedFolderId Id=\"calendar\"/>", additional: "<t:FieldURI FieldURI=\"folder:DisplayName\"/>"))).Ok()
            .Descendants(T + "FolderId").First().Attribute("Id")!;

    [Fact]
    public void Each_level_is_its_rights_and_those_rights_are_that_level_again()
    {
        foreach (var level in Enum.GetValues<PermissionLevel>().Where(l => l != PermissionLevel.Custom))
        {
            Assert.Equal(level, FolderRights.Of(level).LevelOn(calendar: true));
        }

        Assert.Equal(PermissionLevel.Custom, (FolderRights.Of(PermissionLevel.Reviewer) with { CanCreateItems = false, IsFolderContact = true }).LevelOn(calendar: false));
        // The free/busy levels are a calendar's: their rights elsewhere are no level.
        Assert.Equal(PermissionLevel.Custom, FolderRights.Of(PermissionLevel.FreeBusyTimeOnly).LevelOn(calendar: false));
        Assert.Equal(new FolderRights(true, false, false, true, false, ItemScope.Owned, ItemScope.Owned, ReadAccess.FullDetails), FolderRights.Of(PermissionLevel.Author));
    }

    [Fact]
    public async Task A_new_mailbox_has_Exchanges_default_permissions_Default_FreeBusyTimeOnly_on_the_calendar_and_None_elsewhere()
    {
        var owner = await NewUserAsync("defaults");
        var calendar = (await server.CallAsync(owner, GetFolder("<t:DistinguishedFolderId Id=\"calendar\"/>"))).Ok();
        var entries = calendar.Descendants(T + "CalendarPermission").ToList();
        Assert.Equal(["Default", "Anonymous"], entries.Select(e => e.Descendants(T + "DistinguishedUser").Single().Value));
        Assert.Equal(["FreeBusyTimeOnly", "None"], entries.Select(e => e.Element(T + "CalendarPermissionLevel")!.Value));
        Assert.Equal("TimeOnly", entries[0].Element(T + "ReadItems")!.Value);

        var inbox = (await server.CallAsync(owner, GetFolder("<t:DistinguishedFolderId Id=\"inbox\"/>", shape: "AllProperties", additional: ""))).Ok();
        Assert.Equal(["None", "None"], inbox.Descendants(T + "Permission").Select(e => e.Element(T + "PermissionLevel")!.Value));
    }

    [Fact]
    public async Task Nothing_granted_reveals_nothing_the_folder_and_items_answer_as_missing_ones()
    {
        var owner = await NewUserAsync("private");
        var other = await NewUserAsync("outsider");
        var (itemId, _) = await AppointmentAsync(owner, "Secret plans");
        var calendarId = await CalendarIdAsync(owner);

        // The calendar's default FreeBusyTimeOnly gives free/busy only, never the folder.
        Assert.Equal("ErrorAccessDenied", (await server.CallAsync(other, CalendarView(Distinguished("calendar", owner)))).Code());
        Assert.Equal("ErrorFolderNotFound", (await server.CallAsync(other, CalendarView($"<t:FolderId Id=\"{calendarId}\"/>"))).Code());
        Assert.Equal("ErrorFolderNotFound", (await server.CallAsync(other, GetFolder($"<t:FolderId Id=\"{calendarId}\"/>"))).Code());
        Assert.Equal("ErrorItemNotFound", (await server.CallAsync(other, Requests.GetItem(itemId))).Code());
        Assert.Equal("ErrorItemNotFound", (await server.CallAsync(other, $"<m:DeleteItem DeleteType=\"HardDelete\" SendMeetingCancellations=\"SendToNone\"><m:ItemIds><t:ItemId Id=\"{itemId}\"/></m:ItemIds></m:DeleteItem>")).Code());
        Assert.Equal("ErrorAccessDenied", (await server.CallAsync(other, Requests.CreateAppointment("Intruder", "2032-03-10T11:00:00Z", "2032-03-10T12:00:00Z", folder: Distinguished("calendar", owner)))).Code());
        Assert.Single(Subjects(await server.CallAsync(owner, CalendarView("<t:DistinguishedFolderId Id=\"calendar\"/>"))));
    }

    [Fact]
    public async Task A_shared_team_calendar_is_read_by_Reviewers_and_edited_by_Editors()
    {
        var team = await NewUserAsync("team");
        var reviewer = await NewUserAsync("reviewer");
        var editor = await NewUserAsync("editor");
        await GrantCalendarAsync(team, reviewer, "Reviewer");
        (await server.CallAsync(team, $"""
            <m:UpdateFolder><m:FolderChanges><t:FolderChange><t:DistinguishedFolderId Id="calendar"/><t:Updates>
              <t:AppendToFolderField><t:FieldURI FieldURI="folder:PermissionSet"/><t:CalendarFolder><t:PermissionSet><t:CalendarPermissions>{Permission(editor, "Editor")}</t:CalendarPermissions></t:PermissionSet></t:CalendarFolder></t:AppendToFolderField>
            </t:Updates></t:FolderChange></m:FolderChanges></m:UpdateFolder>
            """)).Ok();
        var (planningId, _) = await AppointmentAsync(team, "Sprint planning");

        // The Reviewer reads, by DistinguishedFolderId with the mailbox and by the item's id...
        Assert.Equal(["Sprint planning"], Subjects(await server.CallAsync(reviewer, CalendarView(Distinguished("calendar", team)))));
        var read = await server.GetItemAsync(reviewer, planningId);
        Assert.Equal("Sprint planning", read.Element(T + "Subject")!.Value);
        var changeKey = (string)read.Element(T + "ItemId")!.Attribute("ChangeKey")!;

        // ...and may neither change, delete nor add.
        Assert.Equal("ErrorAccessDenied", (await server.CallAsync(reviewer, Requests.SetField(planningId, changeKey, "item:Subject", "<t:Subject>Hijacked</t:Subject>"))).Code());
        Assert.Equal("ErrorAccessDenied", (await server.CallAsync(reviewer, $"<m:DeleteItem DeleteType=\"MoveToDeletedItems\" SendMeetingCancellations=\"SendToNone\"><m:ItemIds><t:ItemId Id=\"{planningId}\"/></m:ItemIds></m:DeleteItem>")).Code());
        Assert.Equal("ErrorAccessDenied", (await server.CallAsync(reviewer, Requests.CreateAppointment("Reviewer's", "2032-03-11T09:00:00Z", "2032-03-11T10:00:00Z", folder: Distinguished("calendar", team)))).Code());

        // The Editor adds, changes and deletes; the team calendar holds what they did.
        var created = (await server.CallAsync(editor, Requests.CreateAppointment("Retro", "2032-03-12T09:00:00Z", "2032-03-12T10:00:00Z", folder: Distinguished("calendar", team)))).Ok().ItemId();
        Assert.Equal("NoError", (await server.CallAsync(editor, Requests.SetField(planningId, changeKey, "item:Subject", "<t:Subject>Sprint planning (moved)</t:Subject>"))).Code());
        Assert.Equal(["Sprint planning (moved)", "Retro"], Subjects(await server.CallAsync(team, CalendarView("<t:DistinguishedFolderId Id=\"calendar\"/>"))));
        Assert.Equal("NoError", (await server.CallAsync(editor, $"<m:DeleteItem DeleteType=\"MoveToDeletedItems\" SendMeetingCancellations=\"SendToNone\"><m:ItemIds><t:ItemId Id=\"{created.Id}\"/></m:ItemIds></m:DeleteItem>")).Code());
        Assert.Equal(["Sprint planning (moved)"], Subjects(await server.CallAsync(reviewer, CalendarView(Distinguished("calendar", team)))));

        // What was deleted went to the team's own Deleted Items, not the Editor's.
        var deleted = await server.CallAsync(team, Requests.FindItem(folder: "deleteditems"));
        Assert.Contains("Retro", deleted.Ok().Descendants(T + "Subject").Select(s => s.Value));
    }

    [Fact]
    public async Task An_Author_edits_and_deletes_only_the_items_they_created()
    {
        var owner = await NewUserAsync("owner");
        var author = await NewUserAsync("author");
        await GrantCalendarAsync(owner, author, "Author");
        var (ownersId, ownersKey) = await AppointmentAsync(owner, "Owner's");
        var authored = (await server.CallAsync(author, Requests.CreateAppointment("Author's", "2032-03-13T09:00:00Z", "2032-03-13T10:00:00Z", folder: Distinguished("calendar", owner)))).Ok().ItemId();

        Assert.Equal("NoError", (await server.CallAsync(author, Requests.SetField(authored.Id, authored.ChangeKey, "item:Subject", "<t:Subject>Author's, edited</t:Subject>"))).Code());
        Assert.Equal("ErrorAccessDenied", (await server.CallAsync(author, Requests.SetField(ownersId, ownersKey, "item:Subject", "<t:Subject>Not mine</t:Subject>"))).Code());
        Assert.Equal("ErrorAccessDenied", (await server.CallAsync(author, $"<m:DeleteItem DeleteType=\"HardDelete\" SendMeetingCancellations=\"SendToNone\"><m:ItemIds><t:ItemId Id=\"{ownersId}\"/></m:ItemIds></m:DeleteItem>")).Code());
        Assert.Equal("NoError", (await server.CallAsync(author, $"<m:DeleteItem DeleteType=\"HardDelete\" SendMeetingCancellations=\"SendToNone\"><m:ItemIds><t:ItemId Id=\"{authored.Id}\"/></m:ItemIds></m:DeleteItem>")).Code());
        Assert.Equal(["Owner's"], Subjects(await server.CallAsync(owner, CalendarView("<t:DistinguishedFolderId Id=\"calendar\"/>"))));
    }

    [Fact]
    public async Task Private_items_in_anothers_folder_are_hidden_from_a_Reviewer()
    {
        var owner = await NewUserAsync("owner");
        var reviewer = await NewUserAsync("reviewer");
        await GrantCalendarAsync(owner, reviewer, "Reviewer");
        await AppointmentAsync(owner, "Team lunch");
        var (doctorId, _) = await AppointmentAsync(owner, "Doctor", sensitivity: "Private", day: "11");

        Assert.Equal(["Team lunch"], Subjects(await server.CallAsync(reviewer, CalendarView(Distinguished("calendar", owner)))));
        Assert.Equal("ErrorItemNotFound", (await server.CallAsync(reviewer, Requests.GetItem(doctorId))).Code());
        Assert.Equal(["Team lunch", "Doctor"], Subjects(await server.CallAsync(owner, CalendarView("<t:DistinguishedFolderId Id=\"calendar\"/>"))));
    }

    [Fact]
    public async Task The_Default_entry_grants_every_user_without_an_entry_of_their_own()
    {
        var owner = await NewUserAsync("open");
        var anyone = await NewUserAsync("anyone");
        var excluded = await NewUserAsync("excluded");
        await AppointmentAsync(owner, "Open house");
        (await server.CallAsync(owner, SetPermissions("<t:DistinguishedFolderId Id=\"calendar\"/>", DefaultPermission("Reviewer") + Permission(excluded, "None")))).Ok();

        Assert.Equal(["Open house"], Subjects(await server.CallAsync(anyone, CalendarView(Distinguished("calendar", owner)))));
        // A user's own entry wins over Default's: None, so the folder is as if nothing were granted.
        Assert.Equal("ErrorAccessDenied", (await server.CallAsync(excluded, CalendarView(Distinguished("calendar", owner)))).Code());
        Assert.Equal("ErrorFolderNotFound", (await server.CallAsync(excluded, CalendarView($"<t:FolderId Id=\"{await CalendarIdAsync(owner)}\"/>"))).Code());
    }

    [Fact]
    public async Task GetFolder_and_FindFolder_need_IsFolderVisible_and_show_the_callers_rights()
    {
        var owner = await NewUserAsync("owner");
        var viewer = await NewUserAsync("viewer");
        var outsider = await NewUserAsync("outsider");
        (await server.CallAsync(owner, SetPermissions("<t:DistinguishedFolderId Id=\"inbox\"/>", Permission(viewer, "Reviewer", calendar: false), calendar: false))).Ok();
        var created = (await server.CallAsync(owner, """
            <m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderId>
              <m:Folders><t:Folder><t:DisplayName>Hidden projects</t:DisplayName></t:Folder></m:Folders></m:CreateFolder>
            """)).Ok();
        Assert.NotNull(created);

        var seen = (await server.CallAsync(viewer, GetFolder(Distinguished("inbox", owner), additional: "<t:FieldURI FieldURI=\"folder:EffectiveRights\"/><t:FieldURI FieldURI=\"folder:PermissionSet\"/>"))).Ok();
        var rights = seen.Descendants(T + "EffectiveRights").Single();
        Assert.Equal("true", rights.Element(T + "Read")!.Value);
        Assert.Equal("false", rights.Element(T + "CreateContents")!.Value);
        // Who else holds rights is for the folder's owners to see.
        Assert.Empty(seen.Descendants(T + "PermissionSet"));
        Assert.Equal("ErrorAccessDenied", (await server.CallAsync(outsider, GetFolder(Distinguished("inbox", owner)))).Code());

        // The subfolder grants the viewer nothing: FindFolder under the shared Inbox does not show it.
        var found = await server.CallAsync(viewer, $"<m:FindFolder Traversal=\"Shallow\"><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:ParentFolderIds>{Distinguished("inbox", owner)}</m:ParentFolderIds></m:FindFolder>");
        Assert.Empty(found.Ok().Descendants(T + "Folder"));
        var mine = await server.CallAsync(owner, "<m:FindFolder Traversal=\"Shallow\"><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:ParentFolderIds><t:DistinguishedFolderId Id=\"inbox\"/></m:ParentFolderIds></m:FindFolder>");
        Assert.Single(mine.Ok().Descendants(T + "Folder"));
    }

    [Fact]
    public async Task CreateFolder_in_anothers_mailbox_needs_CanCreateSubFolders_and_a_new_folder_takes_its_PermissionSet()
    {
        var owner = await NewUserAsync("owner");
        var publisher = await NewUserAsync("publisher");
        var reviewer = await NewUserAsync("reviewer");
        (await server.CallAsync(owner, SetPermissions("<t:DistinguishedFolderId Id=\"inbox\"/>", Permission(publisher, "PublishingEditor", calendar: false) + Permission(reviewer, "Reviewer", calendar: false), calendar: false))).Ok();
        string Create(string name) =>
            $"<m:CreateFolder><m:ParentFolderId>{Distinguished("inbox", owner)}</m:ParentFolderId><m:Folders><t:Folder><t:DisplayName>{name}</t:DisplayName><t:PermissionSet><t:Permissions>{Permission(reviewer, "Editor", calendar: false)}</t:Permissions></t:PermissionSet></t:Folder></m:Folders></m:CreateFolder>";

        Assert.Equal("ErrorAccessDenied", (await server.CallAsync(reviewer, Create("By the reviewer"))).Code());
        var folderId = (string)(await server.CallAsync(publisher, Create("Published"))).Ok().Descendants(T + "FolderId").Single().Attribute("Id")!;

        // The folder is the owner's, with the set it was created with.
        var owned = (await server.CallAsync(owner, GetFolder($"<t:FolderId Id=\"{folderId}\"/>"))).Ok();
        var levels = owned.Descendants(T + "Permission").ToDictionary(p => p.Descendants(T + "PrimarySmtpAddress").FirstOrDefault()?.Value ?? p.Descendants(T + "DistinguishedUser").Single().Value, p => p.Element(T + "PermissionLevel")!.Value);
        Assert.Equal("Editor", levels[reviewer]);
        Assert.Equal("None", levels["Default"]);
    }

    [Fact]
    public async Task Only_the_owner_or_an_IsFolderOwner_changes_a_permission_set()
    {
        var owner = await NewUserAsync("owner");
        var coOwner = await NewUserAsync("coowner");
        var reviewer = await NewUserAsync("reviewer");
        await GrantCalendarAsync(owner, reviewer, "Reviewer");
        Assert.Equal("ErrorAccessDenied", (await server.CallAsync(reviewer, SetPermissions(Distinguished("calendar", owner), Permission(reviewer, "Owner")))).Code());

        (await server.CallAsync(owner, SetPermissions("<t:DistinguishedFolderId Id=\"calendar\"/>", Permission(coOwner, "Owner") + Permission(reviewer, "Reviewer")))).Ok();
        (await server.CallAsync(coOwner, SetPermissions(Distinguished("calendar", owner), Permission(coOwner, "Owner") + Permission(reviewer, "Editor")))).Ok();
        var set = (await server.CallAsync(owner, GetFolder("<t:DistinguishedFolderId Id=\"calendar\"/>"))).Ok();
        Assert.Equal("Editor", set.Descendants(T + "CalendarPermission").Single(p => p.Descendants(T + "PrimarySmtpAddress").FirstOrDefault()?.Value == reviewer).Element(T + "CalendarPermissionLevel")!.Value);
    }

    [Fact]
    public async Task A_permission_set_that_cannot_be_is_refused_with_Exchanges_code_and_nothing_changes()
    {
        var owner = await NewUserAsync("owner");
        var inbox = "<t:DistinguishedFolderId Id=\"inbox\"/>";
        Assert.Equal("ErrorInvalidUserInfo", (await server.CallAsync(owner, SetPermissions(inbox, Permission("nobody-here@example.com", "Reviewer", calendar: false), calendar: false))).Code());
        // A level with rights that are not that level's.
        var mixed = $"<t:Permission><t:UserId><t:PrimarySmtpAddress>{ServerFixture.Bob}</t:PrimarySmtpAddress></t:UserId><t:CanCreateItems>true</t:CanCreateItems><t:PermissionLevel>Reviewer</t:PermissionLevel></t:Permission>";
        Assert.Equal("ErrorInvalidPermissionSettings", (await server.CallAsync(owner, SetPermissions(inbox, mixed, calendar: false))).Code());
        // A calendar's level on a folder that is no calendar.
        Assert.Equal("ErrorInvalidPermissionSettings", (await server.CallAsync(owner, SetPermissions(inbox, Permission(ServerFixture.Bob, "FreeBusyTimeOnly")))).Code());

        var unchanged = (await server.CallAsync(owner, GetFolder(inbox))).Ok();
        Assert.Equal(["None", "None"], unchanged.Descendants(T + "Permission").Select(e => e.Element(T + "PermissionLevel")!.Value));
    }

    [Fact]
    public async Task A_grantee_named_twice_is_ErrorDuplicateUserIdsSpecified()
    {
        var owner = await NewUserAsync("owner");
        var twice = await NewUserAsync("twice");
        var response = await server.CallAsync(owner, SetPermissions("<t:DistinguishedFolderId Id=\"calendar\"/>", Permission(twice, "Reviewer") + Permission(twice, "Editor")));
        Assert.Equal("ErrorDuplicateUserIdsSpecified", response.Code());
    }

    [Fact]
    public async Task CopyItem_and_MoveItem_read_at_the_source_create_at_the_target_and_a_move_deletes_at_the_source()
    {
        var owner = await NewUserAsync("owner");
        var reviewer = await NewUserAsync("reviewer");
        await GrantCalendarAsync(owner, reviewer, "Reviewer");
        var (itemId, _) = await AppointmentAsync(owner, "Offsite");
        string MoveOrCopy(string op, string target) =>
            $"<m:{op}><m:ToFolderId>{target}</m:ToFolderId><m:ItemIds><t:ItemId Id=\"{itemId}\"/></m:ItemIds></m:{op}>";

        // Read there, create in one's own calendar: a copy works; a move also deletes there, which a Reviewer may not.
        Assert.Equal("NoError", (await server.CallAsync(reviewer, MoveOrCopy("CopyItem", "<t:DistinguishedFolderId Id=\"calendar\"/>"))).Code());
        Assert.Equal(["Offsite"], Subjects(await server.CallAsync(reviewer, CalendarView("<t:DistinguishedFolderId Id=\"calendar\"/>"))));
        Assert.Equal("ErrorAccessDenied", (await server.CallAsync(reviewer, MoveOrCopy("MoveItem", "<t:DistinguishedFolderId Id=\"calendar\"/>"))).Code());
        // Nor may they create in the owner's calendar.
        var (ownId, _) = await server.CreateAppointmentAsync(reviewer, "Mine", "2032-03-14T09:00:00Z", "2032-03-14T10:00:00Z");
        Assert.Equal("ErrorAccessDenied", (await server.CallAsync(reviewer, $"<m:CopyItem><m:ToFolderId>{Distinguished("calendar", owner)}</m:ToFolderId><m:ItemIds><t:ItemId Id=\"{ownId}\"/></m:ItemIds></m:CopyItem>")).Code());
        Assert.Equal(["Offsite"], Subjects(await server.CallAsync(owner, CalendarView("<t:DistinguishedFolderId Id=\"calendar\"/>"))));
    }

    [Fact]
    public async Task SyncFolderItems_of_a_shared_calendar_gives_what_a_Reviewer_may_read_and_nothing_when_nothing_was_granted()
    {
        var owner = await NewUserAsync("owner");
        var reviewer = await NewUserAsync("reviewer");
        var outsider = await NewUserAsync("outsider");
        await GrantCalendarAsync(owner, reviewer, "Reviewer");
        await AppointmentAsync(owner, "Board meeting");
        await AppointmentAsync(owner, "Therapy", sensitivity: "Private", day: "12");
        var calendarId = await CalendarIdAsync(owner);
        string Sync() =>
            $"<m:SyncFolderItems><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape><m:SyncFolderId><t:FolderId Id=\"{calendarId}\"/></m:SyncFolderId><m:MaxChangesReturned>100</m:MaxChangesReturned></m:SyncFolderItems>";

        var synced = await server.CallAsync(reviewer, Sync());
        Assert.Equal(["Board meeting"], synced.Ok().Descendants(T + "Create").Select(c => c.Descendants(T + "Subject").Single().Value));
        Assert.Equal("ErrorSyncFolderNotFound", (await server.CallAsync(outsider, Sync())).Code());
    }

    private static string Availability(string mailbox) =>
        AvailabilityTests.Request([(mailbox, "Required")], "2032-03-10T00:00:00", "2032-03-12T00:00:00", view: "Detailed");

    private static List<XElement> Events(EwsResponse response) =>
        [.. response.Document.Descendants(T + "CalendarEvent")];

    [Fact]
    public async Task A_FreeBusyTimeOnly_colleague_sees_only_busy_times_in_GetUserAvailability()
    {
        var owner = await NewUserAsync("owner");
        var colleague = await NewUserAsync("colleague");
        await AppointmentAsync(owner, "Interview");

        // The default, FreeBusyTimeOnly: the time, no details, the view downgraded to FreeBusy.
        var response = await server.CallAsync(colleague, Availability(owner));
        Assert.Equal("FreeBusy", response.Document.Descendants(T + "FreeBusyViewType").Single().Value);
        Assert.Equal("Busy", Assert.Single(Events(response)).Element(T + "BusyType")!.Value);
        Assert.Empty(response.Document.Descendants(T + "CalendarEventDetails"));
    }

    [Fact]
    public async Task FreeBusyTimeAndSubjectAndLocation_gives_the_subject_and_location_and_nothing_that_leads_to_the_item()
    {
        var owner = await NewUserAsync("owner");
        var colleague = await NewUserAsync("colleague");
        await GrantCalendarAsync(owner, colleague, "FreeBusyTimeAndSubjectAndLocation");
        await server.CreateAppointmentAsync(owner, "Interview", "2032-03-10T09:00:00Z", "2032-03-10T10:00:00Z", "<t:Sensitivity>Normal</t:Sensitivity>");
        await AppointmentAsync(owner, "Dentist", sensitivity: "Private", day: "11");

        var events = Events(await server.CallAsync(colleague, Availability(owner)));
        Assert.Equal(2, events.Count);
        var details = events[0].Element(T + "CalendarEventDetails")!;
        Assert.Equal("Interview", details.Element(T + "Subject")!.Value);
        Assert.Null(details.Element(T + "ID"));
        // A private event never shows its subject to anyone but its owner.
        Assert.DoesNotContain("Dentist", events[1].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Reviewer_gets_full_details_in_GetUserAvailability_except_of_private_events()
    {
        var owner = await NewUserAsync("owner");
        var reviewer = await NewUserAsync("reviewer");
        await GrantCalendarAsync(owner, reviewer, "Reviewer");
        var (interviewId, _) = await AppointmentAsync(owner, "Interview");
        await AppointmentAsync(owner, "Dentist", sensitivity: "Private", day: "11");

        var events = Events(await server.CallAsync(reviewer, Availability(owner)));
        var details = events[0].Element(T + "CalendarEventDetails")!;
        Assert.Equal("Interview", details.Element(T + "Subject")!.Value);
        Assert.Equal(interviewId, details.Element(T + "ID")!.Value);
        Assert.DoesNotContain("Dentist", events[1].ToString(), StringComparison.Ordinal);
        Assert.Contains("Dentist", (await server.CallAsync(owner, Availability(owner))).Document.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_calendar_whose_Default_is_None_gives_others_no_free_busy()
    {
        var owner = await NewUserAsync("closed");
        var colleague = await NewUserAsync("colleague");
        (await server.CallAsync(owner, SetPermissions("<t:DistinguishedFolderId Id=\"calendar\"/>", DefaultPermission("None")))).Ok();
        var response = await server.CallAsync(colleague, Availability(owner));
        Assert.Equal("ErrorNoFreeBusyAccess", response.Document.Descendants(M + "ResponseCode").First().Value);
    }

    [Fact]
    public async Task Custom_rights_are_taken_one_by_one_and_answered_as_the_level_they_match_else_Custom()
    {
        var owner = await NewUserAsync("owner");
        var archivist = await NewUserAsync("archivist");
        var dropper = await NewUserAsync("dropper");
        // Read and delete everything, never edit nor add: no level has these rights.
        var custom = $"<t:CalendarPermission><t:UserId><t:PrimarySmtpAddress>{archivist}</t:PrimarySmtpAddress></t:UserId><t:CanCreateItems>false</t:CanCreateItems><t:IsFolderVisible>true</t:IsFolderVisible><t:EditItems>None</t:EditItems><t:DeleteItems>All</t:DeleteItems><t:ReadItems>FullDetails</t:ReadItems><t:CalendarPermissionLevel>Custom</t:CalendarPermissionLevel></t:CalendarPermission>";
        // A drop box's rights, given one by one: Contributor's.
        var dropBox = $"<t:CalendarPermission><t:UserId><t:PrimarySmtpAddress>{dropper}</t:PrimarySmtpAddress></t:UserId><t:CanCreateItems>true</t:CanCreateItems><t:IsFolderVisible>true</t:IsFolderVisible><t:CalendarPermissionLevel>Custom</t:CalendarPermissionLevel></t:CalendarPermission>";
        (await server.CallAsync(owner, SetPermissions("<t:DistinguishedFolderId Id=\"calendar\"/>", custom + dropBox))).Ok();
        var set = (await server.CallAsync(owner, GetFolder("<t:DistinguishedFolderId Id=\"calendar\"/>"))).Ok().Descendants(T + "CalendarPermission")
            .Where(p => p.Descendants(T + "PrimarySmtpAddress").Any())
            .ToDictionary(p => p.Descendants(T + "PrimarySmtpAddress").Single().Value, p => p.Element(T + "CalendarPermissionLevel")!.Value);
        Assert.Equal("Custom", set[archivist]);
        Assert.Equal("Contributor", set[dropper]);

        var (itemId, changeKey) = await AppointmentAsync(owner, "Old minutes");
        Assert.Equal("ErrorAccessDenied", (await server.CallAsync(archivist, Requests.SetField(itemId, changeKey, "item:Subject", "<t:Subject>Edited</t:Subject>"))).Code());
        Assert.Equal(["Old minutes"], Subjects(await server.CallAsync(archivist, CalendarView(Distinguished("calendar", owner)))));
        Assert.Equal("NoError", (await server.CallAsync(archivist, $"<m:DeleteItem DeleteType=\"HardDelete\" SendMeetingCancellations=\"SendToNone\"><m:ItemIds><t:ItemId Id=\"{itemId}\"/></m:ItemIds></m:DeleteItem>")).Code());

        // The drop box: adding works, reading does not.
        Assert.Equal("NoError", (await server.CallAsync(dropper, Requests.CreateAppointment("Dropped", "2032-03-15T09:00:00Z", "2032-03-15T10:00:00Z", folder: Distinguished("calendar", owner)))).Code());
        Assert.Equal("ErrorAccessDenied", (await server.CallAsync(dropper, CalendarView(Distinguished("calendar", owner)))).Code());
        Assert.Equal(["Dropped"], Subjects(await server.CallAsync(owner, CalendarView("<t:DistinguishedFolderId Id=\"calendar\"/>"))));
    }

    [Fact]
    public async Task A_NoneditingAuthor_adds_contacts_to_anothers_folder_and_deletes_but_never_edits_them()
    {
        var owner = await NewUserAsync("owner");
        var author = await NewUserAsync("author");
        (await server.CallAsync(owner, SetPermissions("<t:DistinguishedFolderId Id=\"contacts\"/>", Permission(author, "NoneditingAuthor", calendar: false), calendar: false))).Ok();
        var created = (await server.CallAsync(author, $"""
            <m:CreateItem><m:SavedItemFolderId>{Distinguished("contacts", owner)}</m:SavedItemFolderId>
              <m:Items><t:Contact><t:GivenName>Ada</t:GivenName><t:Surname>Lovelace</t:Surname></t:Contact></m:Items></m:CreateItem>
            """)).Ok().ItemId();
        Assert.Equal("ErrorAccessDenied", (await server.CallAsync(author, Requests.SetField(created.Id, created.ChangeKey, "contacts:GivenName", "<t:GivenName>Augusta</t:GivenName>", element: "Contact"))).Code());
        var listed = await server.CallAsync(owner, Requests.FindItem(folder: "contacts"));
        Assert.Single(listed.Ok().Descendants(T + "Contact"));
        Assert.Equal("NoError", (await server.CallAsync(author, $"<m:DeleteItem DeleteType=\"HardDelete\"><m:ItemIds><t:ItemId Id=\"{created.Id}\"/></m:ItemIds></m:DeleteItem>")).Code());
        Assert.Empty((await server.CallAsync(owner, Requests.FindItem(folder: "contacts"))).Ok().Descendants(T + "Contact"));
    }

    [Fact]
    public async Task The_attachments_of_a_shared_item_are_read_by_who_may_read_it_and_by_no_one_else()
    {
        var owner = await NewUserAsync("owner");
        var reviewer = await NewUserAsync("reviewer");
        var outsider = await NewUserAsync("outsider");
        await GrantCalendarAsync(owner, reviewer, "Reviewer");
        var (itemId, _) = await AppointmentAsync(owner, "With agenda");
        var attached = await server.CallAsync(owner, $"""
            <m:CreateAttachment><m:ParentItemId Id="{itemId}"/><m:Attachments>
              <t:FileAttachment><t:Name>agenda.txt</t:Name><t:Content>{Convert.ToBase64String("1. budget"u8.ToArray())}</t:Content></t:FileAttachment>
            </m:Attachments></m:CreateAttachment>
            """);
        var attachmentId = (string)attached.Ok().Descendants(T + "AttachmentId").Single().Attribute("Id")!;
        var get = $"<m:GetAttachment><m:AttachmentIds><t:AttachmentId Id=\"{attachmentId}\"/></m:AttachmentIds></m:GetAttachment>";

        var read = await server.CallAsync(reviewer, get);
        Assert.Equal("1. budget", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(read.Ok().Descendants(T + "Content").Single().Value)));
        Assert.Equal("ErrorItemNotFound", (await server.CallAsync(outsider, get)).Code());
    }

    [Fact]
    public async Task FindFolder_gives_the_PermissionSet_when_its_shape_asks_so_a_save_of_what_it_found_keeps_it()
    {
        var owner = await NewUserAsync("owner");
        var reviewer = await NewUserAsync("reviewer");
        var created = await server.CallAsync(owner, $"""
            <m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderId>
              <m:Folders><t:Folder><t:DisplayName>Shared projects</t:DisplayName><t:PermissionSet><t:Permissions>{Permission(reviewer, "Reviewer", calendar: false)}</t:Permissions></t:PermissionSet></t:Folder><t:Folder><t:DisplayName>Plain</t:DisplayName></t:Folder></m:Folders></m:CreateFolder>
            """);
        Assert.All(created.Messages, m => Assert.Equal("NoError", m.Element(M + "ResponseCode")!.Value));

        var found = await server.CallAsync(owner, """
            <m:FindFolder Traversal="Shallow"><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="folder:DisplayName"/><t:FieldURI FieldURI="folder:PermissionSet"/></t:AdditionalProperties></m:FolderShape>
              <m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindFolder>
            """);
        var folders = found.Ok().Descendants(T + "Folder").ToDictionary(f => f.Element(T + "DisplayName")!.Value);
        Assert.Equal("Reviewer", folders["Shared projects"].Descendants(T + "Permission").Single(p => p.Descendants(T + "PrimarySmtpAddress").Any()).Element(T + "PermissionLevel")!.Value);
        Assert.Equal(2, folders["Plain"].Descendants(T + "Permission").Count());
        // Without it in the shape, no set is read or written.
        var plain = await server.CallAsync(owner, "<m:FindFolder Traversal=\"Shallow\"><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:ParentFolderIds><t:DistinguishedFolderId Id=\"inbox\"/></m:ParentFolderIds></m:FindFolder>");
        Assert.Empty(plain.Ok().Descendants(T + "PermissionSet"));
    }

    [Fact]
    public async Task Exchangelibs_save_of_a_folder_whose_permissions_it_read_renames_it_and_keeps_the_set()
    {
        var owner = await NewUserAsync("owner");
        var reviewer = await NewUserAsync("reviewer");
        var folderId = (string)(await server.CallAsync(owner, """
            <m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderId>
              <m:Folders><t:Folder><t:DisplayName>Saved by exchangelib</t:DisplayName></t:Folder></m:Folders></m:CreateFolder>
            """)).Ok().Descendants(T + "FolderId").Single().Attribute("Id")!;
        (await server.CallAsync(owner, SetPermissions($"<t:FolderId Id=\"{folderId}\"/>", Permission(reviewer, "PublishingEditor", calendar: false), calendar: false))).Ok();

        // exchangelib 4.9.0's folder.save(), as it writes the set it read back: nested, misnamed, UserId last.
        var saved = await server.CallAsync(owner, $"""
            <m:UpdateFolder><m:FolderChanges><t:FolderChange><t:FolderId Id="{folderId}"/><t:Updates>
              <t:SetFolderField><t:FieldURI FieldURI="folder:DisplayName"/><t:Folder><t:DisplayName>Renamed by exchangelib</t:DisplayName></t:Folder></t:SetFolderField>
              <t:SetFolderField><t:FieldURI FieldURI="folder:PermissionSet"/><t:Folder><t:PermissionSet><t:PermissionSet><t:Permissions>
                <t:Permission><t:CanCreateItems>1</t:CanCreateItems><t:CanCreateSubfolders>0</t:CanCreateSubfolders><t:IsFolderOwner>0</t:IsFolderOwner><t:IsFolderVisible>1</t:IsFolderVisible><t:IsFolderContact>0</t:IsFolderContact><t:EditItems>All</t:EditItems><t:DeleteItems>All</t:DeleteItems><t:ReadItems>FullDetails</t:ReadItems><t:UserId><t:PrimarySmtpAddress>{reviewer}</t:PrimarySmtpAddress></t:UserId><t:CalendarPermissionLevel>None</t:CalendarPermissionLevel></t:Permission>
              </t:Permissions></t:PermissionSet></t:PermissionSet></t:Folder></t:SetFolderField>
            </t:Updates></t:FolderChange></m:FolderChanges></m:UpdateFolder>
            """);
        saved.Ok();

        var folder = (await server.CallAsync(owner, GetFolder($"<t:FolderId Id=\"{folderId}\"/>", additional: "<t:FieldURI FieldURI=\"folder:DisplayName\"/><t:FieldURI FieldURI=\"folder:PermissionSet\"/>"))).Ok();
        Assert.Equal("Renamed by exchangelib", folder.Descendants(T + "Folder").Single().Element(T + "DisplayName")!.Value);
        var entry = folder.Descendants(T + "Permission").Single(p => p.Descendants(T + "PrimarySmtpAddress").FirstOrDefault()?.Value == reviewer);
        // The set stays as it was: CanCreateSubFolders, which exchangelib cannot read, is not lost.
        Assert.Equal("PublishingEditor", entry.Element(T + "PermissionLevel")!.Value);
    }

    [Fact]
    public async Task Every_action_in_another_mailbox_through_a_permission_is_one_structured_log_line()
    {
        var data = Path.Combine(Path.GetTempPath(), "rdv-perm-log-" + Guid.NewGuid().ToString("N"));
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var logged = await Server.RendezvousServer.StartAsync(new Server.ServerOptions { Urls = "http://127.0.0.1:0", DataDirectory = data },
            b => b.AddProvider(new LineLoggerProvider(lines)).SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Information));
        try
        {
            foreach (var user in new[] { "owner@example.com", "reader@example.com" })
            {
                await logged.Store.AddUserAsync(user, user, PasswordHasher.Hash(ServerFixture.Password, 1000), CancellationToken.None);
            }

            Task<EwsResponse> Call(string user, string body) => EwsHttp.PostAsync(server.Http, logged.EwsUrl, user, Soap.Envelope(body));
            (await Call("owner@example.com", SetPermissions("<t:DistinguishedFolderId Id=\"calendar\"/>", Permission("reader@example.com", "Reviewer")))).Ok();
            (await Call("owner@example.com", Requests.CreateAppointment("Logged", "2032-03-10T09:00:00Z", "2032-03-10T10:00:00Z"))).Ok();
            Assert.DoesNotContain(lines, l => l.Contains("through a permission", StringComparison.Ordinal));

            (await Call("reader@example.com", CalendarView(Distinguished("calendar", "owner@example.com")))).Ok();
            var line = Assert.Single(lines, l => l.Contains("through a permission", StringComparison.Ordinal));
            Assert.Contains("FindItem: reader@example.com in the mailbox of owner@example.com, folder calendar", line, StringComparison.Ordinal);
            Assert.Contains("ReadItems", line, StringComparison.Ordinal);
            // In a category of its own, which the server's console keeps at any minimum level.
            Assert.StartsWith("Information Rendezvous.Server.AccessLog: ", line, StringComparison.Ordinal);

            // A refusal acts on nothing: no line.
            Assert.Equal("ErrorAccessDenied", (await Call("reader@example.com", Requests.CreateAppointment("No", "2032-03-10T11:00:00Z", "2032-03-10T12:00:00Z", folder: Distinguished("calendar", "owner@example.com")))).Code());
            Assert.Single(lines, l => l.Contains("through a permission", StringComparison.Ordinal));
        }
        finally
        {
            await logged.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }
}

/// <summary>The same on the PostgreSQL store (its permission and delegate tables).</summary>
[Collection(PostgresServerCollection.Name)]
public sealed class PostgresPermissionTests(PostgresServerFixture server) : PermissionTests(server);
