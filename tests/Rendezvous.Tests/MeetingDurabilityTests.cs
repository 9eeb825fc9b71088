using System.Net.Http.Headers;
using System.Text;
using System.Xml.Linq;
using Rendezvous.Domain;
using Rendezvous.Store;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>A response is never half-delivered: kill -9 the server while attendees respond, and check every mailbox agrees.</summary>
public sealed class MeetingDurabilityTests : IDisposable
{
    private static readonly XNamespace T = EwsResponse.T;
    private const string Password = "pw";
    private readonly string data = Path.Combine(Path.GetTempPath(), "rdv-durable-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(data, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Responses_interrupted_by_kill_9_are_all_or_nothing()
    {
        var attendees = Enumerable.Range(0, 12).Select(i => $"a{i:00}@example.com").ToArray();
        await using (var store = await SqliteMailStore.OpenAsync(data, CancellationToken.None))
        {
            foreach (var address in attendees.Prepend("org@example.com"))
            {
                await store.AddUserAsync(address, address, PasswordHasher.Hash(Password, 1000), CancellationToken.None);
            }
        }

        var port = Processes.FreePort();
        var url = new Uri($"http://127.0.0.1:{port}/EWS/Exchange.asmx");
        using var http = new HttpClient();
        string meetingId;
        using (var server = await Processes.StartServerAsync(data, port))
        {
            var required = string.Concat(attendees.Select(a => $"<t:Attendee><t:Mailbox><t:EmailAddress>{a}</t:EmailAddress></t:Mailbox></t:Attendee>"));
            var create = await CallAsync(http, url, "org@example.com",
                $"<m:CreateItem SendMeetingInvitations=\"SendOnlyToAll\"><m:Items><t:CalendarItem><t:Subject>Durable</t:Subject><t:Start>2030-06-03T09:00:00Z</t:Start><t:End>2030-06-03T10:00:00Z</t:End><t:RequiredAttendees>{required}</t:RequiredAttendees></t:CalendarItem></m:Items></m:CreateItem>");
            meetingId = (string)create.Descendants(T + "ItemId").Single().Attribute("Id")!;
            var requests = await Task.WhenAll(attendees.Select(async a => (string)(await CallAsync(http, url, a, Requests.FindItem(folder: "inbox", shape: "IdOnly"))).Descendants(T + "ItemId").Single().Attribute("Id")!));

            var inFlight = attendees.Select((a, i) => CallAsync(http, url, a,
                $"<m:CreateItem MessageDisposition=\"SendAndSaveCopy\"><m:Items><t:AcceptItem><t:ReferenceItemId Id=\"{requests[i]}\"/></t:AcceptItem></m:Items></m:CreateItem>")).ToList();
            await Task.Delay(40);
            server.Kill(); // SIGKILL in the middle of the responses
            await server.WaitForExitAsync();
            foreach (var task in inFlight)
            {
                try
                {
                    await task;
                }
                catch (HttpRequestException)
                {
                    // Cut off by the kill; whatever the attendee saw, the mailboxes must agree.
                }
            }
        }

        using var restarted = await Processes.StartServerAsync(data, port);
        try
        {
            var meeting = await CallAsync(http, url, "org@example.com", Requests.GetItem(meetingId), "Exchange2016");
            var inbox = await CallAsync(http, url, "org@example.com", Requests.FindItem(folder: "inbox", shape: "AllProperties"));
            foreach (var address in attendees)
            {
                var calendar = await CallAsync(http, url, address, Requests.FindItem(folder: "calendar", shape: "AllProperties"));
                var accepted = calendar.Descendants(T + "MyResponseType").Single().Value == "Accept";
                var delivered = inbox.Descendants(T + "From").Count(f => f.Descendants(T + "EmailAddress").Single().Value == address);
                var tracked = meeting.Descendants(T + "Attendee").Single(x => x.Descendants(T + "EmailAddress").Single().Value == address).Element(T + "ResponseType")!.Value == "Accept";
                Assert.True(accepted == tracked && delivered == (accepted ? 1 : 0), $"{address}: accepted={accepted} tracked={tracked} delivered={delivered}");
            }
        }
        finally
        {
            restarted.Kill();
        }
    }

    private static async Task<XDocument> CallAsync(HttpClient http, Uri url, string user, string body, string version = "Exchange2013_SP1")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(Soap.Envelope(body, version), Encoding.UTF8, "text/xml") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + Password)));
        using var response = await http.SendAsync(request);
        var document = XDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.DoesNotContain(document.Descendants(EwsResponse.M + "ResponseCode"), c => c.Value != "NoError");
        return document;
    }
}
