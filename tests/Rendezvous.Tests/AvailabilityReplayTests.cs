using System.Net;
using System.Xml.Linq;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// GetUserAvailability driven by the exact requests real clients sent (tests/data/captures/*/free_busy),
/// headers and version included. Their window is 2030-01-07, which other tests also use: checks look for an
/// appointment made here, not at the whole calendar.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class AvailabilityReplayTests(ServerFixture server)
{
    private static readonly XNamespace T = EwsResponse.T;
    private static readonly XNamespace M = EwsResponse.M;

    private async Task<string> BobBusyAsync(string start, string end)
    {
        var subject = "Replay " + Guid.NewGuid().ToString("N")[..8];
        await server.CreateAppointmentAsync(ServerFixture.Bob, subject, start, end);
        return subject;
    }

    private async Task<List<XElement>> ReplayAsync(string client, string file)
    {
        var response = await server.PostAsync(ServerFixture.Alice, Captures.Read(client, "free_busy", file));
        Assert.Equal(HttpStatusCode.OK, response.Status);
        var responses = response.Document.Descendants(M + "FreeBusyResponse").ToList();
        Assert.Equal(2, responses.Count);
        Assert.All(responses, r => Assert.Equal("NoError", r.Element(M + "ResponseMessage")!.Element(M + "ResponseCode")!.Value));
        return responses;
    }

    [Fact]
    public async Task EwsJavascriptApi_window_of_one_date_is_the_whole_day_in_the_TimeZoneContext()
    {
        var subject = await BobBusyAsync("2030-01-07T21:17:00Z", "2030-01-07T21:43:00Z");

        var responses = await ReplayAsync(Captures.EwsJavascriptApi, "001_GetUserAvailabilityRequest.xml");

        // Alice asks for Detailed: her own calendar comes Detailed, Bob's as free/busy only.
        Assert.Equal("Detailed", responses[0].Descendants(T + "FreeBusyViewType").Single().Value);
        var bobs = responses[1].Element(M + "FreeBusyView")!;
        Assert.Equal("FreeBusy", bobs.Element(T + "FreeBusyViewType")!.Value);
        // StartTime equal to EndTime (both 2030-01-07T00:00:00, Greenwich Standard Time): the whole day, so the evening counts.
        var e = Assert.Single(bobs.Descendants(T + "CalendarEvent"), e => e.Element(T + "StartTime")!.Value == "2030-01-07T21:17:00");
        Assert.Equal(("2030-01-07T21:43:00", "Busy"), (e.Element(T + "EndTime")!.Value, e.Element(T + "BusyType")!.Value));
        Assert.Null(e.Element(T + "CalendarEventDetails"));
        Assert.DoesNotContain(subject, bobs.ToString(), StringComparison.Ordinal);
        Assert.NotNull(bobs.Element(T + "WorkingHours"));
    }

    [Fact]
    public async Task Exchangelib_DetailedMerged_in_its_legacy_utc_zone()
    {
        await BobBusyAsync("2030-01-07T17:07:00Z", "2030-01-07T17:21:00Z");

        var responses = await ReplayAsync(Captures.Exchangelib, "002_GetUserAvailabilityRequest.xml");

        Assert.Equal("DetailedMerged", responses[0].Descendants(T + "FreeBusyViewType").Single().Value);
        var bobs = responses[1].Element(M + "FreeBusyView")!;
        Assert.Equal("FreeBusyMerged", bobs.Element(T + "FreeBusyViewType")!.Value);
        // 01:00Z to 18:00Z in 30-minute intervals: 34 digits; 17:07–17:21 falls in the 33rd.
        var merged = bobs.Element(T + "MergedFreeBusy")!.Value;
        Assert.Equal(34, merged.Length);
        Assert.Equal('2', merged[32]);
        Assert.Contains(bobs.Descendants(T + "CalendarEvent"), e => e.Element(T + "StartTime")!.Value == "2030-01-07T17:07:00");
    }
}
