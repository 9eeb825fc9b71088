using System.Xml.Linq;
using Rendezvous.Domain;
using Rendezvous.Store;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>Out of office (issue 17 §6) over HTTP, schema-validated: the settings, and the automatic replies sent on delivery.</summary>
[Collection(ServerCollection.Name)]
public sealed class OofTests(ServerFixture server)
{
    private static readonly XNamespace T = EwsResponse.T;
    private static readonly XNamespace M = EwsResponse.M;

    private async Task<string> NewUserAsync(string name)
    {
        var address = $"{name.ToLowerInvariant()}.{Guid.NewGuid():N}"[..24] + "@example.com";
        await server.Server.Store.AddUserAsync(address, name, PasswordHasher.Hash(ServerFixture.Password, 1000), CancellationToken.None);
        return address;
    }

    private static string Get(string mailbox) =>
        $"<m:GetUserOofSettingsRequest><t:Mailbox><t:Address>{mailbox}</t:Address></t:Mailbox></m:GetUserOofSettingsRequest>";

    private static string Set(string mailbox, string state, string audience = "All", string duration = "", string internalReply = "Away, back Monday.", string externalReply = "Out of the office.") =>
        $"""
        <m:SetUserOofSettingsRequest>
          <t:Mailbox><t:Address>{mailbox}</t:Address></t:Mailbox>
          <t:UserOofSettings>
            <t:OofState>{state}</t:OofState><t:ExternalAudience>{audience}</t:ExternalAudience>{duration}
            <t:InternalReply><t:Message>{internalReply}</t:Message></t:InternalReply>
            <t:ExternalReply><t:Message>{externalReply}</t:Message></t:ExternalReply>
          </t:UserOofSettings>
        </m:SetUserOofSettingsRequest>
        """;

    private static string Duration(DateTime start, DateTime end) =>
        $"<t:Duration><t:StartTime>{start:yyyy-MM-ddTHH:mm:ssZ}</t:StartTime><t:EndTime>{end:yyyy-MM-ddTHH:mm:ssZ}</t:EndTime></t:Duration>";

    private static XElement ResponseMessage(EwsResponse response, string element) =>
        response.Document.Descendants(M + element).Single().Element(M + "ResponseMessage")!;

    private async Task SetOkAsync(string user, string body)
    {
        var message = ResponseMessage(await server.CallAsync(user, body), "SetUserOofSettingsResponse");
        Assert.True((string?)message.Attribute("ResponseClass") == "Success", message.ToString());
    }

    private async Task SendAsync(string from, string to, string subject, string itemClass = "") =>
        (await server.CallAsync(from, $"""
            <m:CreateItem MessageDisposition="SendOnly"><m:Items><t:Message>{(itemClass.Length > 0 ? $"<t:ItemClass>{itemClass}</t:ItemClass>" : "")}<t:Subject>{subject}</t:Subject><t:Body BodyType="Text">hi</t:Body>
              <t:ToRecipients><t:Mailbox><t:EmailAddress>{to}</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></m:Items></m:CreateItem>
            """)).Ok();

    /// <summary>The automatic replies in <paramref name="user"/>'s Inbox, their subjects and bodies.</summary>
    private async Task<List<(string Subject, string From)>> RepliesAsync(string user)
    {
        var found = (await server.CallAsync(user, Requests.FindItem(folder: "inbox", shape: "AllProperties"))).Ok();
        return [.. found.Descendants(T + "Message")
            .Where(m => m.Element(T + "Subject")?.Value.StartsWith("Automatic reply: ", StringComparison.Ordinal) == true)
            .Select(m => (m.Element(T + "Subject")!.Value, m.Element(T + "From")!.Descendants(T + "EmailAddress").Single().Value))];
    }

    [Fact]
    public async Task A_mailbox_that_never_set_it_is_disabled_and_its_settings_round_trip()
    {
        var user = await NewUserAsync("Oof");
        var response = await server.CallAsync(user, Get(user.ToUpperInvariant()));
        Assert.Equal("Success", (string?)ResponseMessage(response, "GetUserOofSettingsResponse").Attribute("ResponseClass"));
        var settings = response.Document.Descendants(T + "OofSettings").Single();
        Assert.Equal("Disabled", settings.Element(T + "OofState")!.Value);
        Assert.NotNull(settings.Element(T + "Duration"));
        Assert.Equal("All", response.Document.Descendants(M + "AllowExternalOof").Single().Value);

        var start = new DateTime(2031, 7, 1, 8, 0, 0, DateTimeKind.Utc);
        await SetOkAsync(user, Set(user, "Scheduled", "Known", Duration(start, start.AddDays(14)), "Internal text", "External text"));
        var read = (await server.CallAsync(user, Get(user))).Document.Descendants(T + "OofSettings").Single();
        Assert.Equal("Scheduled", read.Element(T + "OofState")!.Value);
        Assert.Equal("Known", read.Element(T + "ExternalAudience")!.Value);
        Assert.Equal("2031-07-01T08:00:00Z", read.Element(T + "Duration")!.Element(T + "StartTime")!.Value);
        Assert.Equal("2031-07-15T08:00:00Z", read.Element(T + "Duration")!.Element(T + "EndTime")!.Value);
        Assert.Equal("Internal text", read.Element(T + "InternalReply")!.Element(T + "Message")!.Value);
        Assert.Equal("External text", read.Element(T + "ExternalReply")!.Element(T + "Message")!.Value);
    }

