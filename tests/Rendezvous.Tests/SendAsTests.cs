using System.Xml.Linq;
using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// Issue 18 §3 and §5: with a send-as grant a message goes out From the principal alone, with send-on-behalf From the
/// principal and Sender the caller; without either ErrorSendAsDenied and nothing is delivered. Each send for another
/// is one structured access log line. And the scenario of §4: a service account books a meeting for 20 mailboxes.
/// </summary>
public abstract class SendAsCases(GrantsFixture server)
{
    private static readonly XNamespace T = EwsResponse.T;
    private const string Carol = ServerFixture.Carol;

    private static string Tag() => Guid.NewGuid().ToString("N")[..10];

    /// <summary>Two fresh mailboxes: an assistant and the manager they may (or may not) send for.</summary>
    private async Task<(string Assistant, string Manager)> PairAsync(GrantKind? right)
    {
        var tag = Tag();
        var assistant = await server.AddUserAsync($"assistant-{tag}@example.com", "Assistant " + tag);
        var manager = await server.AddUserAsync($"manager-{tag}@example.com", "Manager " + tag);
        if (right is { } kind)
        {
            await server.Store.AddGrantAsync(assistant.MailboxId, kind, manager.MailboxId, CancellationToken.None);
        }

        return (assistant.Address, manager.Address);
    }

    private static string Mailbox(string address) => $"<t:Mailbox><t:EmailAddress>{address}</t:EmailAddress></t:Mailbox>";

    private static string Message(string subject, string disposition, string to, string? from = null, string? sender = null) =>
        $"""
        <m:CreateItem MessageDisposition="{disposition}">
          <m:SavedItemFolderId><t:DistinguishedFolderId Id="sentitems"/></m:SavedItemFolderId>
          <m:Items>
            <t:Message>
              <t:Subject>{subject}</t:Subject>
              <t:Body BodyType="Text">Minutes attached.</t:Body>
              {(sender is null ? "" : $"<t:Sender>{Mailbox(sender)}</t:Sender>")}
              <t:ToRecipients>{Mailbox(to)}</t:ToRecipients>
              {(from is null ? "" : $"<t:From>{Mailbox(from)}</t:From>")}
            </t:Message>
          </m:Items>
        </m:CreateItem>
        """;

    private async Task<List<XElement>> FindAsync(string user, string folder, string tag, string? impersonating = null)
    {
        var find = Requests.FindItem(restriction: $"<t:Contains ContainmentMode=\"Substring\" ContainmentComparison=\"IgnoreCase\"><t:FieldURI FieldURI=\"item:Subject\"/><t:Constant Value=\"{tag}\"/></t:Contains>", folder: folder, shape: "IdOnly");
        var found = (impersonating is null ? await server.CallAsync(user, find) : await server.AsAsync(user, impersonating, find)).Ok();
        var items = new List<XElement>();
        foreach (var id in found.Descendants(T + "ItemId"))
        {
            var get = Requests.GetItem((string)id.Attribute("Id")!);
            var item = impersonating is null ? await server.CallAsync(user, get) : await server.AsAsync(user, impersonating, get);
            items.Add(item.Ok().Element(EwsResponse.M + "Items")!.Elements().Single());
        }

        return items;
    }

    private static string? Address(XElement item, string element) => item.Element(T + element)?.T("EmailAddress");

    [Fact]
    public async Task With_send_as_the_message_goes_out_from_the_principal_alone()
    {
        var (assistant, manager) = await PairAsync(GrantKind.SendAs);
        var tag = Tag();

        (await server.CallAsync(assistant, Message("Minutes " + tag, "SendAndSaveCopy", Carol, from: manager))).Ok();

        var received = Assert.Single(await FindAsync(Carol, "inbox", tag));
        Assert.Equal((manager, manager), (Address(received, "From"), Address(received, "Sender")));
        Assert.Single(await FindAsync(assistant, "sentitems", tag));
        var line = Assert.Single(server.AccessLines, l => l.Values.GetValueOrDefault("Actor") == assistant);
        Assert.Equal(("send-as", manager, "CreateItem"), (line.Values["Access"], line.Values["Mailbox"], line.Values["Operation"]));
    }

    [Fact]
    public async Task With_send_on_behalf_the_message_names_the_principal_and_its_sender()
    {
        var (assistant, manager) = await PairAsync(GrantKind.SendOnBehalf);
        var tag = Tag();

        (await server.CallAsync(assistant, Message("Minutes " + tag, "SendOnly", Carol, from: manager))).Ok();

        var received = Assert.Single(await FindAsync(Carol, "inbox", tag));
        Assert.Equal((manager, assistant), (Address(received, "From"), Address(received, "Sender")));
        var line = Assert.Single(server.AccessLines, l => l.Values.GetValueOrDefault("Actor") == assistant);
        Assert.Equal(("send-on-behalf", manager), (line.Values["Access"], line.Values["Mailbox"]));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(GrantKind.Impersonation)]
    public async Task Without_a_sending_right_the_message_is_refused_and_not_delivered(GrantKind? right)
    {
        var (assistant, manager) = await PairAsync(right);
        var tag = Tag();

        var response = await server.CallAsync(assistant, Message("Minutes " + tag, "SendAndSaveCopy", Carol, from: manager));

        Assert.Equal("ErrorSendAsDenied", response.Code());
        Assert.Empty(await FindAsync(Carol, "inbox", tag));
        Assert.DoesNotContain(server.AccessLines, l => l.Values.GetValueOrDefault("Actor") == assistant);
    }

