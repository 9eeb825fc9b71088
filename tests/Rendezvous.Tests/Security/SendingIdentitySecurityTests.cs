using System.Xml.Linq;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests.Security;

/// <summary>
/// What a user sends is from them: From and Sender are the signed-in user, another address is ErrorSendAsDenied
/// and nothing is delivered. Recipient and attendee addresses that are not addresses are ErrorInvalidRecipients.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class SendingIdentitySecurityTests(ServerFixture server)
{
    private static readonly XNamespace T = EwsResponse.T;
    private const string Alice = ServerFixture.Alice;
    private const string Bob = ServerFixture.Bob;
    private const string Carol = ServerFixture.Carol;

    private static string Tag() => Guid.NewGuid().ToString("N")[..10];

    private static string Mailbox(string address, string? name = null) =>
        $"<t:Mailbox>{(name is null ? "" : $"<t:Name>{name}</t:Name>")}<t:EmailAddress>{address}</t:EmailAddress></t:Mailbox>";

    /// <summary>A message in schema order: Sender, ToRecipients, then From.</summary>
    private static string Message(string subject, string disposition, string to, string? from = null, string? sender = null) =>
        $"""
        <m:CreateItem MessageDisposition="{disposition}">
          <m:Items>
            <t:Message>
              <t:Subject>{subject}</t:Subject>
              <t:Body BodyType="Text">Please wire the money today.</t:Body>
              {(sender is null ? "" : $"<t:Sender>{sender}</t:Sender>")}
              <t:ToRecipients>{to}</t:ToRecipients>
              {(from is null ? "" : $"<t:From>{from}</t:From>")}
            </t:Message>
          </m:Items>
        </m:CreateItem>
        """;

    private async Task<IReadOnlyList<XElement>> FindAsync(string user, string folder, string tag)
    {
        var restriction = $"<t:Contains ContainmentMode=\"Substring\" ContainmentComparison=\"IgnoreCase\"><t:FieldURI FieldURI=\"item:Subject\"/><t:Constant Value=\"{tag}\"/></t:Contains>";
        var found = (await server.CallAsync(user, Requests.FindItem(restriction: restriction, folder: folder, shape: "IdOnly"))).Ok();
        var items = new List<XElement>();
        foreach (var id in found.Descendants(T + "ItemId"))
        {
            items.Add(await server.GetItemAsync(user, (string)id.Attribute("Id")!));
        }

        return items;
    }

    private static (string? Name, string Address) Who(XElement item, string element) =>
        (item.Element(T + element)!.T("Name"), item.Element(T + element)!.T("EmailAddress")!);

    [Theory]
    [InlineData("from")]
    [InlineData("sender")]
    [InlineData("both")]
    public async Task Bob_cannot_send_a_message_as_alice(string spoofed)
    {
        var tag = Tag();
        var alice = Mailbox(Alice, "Alice Martin");
        var body = Message("Urgent " + tag, "SendAndSaveCopy", Mailbox(Carol), from: spoofed is "from" or "both" ? alice : null, sender: spoofed is "sender" or "both" ? alice : null);

        var response = await server.CallAsync(Bob, body);

        Assert.Equal("ErrorSendAsDenied", response.Code());
        Assert.Empty(await FindAsync(Carol, "inbox", tag));
        Assert.Empty(await FindAsync(Bob, "sentitems", tag));
    }

    [Fact]
    public async Task Bob_cannot_send_a_saved_draft_as_alice()
    {
        var tag = Tag();
        var draft = (await server.CallAsync(Bob, Message("Urgent " + tag, "SaveOnly", Mailbox(Carol), from: Mailbox(Alice)))).Ok().ItemId();

        var send = $"""<m:SendItem SaveItemToFolder="true"><m:ItemIds><t:ItemId Id="{draft.Id}" ChangeKey="{draft.ChangeKey}"/></m:ItemIds></m:SendItem>""";
        var response = await server.CallAsync(Bob, send);

        Assert.Equal("ErrorSendAsDenied", response.Code());
        Assert.Empty(await FindAsync(Carol, "inbox", tag));
        Assert.Single(await FindAsync(Bob, "drafts", tag));
    }

    [Fact]
    public async Task A_message_is_from_the_signed_in_user_under_their_own_name()
    {
        var tag = Tag();

        // Bob's own address under Alice's name: the name is Bob's on arrival.
        (await server.CallAsync(Bob, Message("Lunch " + tag, "SendAndSaveCopy", Mailbox(Carol), from: Mailbox(Bob.ToUpperInvariant(), "Alice Martin")))).Ok();

        var received = Assert.Single(await FindAsync(Carol, "inbox", tag));
        Assert.Equal(("Bob Durand", Bob), Who(received, "From"));
        Assert.Equal(("Bob Durand", Bob), Who(received, "Sender"));
        Assert.Equal(("Bob Durand", Bob), Who(Assert.Single(await FindAsync(Bob, "sentitems", tag)), "From"));
    }

    [Fact]
    public async Task Every_meeting_message_is_from_the_user_who_sent_it()
    {
        var tag = Tag();
        var meeting = Requests.CreateMeeting("Review " + tag, [Bob], "2030-06-03T09:00:00Z", "2030-06-03T10:00:00Z");
        var meetingId = (await server.CallAsync(Alice, meeting)).Ok().ItemId().Id;
        var request = Assert.Single(await FindAsync(Bob, "inbox", tag));
        Assert.Equal(("Alice Martin", Alice), Who(request, "From"));
        Assert.Equal(("Alice Martin", Alice), Who(request, "Sender"));

        var accept = $"""<m:CreateItem MessageDisposition="SendAndSaveCopy"><m:Items><t:AcceptItem><t:Sender>{Mailbox(Carol)}</t:Sender><t:ReferenceItemId Id="{request.ItemId().Id}"/></t:AcceptItem></m:Items></m:CreateItem>""";
        (await server.CallAsync(Bob, accept)).Ok();
        var response = Assert.Single(await FindAsync(Alice, "inbox", tag));
        Assert.Equal(("Bob Durand", Bob), Who(response, "From"));
        Assert.Equal(("Bob Durand", Bob), Who(response, "Sender"));

        var cancel = $"""<m:CreateItem MessageDisposition="SendAndSaveCopy"><m:Items><t:CancelCalendarItem><t:ReferenceItemId Id="{meetingId}"/></t:CancelCalendarItem></m:Items></m:CreateItem>""";
        (await server.CallAsync(Alice, cancel)).Ok();
        var cancellation = Assert.Single(await FindAsync(Bob, "inbox", tag), i => i.Name.LocalName == "MeetingCancellation");
        Assert.Equal(("Alice Martin", Alice), Who(cancellation, "From"));
        Assert.Equal(("Alice Martin", Alice), Who(cancellation, "Sender"));
    }

    public static TheoryData<string> NotAddresses => new()
    {
        "carol@example.com&#13;&#10;Bcc: everyone@example.com",
        "carol@example.com&#10;@evil.example",
        "carol@exa&#9;mple.com",
        "Carol Petit &lt;carol@example.com&gt;",
        "carol@example.com, bob@example.com",
        "carol@example.com;bob@example.com",
        "carol example.com",
        "carol@",
        "@example.com",
        "carol@@example.com",
        "carol..petit@example.com",
        "carol@example..com",
        "carol@-example.com",
    };

    [Theory]
    [MemberData(nameof(NotAddresses))]
    public async Task A_recipient_that_is_not_an_address_is_refused(string address)
    {
        var tag = Tag();

        var response = await server.CallAsync(Bob, Message("Hello " + tag, "SendAndSaveCopy", Mailbox(address)));

        Assert.Equal("ErrorInvalidRecipients", response.Code());
        Assert.Empty(await FindAsync(Carol, "inbox", tag));
        Assert.Empty(await FindAsync(Bob, "sentitems", tag));
    }

    [Fact]
    public async Task An_attendee_address_with_a_line_break_is_refused_and_nothing_is_sent()
    {
        var tag = Tag();
        var meeting = Requests.CreateMeeting("Sync " + tag, [Bob, "carol@example.com&#13;&#10;X-Injected: yes"], "2030-06-03T09:00:00Z", "2030-06-03T10:00:00Z");

        var response = await server.CallAsync(Alice, meeting);

        Assert.Equal("ErrorInvalidRecipients", response.Code());
        Assert.Contains("\\u000D\\u000A", response.Messages[0].Element(EwsResponse.M + "MessageText")!.Value, StringComparison.Ordinal);
        Assert.Empty(await FindAsync(Alice, "calendar", tag));
        Assert.Empty(await FindAsync(Bob, "inbox", tag));
    }

    [Fact]
    public async Task An_attendee_added_by_update_must_be_an_address()
    {
        var tag = Tag();
        var (id, changeKey) = await server.CreateAppointmentAsync(Alice, "Plan " + tag);
        var update = $"""
            <m:UpdateItem ConflictResolution="AutoResolve" SendMeetingInvitationsOrCancellations="SendToAllAndSaveCopy">
              <m:ItemChanges><t:ItemChange>
                <t:ItemId Id="{id}" ChangeKey="{changeKey}"/>
                <t:Updates><t:AppendToItemField><t:FieldURI FieldURI="calendar:OptionalAttendees"/><t:CalendarItem><t:OptionalAttendees>
                  <t:Attendee>{Mailbox("bob@example.com&#13;&#10;Bcc: carol@example.com")}</t:Attendee>
                </t:OptionalAttendees></t:CalendarItem></t:AppendToItemField></t:Updates>
              </t:ItemChange></m:ItemChanges>
            </m:UpdateItem>
            """;

        Assert.Equal("ErrorInvalidRecipients", (await server.CallAsync(Alice, update)).Code());
        Assert.Null((await server.GetItemAsync(Alice, id)).Element(T + "OptionalAttendees"));
        Assert.Empty(await FindAsync(Bob, "inbox", tag));
    }

    [Fact]
    public async Task A_forward_to_something_that_is_not_an_address_is_refused()
    {
        var tag = Tag();
        (await server.CallAsync(Alice, Message("Notes " + tag, "SendAndSaveCopy", Mailbox(Bob)))).Ok();
        var received = Assert.Single(await FindAsync(Bob, "inbox", tag)).ItemId();
        var forward = $"""
            <m:CreateItem MessageDisposition="SendAndSaveCopy"><m:Items><t:ForwardItem>
              <t:ToRecipients>{Mailbox("carol@example.com&#13;&#10;Subject: hi")}</t:ToRecipients>
              <t:ReferenceItemId Id="{received.Id}"/>
            </t:ForwardItem></m:Items></m:CreateItem>
            """;

        Assert.Equal("ErrorInvalidRecipients", (await server.CallAsync(Bob, forward)).Code());
        Assert.Empty(await FindAsync(Carol, "inbox", tag));
    }

    [Theory]
    [InlineData("carol@example.com")]
    [InlineData("Carol@Example.COM")]
    [InlineData("carol.petit+rdv@example.com")]
    [InlineData("o'brien@example.com")]
    [InlineData("someone@sub-domain.example.co.uk")]
    [InlineData("jos\u00e9@b\u00fccher.example")]
    public async Task Ordinary_addresses_are_accepted(string address)
    {
        var tag = Tag();

        (await server.CallAsync(Bob, Message("Hello " + tag, "SendAndSaveCopy", Mailbox(address)))).Ok();

        Assert.Equal(address, Assert.Single(await FindAsync(Bob, "sentitems", tag)).Element(T + "ToRecipients")!.T("EmailAddress"));
    }
}