    [Fact]
    public async Task Scheduled_without_a_duration_is_refused_and_another_users_settings_are_not_the_callers()
    {
        var user = await NewUserAsync("Oof");
        var refused = ResponseMessage(await server.CallAsync(user, Set(user, "Scheduled")), "SetUserOofSettingsResponse");
        Assert.Equal("Error", (string?)refused.Attribute("ResponseClass"));

        foreach (var other in new[] { ServerFixture.Bob, "nobody@example.com" })
        {
            Assert.Equal("ErrorAccessDenied", ResponseMessage(await server.CallAsync(user, Get(other)), "GetUserOofSettingsResponse").Element(M + "ResponseCode")!.Value);
            Assert.Equal("ErrorAccessDenied", ResponseMessage(await server.CallAsync(user, Set(other, "Enabled")), "SetUserOofSettingsResponse").Element(M + "ResponseCode")!.Value);
        }

        Assert.Equal("a:ErrorSchemaValidation", (await server.CallAsync(user, Set(user, "Sometimes"))).FaultCode);
    }

    [Fact]
    public async Task An_automatic_reply_is_sent_once_per_sender_per_period_never_to_oneself_nor_to_an_automatic_message()
    {
        var away = await NewUserAsync("Away");
        var sender = await NewUserAsync("Sender");
        var other = await NewUserAsync("Other");
        await SetOkAsync(away, Set(away, "Enabled", internalReply: "On leave until June."));

        await SendAsync(sender, away, "First");
        await SendAsync(sender, away, "Second");
        Assert.Equal([("Automatic reply: First", away)], await RepliesAsync(sender));
        await SendAsync(other, away, "Third");
        Assert.Equal([("Automatic reply: Third", away)], await RepliesAsync(other));

        // Never to oneself, never to an automatic message.
        await SendAsync(away, away, "Note to self");
        Assert.Empty(await RepliesAsync(away));
        var robot = await NewUserAsync("Robot");
        await SendAsync(robot, away, "Auto", itemClass: "IPM.Note.Rules.OofTemplate.Microsoft");
        Assert.Empty(await RepliesAsync(robot));

        // A new setting is a new period: the sender is answered again; disabled, nobody is.
        await SetOkAsync(away, Set(away, "Enabled", internalReply: "Still away."));
        await SendAsync(sender, away, "Fourth");
        Assert.Equal(2, (await RepliesAsync(sender)).Count);
        await SetOkAsync(away, Set(away, "Disabled"));
        await SendAsync(sender, away, "Fifth");
        Assert.Equal(2, (await RepliesAsync(sender)).Count);
    }

    [Fact]
    public async Task A_scheduled_out_of_office_answers_only_within_its_window()
    {
        var away = await NewUserAsync("Later");
        var sender = await NewUserAsync("Sender");
        var now = DateTime.UtcNow;
        await SetOkAsync(away, Set(away, "Scheduled", duration: Duration(now.AddDays(3), now.AddDays(5))));
        await SendAsync(sender, away, "Before");
        Assert.Empty(await RepliesAsync(sender));
        await SetOkAsync(away, Set(away, "Scheduled", duration: Duration(now.AddHours(-1), now.AddDays(1))));
        await SendAsync(sender, away, "During");
        Assert.Equal([("Automatic reply: During", away)], await RepliesAsync(sender));
    }
}

/// <summary>The automatic reply rules on their own (<see cref="OofRules"/>): internal and external senders, audiences, periods.</summary>
public sealed class OofRuleTests
{
    private static readonly DateTime Now = new(2031, 3, 3, 12, 0, 0, DateTimeKind.Utc);

    private static OofReply Decide(OofSettings s, string sender = "x@other.org", bool isInternal = false, bool known = false, string itemClass = "IPM.Note") =>
        OofRules.Decide(s, Now, "me@example.com", sender, isInternal, known, itemClass);

    [Fact]
    public void An_external_sender_gets_the_external_reply_as_the_audience_allows()
    {
        var all = new OofSettings(OofSettings.Enabled, OofSettings.AudienceAll, null, null, "in", "out");
        Assert.Equal(OofReply.External, Decide(all));
        Assert.Equal(OofReply.Internal, Decide(all, "colleague@example.com", isInternal: true));
        Assert.Equal(OofReply.None, Decide(all with { ExternalAudience = OofSettings.AudienceNone }));
        Assert.Equal(OofReply.None, Decide(all with { ExternalAudience = OofSettings.AudienceKnown }));
        Assert.Equal(OofReply.External, Decide(all with { ExternalAudience = OofSettings.AudienceKnown }, known: true));
        Assert.Equal(OofReply.Internal, Decide(all with { ExternalAudience = OofSettings.AudienceNone }, "colleague@example.com", isInternal: true));
    }

    [Fact]
    public void Nobody_answered_this_period_oneself_or_an_automatic_message_gets_a_reply()
    {
        var s = new OofSettings(OofSettings.Enabled, OofSettings.AudienceAll, null, null, "in", "out");
        Assert.Equal(OofReply.None, Decide(s with { Answered = ["x@other.org"] }, "X@Other.org"));
        Assert.Equal(OofReply.None, Decide(s, "ME@example.com", isInternal: true));
        Assert.Equal(OofReply.None, Decide(s, itemClass: "IPM.Note.Rules.OofTemplate.Microsoft"));
        Assert.Equal(OofReply.None, Decide(s, itemClass: "REPORT.IPM.Note.NDR"));
        Assert.Equal(OofReply.None, Decide(s with { State = OofSettings.Disabled }));
        Assert.Equal(OofReply.None, Decide(s with { State = OofSettings.Scheduled, Start = Now.AddHours(1), End = Now.AddDays(1) }));
        Assert.Equal(OofReply.External, Decide(s with { State = OofSettings.Scheduled, Start = Now.AddHours(-1), End = Now.AddDays(1) }));
        Assert.Equal(OofReply.None, Decide(s with { State = OofSettings.Scheduled, Start = Now.AddDays(-2), End = Now }));
    }
}