    [Fact]
    public async Task A_send_as_grant_does_not_let_the_sender_name_a_third_mailbox()
    {
        var (assistant, manager) = await PairAsync(GrantKind.SendAs);
        var tag = Tag();

        var response = await server.CallAsync(assistant, Message("Minutes " + tag, "SendOnly", Carol, from: manager, sender: ServerFixture.Bob));

        Assert.Equal("ErrorSendAsDenied", response.Code());
        Assert.Empty(await FindAsync(Carol, "inbox", tag));
    }

    [Fact]
    public async Task A_draft_saved_from_the_principal_is_sent_as_them_with_the_grant()
    {
        var (assistant, manager) = await PairAsync(GrantKind.SendAs);
        var tag = Tag();
        var draft = (await server.CallAsync(assistant, Message("Draft " + tag, "SaveOnly", Carol, from: manager).Replace("sentitems", "drafts", StringComparison.Ordinal))).Ok().ItemId();

        (await server.CallAsync(assistant, $"""<m:SendItem SaveItemToFolder="false"><m:ItemIds><t:ItemId Id="{draft.Id}" ChangeKey="{draft.ChangeKey}"/></m:ItemIds></m:SendItem>""")).Ok();

        Assert.Equal(manager, Address(Assert.Single(await FindAsync(Carol, "inbox", tag)), "From"));
    }

    [Fact]
    public async Task Impersonating_a_mailbox_sends_as_its_owner_with_no_other_sender()
    {
        var tag = Tag();

        (await server.AsAsync(GrantsFixture.Service, ServerFixture.Alice, Message("Reminder " + tag, "SendOnly", Carol))).Ok();

        var received = Assert.Single(await FindAsync(Carol, "inbox", tag));
        Assert.Equal((ServerFixture.Alice, ServerFixture.Alice), (Address(received, "From"), Address(received, "Sender")));
    }

    [Fact]
    public void A_delegate_sends_a_steps_meeting_messages_on_behalf_and_a_moved_message_keeps_its_sender()
    {
        var assistant = new EmailAddress("Assistant", "assistant@example.com");
        var organizer = new EmailAddress("Manager", "manager@example.com");
        var context = new WorkflowContext(new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc), _ => "id") { OnBehalfSender = assistant };
        var request = new Item { Kind = ItemKind.MeetingRequest, From = organizer, Sender = organizer };
        var meeting = new Item { Kind = ItemKind.CalendarItem, Organizer = organizer };
        var decision = new Decision();

        decision.Create(request, new Place("m", "inbox"), context);
        decision.Create(meeting, new Place("m", "calendar"), context);
        var received = new Item { Kind = ItemKind.MeetingRequest, From = organizer, Sender = organizer, Id = "old" };
        decision.Move(new PlacedItem(received, "inbox"), received.Clone(), new Place("m", "deleteditems"), context);

        Assert.Equal((organizer, assistant), (request.From, request.Sender));
        Assert.Null(meeting.Sender);
        Assert.Equal(organizer, decision.Creates[^1].Item.Sender);
    }

    /// <summary>
    /// Issue 18's scenario: a booking service impersonates an organizer to create a meeting with 20 attendees, then each
    /// attendee's mailbox to accept it; the organizer's tracking shows all 20 answers.
    /// </summary>
    [Fact]
    public async Task A_service_account_impersonating_20_mailboxes_books_a_meeting()
    {
        var tag = Tag();
        var organizer = (await server.AddUserAsync($"organizer-{tag}@example.com", "Organizer")).Address;
        var attendees = new List<string>();
        for (var i = 1; i <= 20; i++)
        {
            attendees.Add((await server.AddUserAsync($"attendee{i:00}-{tag}@example.com", $"Attendee {i}")).Address);
        }

        var meeting = (await server.AsAsync(GrantsFixture.Service, organizer, Requests.CreateMeeting("Kick-off " + tag, attendees, "2030-06-03T09:00:00Z", "2030-06-03T10:00:00Z"))).Ok().ItemId();
        foreach (var attendee in attendees)
        {
            var request = Assert.Single(await FindAsync(GrantsFixture.Service, "inbox", tag, impersonating: attendee));
            Assert.Equal(organizer, Address(request, "From"));
            var accept = $"""
                <m:CreateItem MessageDisposition="SendAndSaveCopy"><m:Items><t:AcceptItem>
                <t:ReferenceItemId Id="{request.ItemId().Id}"/></t:AcceptItem></m:Items></m:CreateItem>
                """;
            (await server.AsAsync(GrantsFixture.Service, attendee, accept)).Ok();
        }

        var tracked = (await server.AsAsync(GrantsFixture.Service, organizer, Requests.GetItem(meeting.Id))).Ok();
        foreach (var attendee in attendees)
        {
            Assert.Equal("Accept", tracked.AttendeeRow(attendee).Element(T + "ResponseType")!.Value);
        }

        // 1 creation + 20 finds, 20 reads, 20 answers + the tracking read: each impersonated request one access line.
        Assert.Equal(62, server.AccessLines.Count(l => l.Values.GetValueOrDefault("Access") == "impersonation" && (l.Values.GetValueOrDefault("Mailbox") ?? "").Contains(tag, StringComparison.Ordinal)));
    }
}

/// <summary>On the data folder's SQLite store.</summary>
public sealed class SendAsTests(GrantsFixture server) : SendAsCases(server), IClassFixture<GrantsFixture>;

/// <summary>The same on the PostgreSQL store (its grant, delegate and permission tables).</summary>
public sealed class PostgresSendAsTests(PostgresGrantsFixture server) : SendAsCases(server), IClassFixture<PostgresGrantsFixture>;
