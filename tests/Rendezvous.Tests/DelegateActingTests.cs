using System.Xml.Linq;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// An assistant acting for a manager as its delegate (issue 18 §2, §3, §5) over HTTP, schema-validated, on a server whose
/// access log is kept: answering the manager's meetings (from the assistant's copy of the request or the manager's own
/// item), the propose-new-time loop of docs/seed with the assistant proposing for the manager, organizing in the
/// manager's calendar; each sent From the manager with the assistant as Sender and logged; and refused without the rights.
/// </summary>
public abstract class DelegateActingCases(GrantsFixture server)
{
    private static readonly XNamespace T = EwsResponse.T;
    private static readonly XNamespace M = EwsResponse.M;

    private async Task<string> NewUserAsync(string name)
    {
        var address = $"{name.ToLowerInvariant()}.{Guid.NewGuid():N}"[..24] + "@example.com";
        await server.AddUserAsync(address, name);
        return address;
    }

    private static string Mailbox(string folder, string mailbox) =>
        $"<t:DistinguishedFolderId Id=\"{folder}\"><t:Mailbox><t:EmailAddress>{mailbox}</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>";

    private static string Respond(string kind, string referenceId, string extra = "") =>
        $"""
        <m:CreateItem MessageDisposition="SendAndSaveCopy">
          <m:Items><t:{kind}><t:Body BodyType="Text">For the manager</t:Body><t:ReferenceItemId Id="{referenceId}"/>{extra}</t:{kind}></m:Items>
        </m:CreateItem>
        """;

    /// <summary>The manager with the assistant as delegate: Editor on the Calendar, receiving copies, requests to delegates only.</summary>
    private async Task<(string Manager, string Assistant, string Organizer)> TeamAsync(string calendarLevel = "Editor")
    {
        var manager = await NewUserAsync("Manager");
        var assistant = await NewUserAsync("Assistant");
        var organizer = await NewUserAsync("Organizer");
        var added = (await server.CallAsync(manager, DelegateTests.Add(manager, DelegateTests.DelegateUser(assistant, $"<t:CalendarFolderPermissionLevel>{calendarLevel}</t:CalendarFolderPermissionLevel>", receiveCopies: true), "DelegatesOnly")))
            .Document.Descendants(M + "DelegateUserResponseMessageType").Single();
        Assert.Equal("NoError", added.Element(M + "ResponseCode")!.Value);
        return (manager, assistant, organizer);
    }

    private async Task<List<XElement>> FindAsync(string user, string folder, string subject, string element)
    {
        var found = (await server.CallAsync(user, Requests.FindItem(folder: folder))).Ok();
        var items = new List<XElement>();
        foreach (var id in found.Descendants(T + element).Where(e => e.Element(T + "Subject")?.Value.Contains(subject, StringComparison.Ordinal) == true).Select(e => e.ItemId().Id))
        {
            items.Add((await server.CallAsync(user, Requests.GetItem(id))).Ok().Descendants(T + element).Single());
        }

        return items;
    }

    private static string AddressOf(XElement item, string element) => item.Element(T + element)!.Descendants(T + "EmailAddress").Single().Value;

    private static XElement Row(XElement meeting, string attendee) =>
        meeting.Descendants(T + "Attendee").Single(a => a.Descendants(T + "EmailAddress").Single().Value == attendee);

