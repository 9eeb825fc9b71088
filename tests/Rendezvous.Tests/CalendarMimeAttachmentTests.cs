using System.Diagnostics;
using System.Text;
using System.Xml.Linq;
using MimeKit;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// What was left of issue 15, over HTTP with every response schema-validated: a calendar item stored from another
/// organizer's iCalendar (DavMail's PUT of a received invitation) is the attendee's copy; reference attachments
/// (ReferenceAttachmentType) are created, stored and read back for the versions that have them; and invitations as
/// Outlook, Google and Thunderbird send them keep their files and links as attachments.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class CalendarMimeAttachmentTests(ServerFixture server)
{
    private static readonly XNamespace T = EwsResponse.T;
    private const string Alice = ServerFixture.Alice;
    private const string Bob = ServerFixture.Bob;
    private const string Carol = ServerFixture.Carol;
    private const string Dana = "dana@elsewhere.example";

    private static string Tag() => Guid.NewGuid().ToString("N")[..10];

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>An invitation from Dana (not on this server) to Alice and Bob, Alice's PARTSTAT as given.</summary>
    private static string DanasInvitation(string tag, string alicePartStat) =>
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nBEGIN:VEVENT\r\n" +
        $"UID:dana-{tag}@elsewhere.example\r\nDTSTAMP:20300101T080000Z\r\nDTSTART:20300506T090000Z\r\nDTEND:20300506T100000Z\r\n" +
        $"SUMMARY:Dana's review {tag}\r\nORGANIZER;CN=Dana:mailto:{Dana}\r\n" +
        $"ATTENDEE;CN=Dana;PARTSTAT=ACCEPTED;ROLE=CHAIR:mailto:{Dana}\r\n" +
        $"ATTENDEE;CN=Alice;PARTSTAT={alicePartStat};ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:{Alice}\r\n" +
        $"ATTENDEE;CN=Bob;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:{Bob}\r\n" +
        "END:VEVENT\r\nEND:VCALENDAR\r\n";

    /// <summary>CreateItem of a calendar item from MimeContent as DavMail 6 sends it (put_event/022), with the apptstateflags it sets for a received meeting.</summary>
    private static string DavMailPut(string mime, string tag, string appointmentState = "3") =>
        $"""
        <m:CreateItem SendMeetingInvitations="SendToAllAndSaveCopy" MessageDisposition="SendAndSaveCopy">
          <m:SavedItemFolderId><t:DistinguishedFolderId Id="calendar"/></m:SavedItemFolderId>
          <m:Items><t:CalendarItem>
            <t:MimeContent>{mime}</t:MimeContent>
            <t:ReminderIsSet>false</t:ReminderIsSet>
            <t:ExtendedProperty><t:ExtendedFieldURI PropertyTag="0x10f3" PropertyType="String"/><t:Value>{tag}.ics</t:Value></t:ExtendedProperty>
            <t:ExtendedProperty><t:ExtendedFieldURI DistinguishedPropertySetId="Appointment" PropertyId="33303" PropertyType="Integer"/><t:Value>{appointmentState}</t:Value></t:ExtendedProperty>
          </t:CalendarItem></m:Items>
        </m:CreateItem>
        """;

    private async Task<List<string>> FindAsync(string user, string folder, string tag)
    {
        var restriction = $"<t:Contains ContainmentMode=\"Substring\" ContainmentComparison=\"IgnoreCase\"><t:FieldURI FieldURI=\"item:Subject\"/><t:Constant Value=\"{tag}\"/></t:Contains>";
        var found = (await server.CallAsync(user, Requests.FindItem(restriction: restriction, folder: folder, shape: "IdOnly"))).Ok();
        return [.. found.Descendants(T + "ItemId").Select(e => (string)e.Attribute("Id")!)];
    }

    private async Task<byte[]> MimeAsync(string user, string id, string version = "Exchange2016")
    {
        var body = $"""
            <m:GetItem>
              <m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent></m:ItemShape>
              <m:ItemIds><t:ItemId Id="{id}"/></m:ItemIds>
            </m:GetItem>
            """;
        return Convert.FromBase64String((await server.CallAsync(user, body, version)).Ok().Descendants(T + "MimeContent").Single().Value);
    }

    private static string GetAttachment(string id) => $"""<m:GetAttachment><m:AttachmentIds><t:AttachmentId Id="{id}"/></m:AttachmentIds></m:GetAttachment>""";

    private static string IdOf(XElement attachment) => (string)attachment.Element(T + "AttachmentId")!.Attribute("Id")!;

    /// <summary>The attachments GetItem lists for the item (in <paramref name="version"/>), as elements.</summary>
    private async Task<List<XElement>> AttachmentsAsync(string user, string id, string version = "Exchange2016") =>
        [.. (await server.GetItemAsync(user, id, version)).Element(T + "Attachments")?.Elements() ?? []];

    /// <summary>python3-icalendar reads the calendar (tests/interop/mime/check_ics.py): `METHOD UID DTSTART DTEND`.</summary>
    private static async Task<string> PythonCheckAsync(string calendar)
    {
        var dir = Directory.CreateTempSubdirectory("rdv-ics-");
        try
        {
            var path = Path.Combine(dir.FullName, "0.ics");
            await File.WriteAllTextAsync(path, calendar);
            var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            info.ArgumentList.Add(Path.Combine(Processes.RepositoryRoot, "tests", "interop", "mime", "check_ics.py"));
            info.ArgumentList.Add(path);
            var (exitCode, stdout, stderr) = await Processes.RunAsync(info, timeoutSeconds: 60);
            Assert.True(exitCode == 0, $"python3-icalendar refused the calendar:\n{stdout}\n{stderr}");
            return string.Join(' ', stdout.Trim().Split(' ').Skip(2));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    // Issue 15: a PUT with a foreign ORGANIZER.

    [Fact]
    public async Task A_calendar_item_from_MimeContent_with_another_organizer_is_the_attendees_copy_and_invites_no_one()
    {
        var tag = Tag();
        var (id, _) = (await server.CallAsync(Alice, DavMailPut(Base64(DanasInvitation(tag, "ACCEPTED")), tag), "Exchange2013")).Ok().ItemId();

        var item = await server.GetItemAsync(Alice, id);
        Assert.Equal(Dana, item.Element(T + "Organizer")!.T("EmailAddress"));
        Assert.Equal("false", item.T("IsOrganizer"));
        Assert.Equal("Accept", item.T("MyResponseType"));
        Assert.Equal("true", item.T("IsMeeting"));
        Assert.Equal("false", item.T("MeetingRequestWasSent"));
        Assert.Equal("3", item.T("AppointmentState"));
        Assert.Equal("Busy", item.T("LegacyFreeBusyStatus"));
        Assert.Contains("AcceptItem", item.ResponseObjects());
        Assert.DoesNotContain("CancelCalendarItem", item.ResponseObjects());

        // SendToAllAndSaveCopy notwithstanding, only the organizer invites: Bob got nothing, Alice kept no sent copy.
        Assert.Empty(await FindAsync(Bob, "inbox", tag));
        Assert.Empty(await FindAsync(Bob, "calendar", tag));
        Assert.Empty(await FindAsync(Alice, "sentitems", tag));

        // Read back, the iCalendar names Dana as organizer and Alice's answer as her PARTSTAT (a second library agrees).
        var ics = Encoding.UTF8.GetString(await MimeAsync(Alice, id));
        var e = Assert.Single(Ical.Net.Calendar.Load(ics)!.Events);
        Assert.Equal("mailto:" + Dana, e.Organizer!.Value!.OriginalString);
        Assert.Equal("ACCEPTED", e.Attendees.Single(a => a.Value!.OriginalString.EndsWith(Alice, StringComparison.OrdinalIgnoreCase)).ParticipationStatus);
        Assert.Equal($"- dana-{tag}@elsewhere.example 2030-05-06T09:00:00Z 2030-05-06T10:00:00Z", await PythonCheckAsync(ics));
    }

    [Fact]
    public async Task The_attendee_answers_the_copy_stored_from_an_unanswered_invitation()
    {
        var tag = Tag();
        var (id, changeKey) = (await server.CallAsync(Alice, DavMailPut(Base64(DanasInvitation(tag, "NEEDS-ACTION")), tag), "Exchange2013")).Ok().ItemId();
        var item = await server.GetItemAsync(Alice, id);
        Assert.Equal("NoResponseReceived", item.T("MyResponseType"));
        Assert.Equal("Tentative", item.T("LegacyFreeBusyStatus"));

        // As DavMail answers when the CalDAV client changes the PARTSTAT: AcceptItem of the copy.
        (await server.CallAsync(Alice, $"""
            <m:CreateItem MessageDisposition="SendAndSaveCopy">
              <m:Items><t:AcceptItem><t:ReferenceItemId Id="{id}" ChangeKey="{changeKey}"/></t:AcceptItem></m:Items>
            </m:CreateItem>
            """)).Ok();
        var calendarIds = await FindAsync(Alice, "calendar", tag);
        var accepted = await server.GetItemAsync(Alice, Assert.Single(calendarIds));
        Assert.Equal("Accept", accepted.T("MyResponseType"));
        Assert.Equal(Dana, accepted.Element(T + "Organizer")!.T("EmailAddress"));
    }

    [Fact]
    public async Task The_organizers_own_iCalendar_stays_a_meeting_of_theirs()
    {
        var tag = Tag();
        var ics = DanasInvitation(tag, "NEEDS-ACTION").Replace($"ORGANIZER;CN=Dana:mailto:{Dana}", $"ORGANIZER;CN=Alice:mailto:{Alice}", StringComparison.Ordinal);
        var (id, _) = (await server.CallAsync(Alice, DavMailPut(Base64(ics), tag, "1"), "Exchange2013")).Ok().ItemId();
        var item = await server.GetItemAsync(Alice, id);
        Assert.Equal("true", item.T("IsOrganizer"));
        Assert.Equal("Organizer", item.T("MyResponseType"));
        Assert.Single(await FindAsync(Bob, "inbox", tag));
    }

    // Issue 15: ReferenceAttachment.

    private const string Link = "https://contoso-my.sharepoint.com/personal/alice/Documents/Plan.xlsx";

    private static string Reference(string name, string extra = "") =>
        $"""
        <t:ReferenceAttachment>
          <t:Name>{name}</t:Name>
          <t:ContentType>application/vnd.openxmlformats-officedocument.spreadsheetml.sheet</t:ContentType>
          <t:AttachLongPathName>{Link}</t:AttachLongPathName>
          <t:ProviderType>OneDrivePro</t:ProviderType>
          <t:ProviderEndpointUrl>https://contoso-my.sharepoint.com/</t:ProviderEndpointUrl>
          <t:AttachmentThumbnailUrl>https://contoso-my.sharepoint.com/thumb/Plan.png</t:AttachmentThumbnailUrl>
          <t:AttachmentPreviewUrl>https://contoso-my.sharepoint.com/preview/Plan</t:AttachmentPreviewUrl>
          <t:PermissionType>1</t:PermissionType>
          <t:OriginalPermissionType>2</t:OriginalPermissionType>
          <t:AttachmentIsFolder>false</t:AttachmentIsFolder>{extra}
        </t:ReferenceAttachment>
        """;

    private async Task<string> DraftAsync(string user, string subject, string attachments = "", string version = "Exchange2016")
    {
        var created = (await server.CallAsync(user, $"""
            <m:CreateItem MessageDisposition="SaveOnly">
              <m:SavedItemFolderId><t:DistinguishedFolderId Id="drafts"/></m:SavedItemFolderId>
              <m:Items><t:Message><t:Subject>{subject}</t:Subject>{(attachments.Length > 0 ? "<t:Attachments>" + attachments + "</t:Attachments>" : "")}</t:Message></m:Items>
            </m:CreateItem>
            """, version)).Ok();
        return created.Descendants(T + "Message").Single().ItemId().Id;
    }

    [Fact]
    public async Task A_reference_attachment_created_with_CreateAttachment_reads_back_with_every_field_in_schema_order()
    {
        var id = await DraftAsync(Carol, "Link " + Tag());
        var created = (await server.CallAsync(Carol, $"""
            <m:CreateAttachment><m:ParentItemId Id="{id}"/><m:Attachments>{Reference("Plan.xlsx")}</m:Attachments></m:CreateAttachment>
            """, "Exchange2016")).Ok();
        var attachmentId = (string)created.Descendants(T + "AttachmentId").Single().Attribute("Id")!;

        var header = Assert.Single(await AttachmentsAsync(Carol, id));
        Assert.Equal("ReferenceAttachment", header.Name.LocalName);
        Assert.Equal(attachmentId, IdOf(header));
        Assert.Equal(Link, header.T("AttachLongPathName"));
        Assert.Equal("true", (await server.GetItemAsync(Carol, id, "Exchange2016")).T("HasAttachments"));

        var got = (await server.CallAsync(Carol, GetAttachment(attachmentId), "Exchange2016")).Ok().Descendants(T + "ReferenceAttachment").Single();
        Assert.Equal(
            ["AttachmentId", "Name", "ContentType", "Size", "LastModifiedTime", "IsInline", "AttachLongPathName", "ProviderType", "ProviderEndpointUrl",
             "AttachmentThumbnailUrl", "AttachmentPreviewUrl", "PermissionType", "OriginalPermissionType", "AttachmentIsFolder"],
            got.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("0", got.T("Size"));
        Assert.Equal("OneDrivePro", got.T("ProviderType"));
        Assert.Equal("1", got.T("PermissionType"));
        Assert.Equal("2", got.T("OriginalPermissionType"));
        Assert.Equal("false", got.T("AttachmentIsFolder"));
        Assert.Null(got.Element(T + "Content"));
    }

    [Fact]
    public async Task A_reference_attachment_inline_in_CreateItem_is_kept_by_a_copy_and_removed_by_DeleteAttachment()
    {
        var subject = "Inline link " + Tag();
        var id = await DraftAsync(Carol, subject, Reference("Plan.xlsx"));
        var copied = (await server.CallAsync(Carol, $"""
            <m:CopyItem><m:ToFolderId><t:DistinguishedFolderId Id="inbox"/></m:ToFolderId><m:ItemIds><t:ItemId Id="{id}"/></m:ItemIds></m:CopyItem>
            """, "Exchange2016")).Ok().Descendants(T + "ItemId").Single();
        var copy = Assert.Single(await AttachmentsAsync(Carol, (string)copied.Attribute("Id")!));
        Assert.Equal(Link, copy.T("AttachLongPathName"));

        var original = Assert.Single(await AttachmentsAsync(Carol, id));
        (await server.CallAsync(Carol, $"""<m:DeleteAttachment><m:AttachmentIds><t:AttachmentId Id="{IdOf(original)}"/></m:AttachmentIds></m:DeleteAttachment>""", "Exchange2016")).Ok();
        Assert.Empty(await AttachmentsAsync(Carol, id));
        Assert.Single(await AttachmentsAsync(Carol, (string)copied.Attribute("Id")!));
    }

    [Fact]
    public async Task Requests_of_versions_before_Exchange2015_neither_create_nor_see_reference_attachments()
    {
        var id = await DraftAsync(Carol, "Old client " + Tag(), Reference("Plan.xlsx") + "<t:FileAttachment><t:Name>a.txt</t:Name><t:Content>aGk=</t:Content></t:FileAttachment>");
        var reference = (await AttachmentsAsync(Carol, id)).Single(a => a.Name.LocalName == "ReferenceAttachment");

        // Their schema has no ReferenceAttachment: it is refused in, left out of lists, and not answered by GetAttachment.
        var refused = await server.CallAsync(Carol, $"""
            <m:CreateAttachment><m:ParentItemId Id="{id}"/><m:Attachments>{Reference("Other.xlsx")}</m:Attachments></m:CreateAttachment>
            """, "Exchange2013_SP1");
        Assert.Equal("ErrorInvalidServerVersion", refused.Code());
        Assert.Equal(["FileAttachment"], (await AttachmentsAsync(Carol, id, "Exchange2013_SP1")).Select(a => a.Name.LocalName));
        Assert.Equal("ErrorInvalidServerVersion", (await server.CallAsync(Carol, GetAttachment(IdOf(reference)), "Exchange2013_SP1")).Code());

        // An item whose only attachment is a link has no empty Attachments element for them.
        var linkOnly = await DraftAsync(Carol, "Link only " + Tag(), Reference("Plan.xlsx"));
        Assert.Null((await server.GetItemAsync(Carol, linkOnly, "Exchange2013_SP1")).Element(T + "Attachments"));
        Assert.Single(await AttachmentsAsync(Carol, linkOnly));
    }

    // Issue 15: calendar MIME with attachments.

    private static string Sample(string file) => Convert.ToBase64String(File.ReadAllBytes(TestData.Path("mime", file)));

    [Fact]
    public async Task An_Outlook_invitation_with_a_file_stored_as_a_calendar_item_keeps_the_file_as_its_attachment()
    {
        // tests/data/mime/outlook-invitation-with-attachment.eml: Marge's invitation to Homer, with agenda.pdf.
        var created = (await server.CallAsync(Carol, $"""
            <m:CreateItem SendMeetingInvitations="SendToNone">
              <m:SavedItemFolderId><t:DistinguishedFolderId Id="calendar"/></m:SavedItemFolderId>
              <m:Items><t:CalendarItem><t:MimeContent>{Sample("outlook-invitation-with-attachment.eml")}</t:MimeContent></t:CalendarItem></m:Items>
            </m:CreateItem>
            """, "Exchange2016")).Ok();
        var id = created.Descendants(T + "CalendarItem").Single().ItemId().Id;
        var item = await server.GetItemAsync(Carol, id, "Exchange2016");
        Assert.Equal("Testaus", item.T("Subject"));
        Assert.Equal("2021-11-27T07:00:00Z", item.T("Start"));
        Assert.Equal("false", item.T("IsOrganizer")); // Marge's meeting, stored by someone she invited
        var pdf = Assert.Single(await AttachmentsAsync(Carol, id));
        Assert.Equal("agenda.pdf", pdf.T("Name"));
        var content = Convert.FromBase64String((await server.CallAsync(Carol, GetAttachment(IdOf(pdf)))).Ok().Descendants(T + "Content").Single().Value);
        Assert.StartsWith("%PDF-1.4", Encoding.ASCII.GetString(content), StringComparison.Ordinal);
        Assert.Equal(125, content.Length);
    }

    [Fact]
    public async Task An_invitations_inline_file_and_link_become_attachments_and_the_link_goes_back_out_as_ATTACH()
    {
        // tests/data/mime/rfc5545-binary-and-uri-attach.ics: Dana invites Alice (TENTATIVE) with agenda.txt inline and a link.
        var created = (await server.CallAsync(Alice, $"""
            <m:CreateItem SendMeetingInvitations="SendToNone">
              <m:Items><t:CalendarItem><t:MimeContent>{Sample("rfc5545-binary-and-uri-attach.ics")}</t:MimeContent></t:CalendarItem></m:Items>
            </m:CreateItem>
            """, "Exchange2016")).Ok();
        var id = created.Descendants(T + "CalendarItem").Single().ItemId().Id;
        Assert.Equal("Tentative", (await server.GetItemAsync(Alice, id)).T("MyResponseType"));
        var attachments = await AttachmentsAsync(Alice, id);
        Assert.Equal(["FileAttachment", "ReferenceAttachment"], attachments.Select(a => a.Name.LocalName));
        var text = Convert.FromBase64String((await server.CallAsync(Alice, GetAttachment(IdOf(attachments[0])))).Ok().Descendants(T + "Content").Single().Value);
        Assert.Equal("Agenda\r\n1. Budget\r\n2. Hiring\r\n", Encoding.ASCII.GetString(text));
        Assert.Equal("https://drive.example.com/d/minutes", attachments[1].T("AttachLongPathName"));

        // The calendar item's iCalendar carries the link (a file stays out: DavMail passes the object on verbatim).
        var ics = Encoding.UTF8.GetString(await MimeAsync(Alice, id));
        var attach = Assert.Single(Assert.Single(Ical.Net.Calendar.Load(ics)!.Events).Attachments);
        Assert.Equal("https://drive.example.com/d/minutes", attach.Uri!.OriginalString);
        Assert.Equal("Minutes.docx", attach.Parameters.Get("FILENAME"));
        Assert.Equal("- binary-attach-1@example.com 2030-03-04T14:00:00Z 2030-03-04T15:00:00Z", await PythonCheckAsync(ics));
    }

    [Fact]
    public async Task An_organizers_iCalendar_with_a_file_sends_it_with_the_invitation_whose_MimeContent_carries_it()
    {
        var tag = Tag();
        var notes = Convert.ToBase64String(Encoding.ASCII.GetBytes("Notes for " + tag));
        var ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nBEGIN:VEVENT\r\n" +
            $"UID:own-{tag}@example.com\r\nDTSTAMP:20300101T080000Z\r\nDTSTART:20300607T090000Z\r\nDTEND:20300607T100000Z\r\nSUMMARY:Planning {tag}\r\n" +
            $"ORGANIZER:mailto:{Alice}\r\nATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{Bob}\r\n" +
            $"ATTACH;FMTTYPE=text/plain;ENCODING=BASE64;VALUE=BINARY;X-FILENAME=notes.txt:{notes}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        (await server.CallAsync(Alice, $"""
            <m:CreateItem SendMeetingInvitations="SendToAllAndSaveCopy">
              <m:Items><t:CalendarItem><t:MimeContent>{Base64(ics)}</t:MimeContent></t:CalendarItem></m:Items>
            </m:CreateItem>
            """, "Exchange2016")).Ok();

        var request = Assert.Single(await FindAsync(Bob, "inbox", tag));
        Assert.Equal(["notes.txt"], (await AttachmentsAsync(Bob, request)).Select(a => a.T("Name")));
        var message = MimeMessage.Load(new MemoryStream(await MimeAsync(Bob, request)));
        Assert.Contains(message.BodyParts, p => p.ContentType.IsMimeType("text", "calendar"));
        var file = Assert.Single(message.Attachments.OfType<MimePart>());
        Assert.Equal("notes.txt", file.FileName);
        using var decoded = new MemoryStream();
        file.Content!.DecodeTo(decoded);
        Assert.Equal("Notes for " + tag, Encoding.ASCII.GetString(decoded.ToArray()));
    }
}
