using System.Diagnostics;
using System.Text;
using System.Xml.Linq;
using Ical.Net.CalendarComponents;
using MimeKit;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// MimeContent over HTTP (issue 15 §4): GetItem's IncludeMimeContent for calendar items (iCalendar), messages
/// (RFC 5322) and meeting messages (iTIP REQUEST, CANCEL, REPLY, COUNTER), and CreateItem/UpdateItem from it. Every
/// iCalendar the server produces is parsed again by MimeKit/Ical.Net and by a second library (python3-icalendar).
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class MimeContentTests(ServerFixture server)
{
    private static readonly XNamespace T = EwsResponse.T;
    private const string Alice = ServerFixture.Alice;
    private const string Bob = ServerFixture.Bob;

    private static string Tag() => Guid.NewGuid().ToString("N")[..10];

    private static string GetWithMime(string id) =>
        $"""
        <m:GetItem>
          <m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent>
            <t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/></t:AdditionalProperties></m:ItemShape>
          <m:ItemIds><t:ItemId Id="{id}"/></m:ItemIds>
        </m:GetItem>
        """;

    /// <summary>The item's MimeContent bytes, checking the CharacterSet Exchange writes.</summary>
    private async Task<byte[]> MimeAsync(string user, string id)
    {
        var mime = (await server.CallAsync(user, GetWithMime(id))).Ok().Descendants(T + "MimeContent").Single();
        Assert.Equal("UTF-8", (string?)mime.Attribute("CharacterSet"));
        return Convert.FromBase64String(mime.Value);
    }

    private static CalendarEvent Event(string ics) => Assert.Single(Ical.Net.Calendar.Load(ics)!.Events);

    /// <summary>The text/calendar part of a meeting message, with the method its Content-Type names.</summary>
    private static (string Method, string Ics, MimeMessage Message) CalendarPart(byte[] mime)
    {
        var message = MimeMessage.Load(new MemoryStream(mime));
        var part = message.BodyParts.OfType<TextPart>().Single(p => p.ContentType.IsMimeType("text", "calendar"));
        return (part.ContentType.Parameters["method"] ?? "", part.Text, message);
    }

    private async Task<List<(string Id, string Class)>> FindAsync(string user, string folder, string tag)
    {
        var restriction = $"<t:Contains ContainmentMode=\"Substring\" ContainmentComparison=\"IgnoreCase\"><t:FieldURI FieldURI=\"item:Subject\"/><t:Constant Value=\"{tag}\"/></t:Contains>";
        var found = (await server.CallAsync(user, Requests.FindItem(restriction: restriction, folder: folder))).Ok();
        return [.. found.Descendants(T + "Items").Elements().Select(e => ((string)e.Element(T + "ItemId")!.Attribute("Id")!, e.Element(T + "ItemClass")?.Value ?? ""))];
    }

    /// <summary>python3-icalendar reads each calendar: `ok FILE METHOD UID DTSTART DTEND` per file.</summary>
    private static async Task<string[]> PythonCheckAsync(params string[] calendars)
    {
        var dir = Directory.CreateTempSubdirectory("rdv-ics-");
        try
        {
            var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            info.ArgumentList.Add(Path.Combine(Processes.RepositoryRoot, "tests", "interop", "mime", "check_ics.py"));
            for (var i = 0; i < calendars.Length; i++)
            {
                var path = Path.Combine(dir.FullName, $"{i}.ics");
                await File.WriteAllTextAsync(path, calendars[i]);
                info.ArgumentList.Add(path);
            }

            var (exitCode, stdout, stderr) = await Processes.RunAsync(info, timeoutSeconds: 60);
            Assert.True(exitCode == 0, $"python3-icalendar refused a calendar:\n{stdout}\n{stderr}");
            return [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => string.Join(' ', l.Split(' ').Skip(2)))];
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static string Ics(string uid, string start, string end, string extra = "", string summary = "From iCalendar") =>
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nBEGIN:VEVENT\r\n" +
        $"UID:{uid}\r\nDTSTAMP:20300101T080000Z\r\nDTSTART:{start}\r\nDTEND:{end}\r\nSUMMARY:{summary}\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n";

    [Fact]
    public async Task A_calendar_items_MimeContent_is_an_iCalendar_object_with_its_zone_attendees_and_Outlooks_properties()
    {
        var tag = Tag();
        var created = await server.CallAsync(Alice, $"""
            <m:CreateItem SendMeetingInvitations="SendToNone">
              <m:SavedItemFolderId><t:DistinguishedFolderId Id="calendar"/></m:SavedItemFolderId>
              <m:Items><t:CalendarItem>
                <t:Subject>Zone {tag}</t:Subject>
                <t:Body BodyType="HTML">&lt;p&gt;Agenda &amp;amp; notes&lt;/p&gt;</t:Body>
                <t:Start>2030-07-01T09:00:00</t:Start>
                <t:End>2030-07-01T10:30:00</t:End>
                <t:LegacyFreeBusyStatus>Tentative</t:LegacyFreeBusyStatus>
                <t:Location>Room 7</t:Location>
                <t:RequiredAttendees><t:Attendee><t:Mailbox><t:Name>Bob Durand</t:Name><t:EmailAddress>{Bob}</t:EmailAddress></t:Mailbox></t:Attendee></t:RequiredAttendees>
                <t:OptionalAttendees><t:Attendee><t:Mailbox><t:EmailAddress>carol@example.com</t:EmailAddress></t:Mailbox></t:Attendee></t:OptionalAttendees>
                <t:StartTimeZone Id="W. Europe Standard Time"/>
                <t:AllowNewTimeProposal>false</t:AllowNewTimeProposal>
              </t:CalendarItem></m:Items>
            </m:CreateItem>
            """);
        var (id, _) = created.Ok().ItemId();
        var item = await server.GetItemAsync(Alice, id);
        var bytes = await MimeAsync(Alice, id);
        var ics = Encoding.UTF8.GetString(bytes);
        // DavMail hands a CalendarItem's MimeContent straight to its iCalendar reader: it must start with BEGIN:VCALENDAR.
        Assert.StartsWith("BEGIN:VCALENDAR", ics, StringComparison.Ordinal);

        var calendar = Ical.Net.Calendar.Load(ics)!;
        var zone = Assert.Single(calendar.TimeZones);
        Assert.Equal("W. Europe Standard Time", zone.TzId);
        Assert.Contains(zone.TimeZoneInfos, p => p.Name == "DAYLIGHT" && p.OffsetTo!.Offset == TimeSpan.FromHours(2));
        var e = Assert.Single(calendar.Events);
        Assert.Equal(item.T("UID"), e.Uid);
        Assert.Equal("Zone " + tag, e.Summary);
        Assert.Equal("Agenda & notes", e.Description);
        Assert.Equal("Room 7", e.Location);
        Assert.Equal("W. Europe Standard Time", e.DtStart!.TzId);
        Assert.Equal(new DateTime(2030, 7, 1, 9, 0, 0), e.DtStart.Value);
        Assert.Equal(new DateTime(2030, 7, 1, 10, 30, 0), e.DtEnd!.Value);
        Assert.True(e.DtStamp!.IsUtc);
        Assert.Equal(0, e.Sequence);
        Assert.Equal("mailto:" + Alice, e.Organizer!.Value!.OriginalString);
        var bob = e.Attendees.Single(a => a.Value!.OriginalString == "mailto:" + Bob);
        Assert.Equal(("REQ-PARTICIPANT", "NEEDS-ACTION", true, "Bob Durand"), (bob.Role, bob.ParticipationStatus, bob.Rsvp, bob.CommonName));
        Assert.Equal("OPT-PARTICIPANT", e.Attendees.Single(a => a.Value!.OriginalString == "mailto:carol@example.com").Role);
        Assert.Equal("CONFIRMED", e.Status);
        Assert.Equal("OPAQUE", e.Transparency);
        Assert.Equal("TENTATIVE", e.Properties["X-MICROSOFT-CDO-BUSYSTATUS"]?.Value);
        Assert.Equal("TRUE", e.Properties["X-MICROSOFT-DISALLOW-COUNTER"]?.Value);

        // A second library reads the same instant (09:00 in Paris in July is 07:00 UTC).
        Assert.Equal($"- {item.T("UID")} 2030-07-01T07:00:00Z 2030-07-01T08:30:00Z", Assert.Single(await PythonCheckAsync(ics)));
    }

    [Fact]
    public async Task An_all_day_event_is_written_with_VALUE_DATE_and_a_free_one_as_TRANSPARENT()
    {
        var (id, _) = await server.CreateAppointmentAsync(Alice, "All day " + Tag(), "2030-05-01T00:00:00Z", "2030-05-02T00:00:00Z",
            "<t:LegacyFreeBusyStatus>Free</t:LegacyFreeBusyStatus><t:IsAllDayEvent>true</t:IsAllDayEvent>");
        var ics = Encoding.UTF8.GetString(await MimeAsync(Alice, id));
        Assert.Contains("DTSTART;VALUE=DATE:20300501", ics, StringComparison.Ordinal);
        var e = Event(ics);
        Assert.False(e.DtStart!.HasTime);
        Assert.Equal(new DateTime(2030, 5, 2), e.DtEnd!.Value);
        Assert.Equal("TRANSPARENT", e.Transparency);
        Assert.Equal("FREE", e.Properties["X-MICROSOFT-CDO-BUSYSTATUS"]?.Value);
        Assert.Null(e.Properties["X-MICROSOFT-DISALLOW-COUNTER"]);
        Assert.EndsWith("date:2030-05-01 date:2030-05-02", Assert.Single(await PythonCheckAsync(ics)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_messages_MimeContent_is_RFC_5322_with_its_recipients_ids_and_body()
    {
        var tag = Tag();
        var created = await server.CallAsync(Alice, $"""
            <m:CreateItem MessageDisposition="SaveOnly">
              <m:SavedItemFolderId><t:DistinguishedFolderId Id="drafts"/></m:SavedItemFolderId>
              <m:Items><t:Message>
                <t:Subject>Draft {tag} é</t:Subject>
                <t:Body BodyType="Text">Hello Bob, ça va ?</t:Body>
                <t:Importance>High</t:Importance>
                <t:InReplyTo>&lt;original@example.com&gt;</t:InReplyTo>
                <t:ToRecipients><t:Mailbox><t:Name>Bob Durand</t:Name><t:EmailAddress>{Bob}</t:EmailAddress></t:Mailbox></t:ToRecipients>
                <t:CcRecipients><t:Mailbox><t:EmailAddress>carol@example.com</t:EmailAddress></t:Mailbox></t:CcRecipients>
                <t:From><t:Mailbox><t:EmailAddress>{Alice}</t:EmailAddress></t:Mailbox></t:From>
                <t:InternetMessageId>&lt;draft-{tag}@example.com&gt;</t:InternetMessageId>
                <t:References>&lt;original@example.com&gt;</t:References>
              </t:Message></m:Items>
            </m:CreateItem>
            """);
        var (id, _) = created.Ok().ItemId();
        var message = MimeMessage.Load(new MemoryStream(await MimeAsync(Alice, id)));
        Assert.Equal($"Draft {tag} é", message.Subject);
        Assert.Equal(Alice, message.From.Mailboxes.Single().Address);
        Assert.Equal(("Bob Durand", Bob), (message.To.Mailboxes.Single().Name, message.To.Mailboxes.Single().Address));
        Assert.Equal("carol@example.com", message.Cc.Mailboxes.Single().Address);
        Assert.Equal($"draft-{tag}@example.com", message.MessageId);
        Assert.Equal("original@example.com", message.InReplyTo);
        Assert.Equal(["original@example.com"], message.References);
        Assert.Equal(MessageImportance.High, message.Importance);
        Assert.True(message.Headers.Contains(HeaderId.Date));
        Assert.Equal("Hello Bob, ça va ?", message.TextBody?.TrimEnd());
        Assert.Null(message.HtmlBody);

        // item:MimeContent named in AdditionalProperties returns it too; AllProperties alone does not (as Exchange).
        Assert.NotNull((await server.CallAsync(Alice, Requests.GetItem(id, "IdOnly", "<t:FieldURI FieldURI=\"item:MimeContent\"/>"))).Ok().Descendants(T + "MimeContent").SingleOrDefault());
        Assert.Null((await server.GetItemAsync(Alice, id)).Element(T + "MimeContent"));
    }

    [Fact]
    public async Task A_message_whose_ids_are_not_msg_ids_still_has_MimeContent_and_no_injected_header()
    {
        // Regression: exchangelib's test_reply stores free text as InReplyTo; MimeKit's setter refused it and the whole
        // GetItem was an ErrorInternalServerError. A line break in a stored value must not start a header of its own.
        var created = await server.CallAsync(Alice, $"""
            <m:CreateItem MessageDisposition="SaveOnly">
              <m:SavedItemFolderId><t:DistinguishedFolderId Id="drafts"/></m:SavedItemFolderId>
              <m:Items><t:Message>
                <t:Subject>Ids {Tag()}</t:Subject>
                <t:InReplyTo>just some text&#13;&#10;Bcc: eve@example.com</t:InReplyTo>
                <t:InternetMessageId>no brackets here</t:InternetMessageId>
              </t:Message></m:Items>
            </m:CreateItem>
            """);
        var message = MimeMessage.Load(new MemoryStream(await MimeAsync(Alice, created.Ok().ItemId().Id)));
        Assert.Empty(message.Bcc);
        Assert.False(message.Headers.Contains(HeaderId.Bcc));
        Assert.Contains("just some text", message.Headers[HeaderId.InReplyTo], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Meeting_messages_carry_REQUEST_REPLY_COUNTER_and_CANCEL_as_iTIP_parts_that_a_second_library_reads()
    {
        var tag = Tag();
        var meetingId = (await server.CallAsync(Alice, Requests.CreateMeeting("Counter " + tag, [Bob], "2030-03-04T09:00:00Z", "2030-03-04T10:00:00Z"))).Ok().ItemId().Id;
        var uid = (await server.GetItemAsync(Alice, meetingId)).T("UID");

        // Bob's request: METHOD:REQUEST, he is asked to answer.
        var requestId = (await FindAsync(Bob, "inbox", tag)).Single(i => i.Class == "IPM.Schedule.Meeting.Request").Id;
        var (method, requestIcs, requestMessage) = CalendarPart(await MimeAsync(Bob, requestId));
        Assert.Equal("REQUEST", method);
        Assert.Equal("urn:content-classes:calendarmessage", requestMessage.Body!.Headers["Content-class"]);
        var request = Event(requestIcs);
        Assert.Equal(uid, request.Uid);
        var asked = request.Attendees.Single(a => a.Value!.OriginalString == "mailto:" + Bob);
        Assert.Equal(("NEEDS-ACTION", true), (asked.ParticipationStatus, asked.Rsvp));
        Assert.Equal("REQUEST", Ical.Net.Calendar.Load(requestIcs)!.Method);

        // Bob tentatively accepts and proposes 14:00-15:00: Alice's MeetingResponse is an iTIP COUNTER (RFC 5546 §3.2.7).
        (await server.CallAsync(Bob, $"""
            <m:CreateItem MessageDisposition="SendAndSaveCopy">
              <m:Items><t:TentativelyAcceptItem>
                <t:Body BodyType="Text">Afternoons suit me better</t:Body>
                <t:ReferenceItemId Id="{requestId}"/>
                <t:ProposedStart>2030-03-04T14:00:00Z</t:ProposedStart><t:ProposedEnd>2030-03-04T15:00:00Z</t:ProposedEnd>
              </t:TentativelyAcceptItem></m:Items>
            </m:CreateItem>
            """)).Ok();
        var responseId = (await FindAsync(Alice, "inbox", tag)).Single(i => i.Class.StartsWith("IPM.Schedule.Meeting.Resp", StringComparison.Ordinal)).Id;
        var (counterMethod, counterIcs, _) = CalendarPart(await MimeAsync(Alice, responseId));
        Assert.Equal("COUNTER", counterMethod);
        var counter = Event(counterIcs);
        Assert.Equal("COUNTER", Ical.Net.Calendar.Load(counterIcs)!.Method);
        Assert.Equal(uid, counter.Uid);
        Assert.Equal(new DateTime(2030, 3, 4, 14, 0, 0, DateTimeKind.Utc), counter.DtStart!.AsUtc);
        Assert.Equal(new DateTime(2030, 3, 4, 15, 0, 0, DateTimeKind.Utc), counter.DtEnd!.AsUtc);
        var proposer = Assert.Single(counter.Attendees);
        Assert.Equal(("mailto:" + Bob, "TENTATIVE"), (proposer.Value!.OriginalString, proposer.ParticipationStatus));
        Assert.Equal("mailto:" + Alice, counter.Organizer!.Value!.OriginalString);

        // Bob's answer saved in his Sent Items is the same COUNTER; a plain answer is a REPLY.
        (await server.CallAsync(Bob, $"""
            <m:CreateItem MessageDisposition="SendOnly">
              <m:Items><t:AcceptItem><t:ReferenceItemId Id="{(await FindAsync(Bob, "calendar", tag)).Single().Id}"/></t:AcceptItem></m:Items>
            </m:CreateItem>
            """)).Ok();
        var replies = (await FindAsync(Alice, "inbox", tag)).Where(i => i.Class == "IPM.Schedule.Meeting.Resp.Pos").ToList();
        var (replyMethod, replyIcs, _) = CalendarPart(await MimeAsync(Alice, Assert.Single(replies).Id));
        Assert.Equal("REPLY", replyMethod);
        Assert.Equal("ACCEPTED", Assert.Single(Event(replyIcs).Attendees).ParticipationStatus);

        // Alice cancels: Bob's cancellation is METHOD:CANCEL, STATUS:CANCELLED.
        (await server.CallAsync(Alice, $"""
            <m:CreateItem MessageDisposition="SendAndSaveCopy">
              <m:Items><t:CancelCalendarItem><t:ReferenceItemId Id="{meetingId}"/></t:CancelCalendarItem></m:Items>
            </m:CreateItem>
            """)).Ok();
        var cancellationId = (await FindAsync(Bob, "inbox", tag)).Single(i => i.Class == "IPM.Schedule.Meeting.Canceled").Id;
        var (cancelMethod, cancelIcs, _) = CalendarPart(await MimeAsync(Bob, cancellationId));
        Assert.Equal("CANCEL", cancelMethod);
        Assert.Equal("CANCELLED", Event(cancelIcs).Status);

        var read = await PythonCheckAsync(requestIcs, counterIcs, replyIcs, cancelIcs);
        Assert.Equal($"REQUEST {uid} 2030-03-04T09:00:00Z 2030-03-04T10:00:00Z", read[0]);
        Assert.Equal($"COUNTER {uid} 2030-03-04T14:00:00Z 2030-03-04T15:00:00Z", read[1]);
        Assert.StartsWith("REPLY ", read[2], StringComparison.Ordinal);
        Assert.StartsWith("CANCEL ", read[3], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_calendar_item_created_from_DavMails_MimeContent_alone_is_a_meeting_that_invites_its_attendee()
    {
        // DavMail's CalDAV PUT as captured (put_event/022: its MimeContent is tests/data/mime/davmail-put-event-with-attendee.ics,
        // its other fields as sent), with a UID and subject of this run's own.
        var tag = Tag();
        var ics = await File.ReadAllTextAsync(TestData.Path("mime", "davmail-put-event-with-attendee.ics"));
        ics = ics.Replace("research-event-1@example.com", $"davmail-{tag}@example.com", StringComparison.Ordinal).Replace("SUMMARY:Planning", $"SUMMARY:Planning {tag}", StringComparison.Ordinal);
        var created = await server.PostAsync(Alice, Soap.Envelope($"""
            <m:CreateItem SendMeetingInvitations="SendToAllAndSaveCopy" MessageDisposition="SendAndSaveCopy">
              <m:SavedItemFolderId><t:DistinguishedFolderId Id="calendar"/></m:SavedItemFolderId>
              <m:Items><t:CalendarItem>
                <t:MimeContent>{Base64(ics)}</t:MimeContent>
                <t:ReminderIsSet>false</t:ReminderIsSet>
                <t:ExtendedProperty><t:ExtendedFieldURI PropertyTag="0x10f3" PropertyType="String"/><t:Value>davmail-{tag}.ics</t:Value></t:ExtendedProperty>
                <t:LegacyFreeBusyStatus>Free</t:LegacyFreeBusyStatus>
              </t:CalendarItem></m:Items>
            </m:CreateItem>
            """, "Exchange2013", "<t:TimeZoneContext><t:TimeZoneDefinition Id=\"GMT Standard Time\"/></t:TimeZoneContext>"));
        var (id, _) = created.Ok().ItemId();
        var item = await server.GetItemAsync(Alice, id);
        Assert.Equal($"davmail-{tag}@example.com", item.T("UID"));
        Assert.Equal($"Planning {tag}", item.T("Subject"));
        Assert.Equal("Room 1", item.T("Location"));
        Assert.Equal("true", item.T("IsMeeting"));
        Assert.Equal("Free", item.T("LegacyFreeBusyStatus")); // the explicit sibling wins over the content's default
        Assert.Equal("false", item.T("ReminderIsSet"));
        Assert.Equal(Bob, item.Element(T + "RequiredAttendees")!.Descendants(T + "EmailAddress").Single().Value);
        Assert.StartsWith("2030-01-07T09:00:00", item.T("Start"), StringComparison.Ordinal);

        // The invitation went through the meeting workflow: Bob has the request and a tentative copy.
        var bobs = await FindAsync(Bob, "inbox", tag);
        Assert.Equal("IPM.Schedule.Meeting.Request", Assert.Single(bobs).Class);
        var copy = await server.GetItemAsync(Bob, (await FindAsync(Bob, "calendar", tag)).Single().Id);
        Assert.Equal($"davmail-{tag}@example.com", copy.T("UID"));
    }

    [Fact]
    public async Task Fields_beside_MimeContent_in_the_same_request_win_over_its_content()
    {
        var tag = Tag();
        var ics = Ics($"siblings-{tag}", "20300210T100000Z", "20300210T110000Z", "LOCATION:From the content\r\n", $"Content {tag}");
        // Subject comes before MimeContent in this request: the order sent does not matter, the explicit field wins.
        var created = await server.CallAsync(Alice, $"""
            <m:CreateItem SendMeetingInvitations="SendToNone">
              <m:Items><t:CalendarItem>
                <t:MimeContent CharacterSet="UTF-8">{Base64(ics)}</t:MimeContent>
                <t:Subject>Explicit {tag}</t:Subject>
              </t:CalendarItem></m:Items>
            </m:CreateItem>
            """);
        var item = await server.GetItemAsync(Alice, created.Ok().ItemId().Id);
        Assert.Equal($"Explicit {tag}", item.T("Subject"));
        Assert.Equal("From the content", item.T("Location"));
        Assert.Equal($"siblings-{tag}", item.T("UID"));
        Assert.Equal("2030-02-10T10:00:00Z", item.T("Start"));
    }

    [Fact]
    public async Task A_message_created_from_MimeContent_as_Thunderbird_saves_a_draft_takes_its_fields()
    {
        var tag = Tag();
        var rfc5322 = $"From: Alice Martin <{Alice}>\r\nTo: Bob Durand <{Bob}>\r\nCc: carol@example.com\r\nSubject: =?UTF-8?Q?Caf=C3=A9_{tag}?=\r\n" +
            $"Message-ID: <tb-{tag}@example.com>\r\nIn-Reply-To: <parent@example.com>\r\nReferences: <root@example.com> <parent@example.com>\r\n" +
            "Date: Tue, 01 Jan 2030 10:00:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n" +
            "--b1\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nPlain body\r\n--b1\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n<p>HTML body</p>\r\n--b1--\r\n";
        var created = await server.CallAsync(Alice, $"""
            <m:CreateItem MessageDisposition="SaveOnly">
              <m:SavedItemFolderId><t:DistinguishedFolderId Id="drafts"/></m:SavedItemFolderId>
              <m:Items><t:Message><t:MimeContent CharacterSet="UTF-8">{Base64(rfc5322)}</t:MimeContent></t:Message></m:Items>
            </m:CreateItem>
            """);
        var item = await server.GetItemAsync(Alice, created.Ok().ItemId().Id);
        Assert.Equal($"Café {tag}", item.T("Subject"));
        Assert.Equal(Bob, item.Element(T + "ToRecipients")!.Descendants(T + "EmailAddress").Single().Value);
        Assert.Equal("carol@example.com", item.Element(T + "CcRecipients")!.Descendants(T + "EmailAddress").Single().Value);
        Assert.Equal($"<tb-{tag}@example.com>", item.T("InternetMessageId"));
        Assert.Equal("<parent@example.com>", item.T("InReplyTo"));
        Assert.Equal("<root@example.com> <parent@example.com>", item.T("References"));
        Assert.Equal("HTML", (string?)item.Element(T + "Body")!.Attribute("BodyType"));
        Assert.Contains("HTML body", item.T("Body"), StringComparison.Ordinal);
        Assert.Equal("2030-01-01T09:00:00Z", item.T("DateTimeSent"));
    }

    [Fact]
    public async Task UpdateItem_of_item_MimeContent_sets_the_fields_it_carries()
    {
        var tag = Tag();
        var (id, key) = await server.CreateAppointmentAsync(Alice, "Before " + tag, extra: "<t:Location>Old room</t:Location>");
        var uid = (await server.GetItemAsync(Alice, id)).T("UID")!;
        var ics = Ics(uid, "20300108T130000", "20300108T140000", "LOCATION:New room\r\n", "After " + tag).Replace("DTSTART:", "DTSTART;TZID=Europe/Paris:", StringComparison.Ordinal).Replace("DTEND:", "DTEND;TZID=Europe/Paris:", StringComparison.Ordinal);
        (await server.CallAsync(Alice, Requests.SetField(id, key, "item:MimeContent", $"<t:MimeContent>{Base64(ics)}</t:MimeContent>"))).Ok();
        var item = await server.GetItemAsync(Alice, id);
        Assert.Equal("After " + tag, item.T("Subject"));
        Assert.Equal("New room", item.T("Location"));
        Assert.Equal("2030-01-08T12:00:00Z", item.T("Start"));
        Assert.Equal("Romance Standard Time", (string?)item.Element(T + "StartTimeZone")?.Attribute("Id"));
    }

    [Theory]
    [InlineData("QkVHSU46VkNBTEVOREFS", "ErrorMimeContentConversionFailed")] // "BEGIN:VCALENDAR" and nothing more
    [InlineData("bm90IGEgY2FsZW5kYXI=", "ErrorMimeContentConversionFailed")] // "not a calendar"
    [InlineData("%%%not base64%%%", "ErrorMimeContentInvalidBase64String")]
    public async Task Bad_MimeContent_fails_that_item_with_Exchanges_code(string content, string code)
    {
        var response = await server.CallAsync(Alice, $"""
            <m:CreateItem SendMeetingInvitations="SendToNone">
              <m:Items>
                <t:CalendarItem><t:MimeContent>{content}</t:MimeContent></t:CalendarItem>
                <t:CalendarItem><t:Subject>Fine {Tag()}</t:Subject><t:Start>2030-01-07T09:00:00Z</t:Start><t:End>2030-01-07T10:00:00Z</t:End></t:CalendarItem>
              </m:Items>
            </m:CreateItem>
            """);
        Assert.Equal(code, response.Code(0));
        Assert.Equal("NoError", response.Code(1));
    }

    [Fact]
    public async Task A_huge_iCalendar_in_MimeContent_is_refused_within_bounded_time()
    {
        // Most of a request's size limit (1 MiB in the fixture) as nested BEGIN lines: refused before the parser sees it
        // (Ical.Net parses by recursion), and answered at once.
        var nested = "BEGIN:VCALENDAR\r\n" + string.Concat(Enumerable.Repeat("BEGIN:VEVENT\r\n", 40_000));
        var started = Stopwatch.StartNew();
        var response = await server.CallAsync(Alice, $"""
            <m:CreateItem SendMeetingInvitations="SendToNone">
              <m:Items><t:CalendarItem><t:MimeContent>{Base64(nested)}</t:MimeContent></t:CalendarItem></m:Items>
            </m:CreateItem>
            """);
        Assert.Equal("ErrorMimeContentConversionFailed", response.Code());
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"took {started.Elapsed}");
    }

    [Fact]
    public async Task Bob_cannot_overwrite_alices_meeting_by_reusing_its_uid_in_MimeContent()
    {
        var tag = Tag();
        var aliceMeeting = (await server.CallAsync(Alice, Requests.CreateMeeting("Alice's " + tag, [Bob], "2030-04-01T09:00:00Z", "2030-04-01T10:00:00Z"))).Ok().ItemId().Id;
        var uid = (await server.GetItemAsync(Alice, aliceMeeting)).T("UID")!;
        var hostile = Ics(uid, "20300401T200000Z", "20300401T210000Z", $"ORGANIZER:mailto:{Alice}\r\nATTENDEE;ROLE=REQ-PARTICIPANT:mailto:{Alice}\r\n", "Hijacked " + tag);
        (await server.CallAsync(Bob, $"""
            <m:CreateItem SendMeetingInvitations="SendToAllAndSaveCopy">
              <m:Items><t:CalendarItem><t:MimeContent>{Base64(hostile)}</t:MimeContent></t:CalendarItem></m:Items>
            </m:CreateItem>
            """)).Ok();
        var after = await server.GetItemAsync(Alice, aliceMeeting);
        Assert.Equal("Alice's " + tag, after.T("Subject"));
        Assert.Equal("2030-04-01T09:00:00Z", after.T("Start"));
        // Bob's copy of Alice's meeting is untouched too; his own item is a meeting of his own.
        var bobsItems = new List<XElement>();
        foreach (var (id, _) in await FindAsync(Bob, "calendar", tag))
        {
            bobsItems.Add(await server.GetItemAsync(Bob, id));
        }

        Assert.Equal("2030-04-01T09:00:00Z", bobsItems.Single(i => i.T("Subject") == "Alice's " + tag).T("Start"));
        Assert.Equal("2030-04-01T20:00:00Z", bobsItems.Single(i => i.T("Subject") == "Hijacked " + tag).T("Start"));
    }

    [Theory]
    [InlineData("UTC")]
    [InlineData("Greenwich Standard Time")]
    public async Task DavMails_zone_probe_item_in_UTC_has_a_VTIMEZONE_its_table_knows(string zone)
    {
        // Issue 15: before its first PUT DavMail 6 creates an item in its session's zone (put_event 012) and keeps the
        // VTIMEZONE of its MimeContent (014) as that zone. A UTC item had none, so every PUT failed (HTTP 503); and
        // DavMail reads a TZID of "UTC" as London time.
        var create = Captures.Read("davmail", "put_event", "012_CreateItem.xml")
            .Replace("<t:FolderId Id=\"FOLDER-davmailtemp\" ChangeKey=\"CK-root\"/>", "<t:DistinguishedFolderId Id=\"calendar\"/>", StringComparison.Ordinal)
            .Replace("<t:StartTimeZone Id=\"UTC\"/>", $"<t:StartTimeZone Id=\"{zone}\"/>", StringComparison.Ordinal);
        var (id, changeKey) = (await server.PostAsync(Alice, create)).Ok().ItemId();
        var get = Captures.Substitute(Captures.Read("davmail", "put_event", "014_GetItem.xml"), ("CAL-dc7d8e1bdeb0", id), ("CK-CAL-dc7d8e1bdeb0", changeKey));
        var mime = (await server.PostAsync(Alice, get)).Ok().Descendants(T + "MimeContent").Single();
        var ics = Encoding.UTF8.GetString(Convert.FromBase64String(mime.Value));

        var calendar = Ical.Net.Calendar.Load(ics)!;
        var vtimezone = Assert.Single(calendar.TimeZones);
        Assert.Equal("Greenwich Standard Time", vtimezone.TzId);
        Assert.All(vtimezone.TimeZoneInfos, p => Assert.Equal((TimeSpan.Zero, TimeSpan.Zero), (p.OffsetFrom!.Offset, p.OffsetTo!.Offset)));
        var e = Assert.Single(calendar.Events);
        Assert.Equal("Greenwich Standard Time", e.DtStart!.TzId);
        Assert.Equal(new DateTime(2026, 11, 24, 6, 43, 25), e.DtStart.Value);
        Assert.EndsWith("2026-11-24T06:43:25Z 2026-11-25T06:43:25Z", Assert.Single(await PythonCheckAsync(ics)), StringComparison.Ordinal);
    }
}