    [Fact]
    public async Task An_assistant_answers_for_the_manager_from_its_copy_and_the_organizer_sees_the_managers_answer()
    {
        var (manager, assistant, organizer) = await TeamAsync();
        var subject = "Budget " + Guid.NewGuid().ToString("N")[..6];
        (await server.CallAsync(organizer, Requests.CreateMeeting(subject, [manager], "2031-05-06T10:00:00Z", "2031-05-06T11:00:00Z"))).Ok();
        var copy = (await FindAsync(assistant, "inbox", subject, "MeetingRequest")).Single();

        (await server.CallAsync(assistant, Respond("AcceptItem", copy.ItemId().Id))).Ok();

        var response = (await FindAsync(organizer, "inbox", subject, "MeetingResponse")).Single();
        Assert.Equal(manager, AddressOf(response, "From"));
        Assert.Equal(assistant, AddressOf(response, "Sender"));
        Assert.Equal("Accept", Row((await FindAsync(organizer, "calendar", subject, "CalendarItem")).Single(), manager).Element(T + "ResponseType")!.Value);
        Assert.Equal("Accept", (await FindAsync(manager, "calendar", subject, "CalendarItem")).Single().Element(T + "MyResponseType")!.Value);
        // The assistant's copy is processed with the answer; its own calendar never held the meeting.
        Assert.Empty(await FindAsync(assistant, "inbox", subject, "MeetingRequest"));
        Assert.Empty(await FindAsync(assistant, "calendar", subject, "CalendarItem"));
        var line = Assert.Single(server.AccessLines, l => l.Values.GetValueOrDefault("Access") == "delegate" && l.Values.GetValueOrDefault("Actor") == assistant);
        Assert.Equal(manager, line.Values["Mailbox"]);
        Assert.Contains("AcceptItem", line.Values["Action"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_assistant_proposes_a_new_time_for_the_manager_and_accepts_the_moved_meeting()
    {
        var (manager, assistant, organizer) = await TeamAsync();
        var subject = "Planning " + Guid.NewGuid().ToString("N")[..6];
        (await server.CallAsync(organizer, Requests.CreateMeeting(subject, [manager], "2031-05-07T10:00:00Z", "2031-05-07T11:00:00Z"))).Ok();
        var copy = (await FindAsync(assistant, "inbox", subject, "MeetingRequest")).Single();

        // The seed's step 3, by the assistant for the manager: Tentative with a proposal.
        (await server.CallAsync(assistant, Respond("TentativelyAcceptItem", copy.ItemId().Id,
            "<t:ProposedStart>2031-05-07T14:00:00Z</t:ProposedStart><t:ProposedEnd>2031-05-07T15:00:00Z</t:ProposedEnd>"))).Ok();
        var proposal = (await FindAsync(organizer, "inbox", subject, "MeetingResponse")).Single();
        Assert.Equal((manager, assistant), (AddressOf(proposal, "From"), AddressOf(proposal, "Sender")));
        Assert.Equal("2031-05-07T14:00:00Z", proposal.Element(T + "ProposedStart")!.Value);
        var tracked = (await FindAsync(organizer, "calendar", subject, "CalendarItem")).Single();
        Assert.Equal("Tentative", Row(tracked, manager).Element(T + "ResponseType")!.Value);
        // (The row's own ProposedStart is Exchange2016's; these requests speak Exchange2013_SP1.)

        // The organizer moves the meeting to the proposed time; the update reaches the assistant for the manager.
        var (id, changeKey) = tracked.ItemId();
        var moved = $"""
            <m:UpdateItem ConflictResolution="AutoResolve" SendMeetingInvitationsOrCancellations="SendToAllAndSaveCopy">
              <m:ItemChanges><t:ItemChange><t:ItemId Id="{id}" ChangeKey="{changeKey}"/><t:Updates>
                <t:SetItemField><t:FieldURI FieldURI="calendar:Start"/><t:CalendarItem><t:Start>2031-05-07T14:00:00Z</t:Start></t:CalendarItem></t:SetItemField>
                <t:SetItemField><t:FieldURI FieldURI="calendar:End"/><t:CalendarItem><t:End>2031-05-07T15:00:00Z</t:End></t:CalendarItem></t:SetItemField>
              </t:Updates></t:ItemChange></m:ItemChanges>
            </m:UpdateItem>
            """;
        (await server.CallAsync(organizer, moved)).Ok();
        var update = (await FindAsync(assistant, "inbox", subject, "MeetingRequest")).Single();
        Assert.Equal(manager, AddressOf(update, "ReceivedRepresenting"));
        (await server.CallAsync(assistant, Respond("AcceptItem", update.ItemId().Id))).Ok();

        var after = (await FindAsync(organizer, "calendar", subject, "CalendarItem")).Single();
        Assert.Equal("Accept", Row(after, manager).Element(T + "ResponseType")!.Value);
        var managers = (await FindAsync(manager, "calendar", subject, "CalendarItem")).Single();
        Assert.Equal(("2031-05-07T14:00:00Z", "Accept"), (managers.Element(T + "Start")!.Value, managers.Element(T + "MyResponseType")!.Value));
    }

    [Fact]
    public async Task An_assistant_organizes_a_meeting_in_the_managers_calendar()
    {
        var (manager, assistant, colleague) = await TeamAsync();
        var subject = "Offsite " + Guid.NewGuid().ToString("N")[..6];
        var create = Requests.CreateMeeting(subject, [colleague], "2031-05-08T09:00:00Z", "2031-05-08T10:00:00Z").Replace("<t:DistinguishedFolderId Id=\"calendar\"/>", Mailbox("calendar", manager), StringComparison.Ordinal);
        (await server.CallAsync(assistant, create)).Ok();

        var meeting = (await FindAsync(manager, "calendar", subject, "CalendarItem")).Single();
        Assert.Equal(manager, AddressOf(meeting, "Organizer"));
        Assert.Empty(await FindAsync(assistant, "calendar", subject, "CalendarItem"));
        var request = (await FindAsync(colleague, "inbox", subject, "MeetingRequest")).Single();
        Assert.Equal((manager, assistant), (AddressOf(request, "From"), AddressOf(request, "Sender")));
        Assert.Equal(manager, AddressOf(request, "Organizer"));
        Assert.Contains(server.AccessLines, l => l.Values.GetValueOrDefault("Access") == "delegate" && l.Values.GetValueOrDefault("Actor") == assistant && l.Values.GetValueOrDefault("Operation") == "CreateItem");

        // The colleague's answer reaches the manager (requests to delegates only: responses are the organizer's).
        (await server.CallAsync(colleague, Respond("AcceptItem", request.ItemId().Id))).Ok();
        Assert.Equal("Accept", Row((await FindAsync(manager, "calendar", subject, "CalendarItem")).Single(), colleague).Element(T + "ResponseType")!.Value);
    }

    [Fact]
    public async Task A_Reviewer_delegate_cannot_answer_and_an_Editor_without_the_send_right_cannot_send_invitations()
    {
        var (manager, assistant, organizer) = await TeamAsync("Reviewer");
        var subject = "Review " + Guid.NewGuid().ToString("N")[..6];
        (await server.CallAsync(organizer, Requests.CreateMeeting(subject, [manager], "2031-05-09T10:00:00Z", "2031-05-09T11:00:00Z"))).Ok();
        var copy = (await FindAsync(assistant, "inbox", subject, "MeetingRequest")).Single();
        var refused = await server.CallAsync(assistant, Respond("AcceptItem", copy.ItemId().Id));
        Assert.Equal("ErrorAccessDenied", refused.Code());
        Assert.Equal("Unknown", Row((await FindAsync(organizer, "calendar", subject, "CalendarItem")).Single(), manager).Element(T + "ResponseType")!.Value);
        Assert.Empty(await FindAsync(organizer, "inbox", subject, "MeetingResponse"));

        // Editor on the calendar through a folder permission alone (no delegate, so no send-on-behalf): invitations refused.
        var colleague = await NewUserAsync("Colleague");
        var grant = $"""
            <m:UpdateFolder><m:FolderChanges><t:FolderChange><t:DistinguishedFolderId Id="calendar"/><t:Updates>
              <t:AppendToFolderField><t:FieldURI FieldURI="folder:PermissionSet"/><t:CalendarFolder><t:PermissionSet><t:CalendarPermissions>
                <t:CalendarPermission><t:UserId><t:PrimarySmtpAddress>{colleague}</t:PrimarySmtpAddress></t:UserId><t:CalendarPermissionLevel>Editor</t:CalendarPermissionLevel></t:CalendarPermission>
              </t:CalendarPermissions></t:PermissionSet></t:CalendarFolder></t:AppendToFolderField>
            </t:Updates></t:FolderChange></m:FolderChanges></m:UpdateFolder>
            """;
        (await server.CallAsync(manager, grant)).Ok();
        var create = Requests.CreateMeeting("Not mine to send", [organizer], "2031-05-09T12:00:00Z", "2031-05-09T13:00:00Z").Replace("<t:DistinguishedFolderId Id=\"calendar\"/>", Mailbox("calendar", manager), StringComparison.Ordinal);
        Assert.Equal("ErrorSendAsDenied", (await server.CallAsync(colleague, create)).Code());
        Assert.Empty(await FindAsync(manager, "calendar", "Not mine to send", "CalendarItem"));
    }

    [Fact]
    public async Task A_removed_delegate_no_longer_acts_for_the_principal()
    {
        var (manager, assistant, organizer) = await TeamAsync();
        var subject = "Old " + Guid.NewGuid().ToString("N")[..6];
        (await server.CallAsync(organizer, Requests.CreateMeeting(subject, [manager], "2031-05-10T10:00:00Z", "2031-05-10T11:00:00Z"))).Ok();
        var copy = (await FindAsync(assistant, "inbox", subject, "MeetingRequest")).Single();
        var removed = (await server.CallAsync(manager, DelegateTests.Remove(manager, DelegateTests.UserId(assistant)))).Document.Descendants(M + "DelegateUserResponseMessageType").Single();
        Assert.Equal("NoError", removed.Element(M + "ResponseCode")!.Value);

        Assert.Equal("ErrorAccessDenied", (await server.CallAsync(assistant, Respond("AcceptItem", copy.ItemId().Id))).Code());
        var create = Requests.CreateMeeting("After removal", [organizer], "2031-05-10T12:00:00Z", "2031-05-10T13:00:00Z").Replace("<t:DistinguishedFolderId Id=\"calendar\"/>", Mailbox("calendar", manager), StringComparison.Ordinal);
        Assert.Equal("ErrorAccessDenied", (await server.CallAsync(assistant, create)).Code());
        Assert.Empty(await FindAsync(organizer, "inbox", subject, "MeetingResponse"));
    }

    private static string MoveMeeting(XElement organizersItem, string start, string end)
    {
        var (id, changeKey) = organizersItem.ItemId();
        return $"""
            <m:UpdateItem ConflictResolution="AutoResolve" SendMeetingInvitationsOrCancellations="SendToAllAndSaveCopy">
              <m:ItemChanges><t:ItemChange><t:ItemId Id="{id}" ChangeKey="{changeKey}"/><t:Updates>
                <t:SetItemField><t:FieldURI FieldURI="calendar:Start"/><t:CalendarItem><t:Start>{start}</t:Start></t:CalendarItem></t:SetItemField>
                <t:SetItemField><t:FieldURI FieldURI="calendar:End"/><t:CalendarItem><t:End>{end}</t:End></t:CalendarItem></t:SetItemField>
              </t:Updates></t:ItemChange></m:ItemChanges>
            </m:UpdateItem>
            """;
    }

    [Fact]
    public async Task A_delegates_copy_of_a_request_is_out_of_date_once_the_organizer_updates_or_cancels_the_meeting()
    {
        var (manager, assistant, organizer) = await TeamAsync();
        var subject = "Review " + Guid.NewGuid().ToString("N")[..6];
        (await server.CallAsync(organizer, Requests.CreateMeeting(subject, [manager], "2031-05-12T10:00:00Z", "2031-05-12T11:00:00Z"))).Ok();
        var first = (await FindAsync(assistant, "inbox", subject, "MeetingRequest")).Single();
        Assert.Equal("false", first.Element(T + "IsOutOfDate")!.Value);

        (await server.CallAsync(organizer, MoveMeeting((await FindAsync(organizer, "calendar", subject, "CalendarItem")).Single(), "2031-05-12T14:00:00Z", "2031-05-12T15:00:00Z"))).Ok();
        var requests = (await FindAsync(assistant, "inbox", subject, "MeetingRequest")).ToDictionary(r => r.ItemId().Id, r => r.Element(T + "IsOutOfDate")!.Value);
        Assert.Equal(2, requests.Count);
        Assert.Equal("true", requests[first.ItemId().Id]);
        Assert.Equal("false", Assert.Single(requests, r => r.Key != first.ItemId().Id).Value);
        // Answering the old copy is refused, as answering the principal's own old request is.
        Assert.Equal("ErrorCalendarMeetingRequestIsOutOfDate", (await server.CallAsync(assistant, Respond("AcceptItem", first.ItemId().Id))).Code());

        var meeting = (await FindAsync(organizer, "calendar", subject, "CalendarItem")).Single();
        (await server.CallAsync(organizer, $"<m:CreateItem MessageDisposition=\"SendAndSaveCopy\"><m:Items><t:CancelCalendarItem><t:ReferenceItemId Id=\"{meeting.ItemId().Id}\"/></t:CancelCalendarItem></m:Items></m:CreateItem>")).Ok();
        Assert.All(await FindAsync(assistant, "inbox", subject, "MeetingRequest"), r => Assert.Equal("true", r.Element(T + "IsOutOfDate")!.Value));
        Assert.NotEmpty(await FindAsync(assistant, "inbox", subject, "MeetingCancellation"));
    }

    [Fact]
    public async Task A_delegates_SaveOnly_draft_response_is_sent_with_SendItem_on_the_principals_behalf()
    {
        var (manager, assistant, organizer) = await TeamAsync();
        var subject = "Offsite " + Guid.NewGuid().ToString("N")[..6];
        (await server.CallAsync(organizer, Requests.CreateMeeting(subject, [manager], "2031-05-13T10:00:00Z", "2031-05-13T11:00:00Z"))).Ok();
        var copy = (await FindAsync(assistant, "inbox", subject, "MeetingRequest")).Single();

        (await server.CallAsync(assistant, Respond("AcceptItem", copy.ItemId().Id).Replace("SendAndSaveCopy", "SaveOnly", StringComparison.Ordinal))).Ok();
        // Nothing went out yet; the draft is the assistant's, for the manager.
        Assert.Empty(await FindAsync(organizer, "inbox", subject, "MeetingResponse"));
        var draft = (await FindAsync(assistant, "drafts", subject, "MeetingResponse")).Single();
        Assert.Equal((manager, assistant), (AddressOf(draft, "From"), AddressOf(draft, "Sender")));
        var (draftId, draftKey) = draft.ItemId();

        (await server.CallAsync(assistant, $"<m:SendItem SaveItemToFolder=\"true\"><m:ItemIds><t:ItemId Id=\"{draftId}\" ChangeKey=\"{draftKey}\"/></m:ItemIds></m:SendItem>")).Ok();
        var response = (await FindAsync(organizer, "inbox", subject, "MeetingResponse")).Single();
        Assert.Equal((manager, assistant), (AddressOf(response, "From"), AddressOf(response, "Sender")));
        Assert.Equal("Accept", Row((await FindAsync(organizer, "calendar", subject, "CalendarItem")).Single(), manager).Element(T + "ResponseType")!.Value);
        Assert.Equal("Accept", (await FindAsync(manager, "calendar", subject, "CalendarItem")).Single().Element(T + "MyResponseType")!.Value);
        Assert.Empty(await FindAsync(assistant, "drafts", subject, "MeetingResponse"));
        Assert.Empty(await FindAsync(assistant, "inbox", subject, "MeetingRequest"));
        Assert.Contains(server.AccessLines, l => l.Values.GetValueOrDefault("Actor") == assistant && l.Values.GetValueOrDefault("Action")?.Contains("sent the draft", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task A_delegates_draft_response_is_not_sent_once_it_is_no_longer_a_delegate()
    {
        var (manager, assistant, organizer) = await TeamAsync();
        var subject = "Dropped " + Guid.NewGuid().ToString("N")[..6];
        (await server.CallAsync(organizer, Requests.CreateMeeting(subject, [manager], "2031-05-14T10:00:00Z", "2031-05-14T11:00:00Z"))).Ok();
        var copy = (await FindAsync(assistant, "inbox", subject, "MeetingRequest")).Single();
        (await server.CallAsync(assistant, Respond("DeclineItem", copy.ItemId().Id).Replace("SendAndSaveCopy", "SaveOnly", StringComparison.Ordinal))).Ok();
        var (draftId, draftKey) = (await FindAsync(assistant, "drafts", subject, "MeetingResponse")).Single().ItemId();
        var removed = (await server.CallAsync(manager, DelegateTests.Remove(manager, DelegateTests.UserId(assistant)))).Document.Descendants(M + "DelegateUserResponseMessageType").Single();
        Assert.Equal("NoError", removed.Element(M + "ResponseCode")!.Value);

        Assert.Equal("ErrorAccessDenied", (await server.CallAsync(assistant, $"<m:SendItem SaveItemToFolder=\"false\"><m:ItemIds><t:ItemId Id=\"{draftId}\" ChangeKey=\"{draftKey}\"/></m:ItemIds></m:SendItem>")).Code());
        Assert.Empty(await FindAsync(organizer, "inbox", subject, "MeetingResponse"));
        Assert.Equal("Unknown", Row((await FindAsync(organizer, "calendar", subject, "CalendarItem")).Single(), manager).Element(T + "ResponseType")!.Value);
    }
}

/// <summary>On the data folder's SQLite store.</summary>
public sealed class DelegateActingTests(GrantsFixture server) : DelegateActingCases(server), IClassFixture<GrantsFixture>;

/// <summary>The same on the PostgreSQL store (its grant, delegate and permission tables).</summary>
public sealed class PostgresDelegateActingTests(PostgresGrantsFixture server) : DelegateActingCases(server), IClassFixture<PostgresGrantsFixture>;
