using System.Xml.Linq;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>Time zones over HTTP: GetServerTimeZones, zones on create and update, TimeZoneContext, all-day events.</summary>
[Collection(ServerCollection.Name)]
public sealed class TimeZoneTests(ServerFixture server)
{
    private const string User = ServerFixture.Carol;

    private static string Context(string zone) => $"<t:TimeZoneContext><t:TimeZoneDefinition Id=\"{zone}\"/></t:TimeZoneContext>";

    private static string Unique(string prefix) => prefix + " " + Guid.NewGuid().ToString("N")[..8];

    private Task<EwsResponse> CallInAsync(string zone, string body, string version = "Exchange2013_SP1") =>
        server.PostAsync(User, Soap.Envelope(body, version, Context(zone)));

    private async Task<XElement> ReadAsync(string id, string? zone = null)
    {
        var response = zone is null ? await server.CallAsync(User, Requests.GetItem(id)) : await CallInAsync(zone, Requests.GetItem(id));
        return response.Ok().Element(EwsResponse.M + "Items")!.Elements().Single();
    }

    [Fact]
    public async Task GetServerTimeZones_returns_full_definitions_that_exchangelib_can_rebuild()
    {
        var response = await server.CallAsync(User, """
            <m:GetServerTimeZones ReturnFullTimeZoneData="true">
              <m:Ids><t:Id>Romance Standard Time</t:Id><t:Id>Atlantis Standard Time</t:Id><t:Id>UTC</t:Id></m:Ids>
            </m:GetServerTimeZones>
            """);
        var definitions = response.Ok().Descendants(EwsResponse.T + "TimeZoneDefinition").ToList();
        Assert.Equal(["Romance Standard Time", "UTC"], definitions.Select(d => (string)d.Attribute("Id")!));
        var paris = definitions[0];
        Assert.Contains("Paris", (string)paris.Attribute("Name")!, StringComparison.Ordinal);
        var lastGroup = paris.Descendants(EwsResponse.T + "TransitionsGroup").Last();
        var transitions = lastGroup.Elements(EwsResponse.T + "RecurringDayTransition").ToList();
        Assert.Equal(2, transitions.Count);
        Assert.Equal(["PT2H", "3", "Sunday", "-1"], transitions[0].Elements().Skip(1).Select(e => e.Value));
        Assert.Equal(["PT3H", "10", "Sunday", "-1"], transitions[1].Elements().Skip(1).Select(e => e.Value));
        var periods = paris.Descendants(EwsResponse.T + "Period").ToDictionary(p => (string)p.Attribute("Id")!);
        Assert.Equal("-PT2H", (string)periods[transitions[0].T("To")!].Attribute("Bias")!);
        Assert.Equal("Daylight", (string)periods[transitions[0].T("To")!].Attribute("Name")!);
        Assert.Equal("-PT1H", (string)periods[transitions[1].T("To")!].Attribute("Bias")!);
        Assert.Equal("Group", (string)paris.Descendants(EwsResponse.T + "Transitions").Single().Elements().First().Element(EwsResponse.T + "To")!.Attribute("Kind")!);
        var utc = definitions[1];
        Assert.Equal("PT0H", (string)utc.Descendants(EwsResponse.T + "Period").Single().Attribute("Bias")!);
    }

    [Fact]
    public async Task GetServerTimeZones_without_ids_lists_every_zone_by_name()
    {
        var response = await server.CallAsync(User, """<m:GetServerTimeZones ReturnFullTimeZoneData="false"/>""");
        var definitions = response.Ok().Descendants(EwsResponse.T + "TimeZoneDefinition").ToList();
        Assert.True(definitions.Count > 100, definitions.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains(definitions, d => (string?)d.Attribute("Id") == "Eastern Standard Time");
        Assert.All(definitions, d => Assert.Empty(d.Elements()));
    }

    [Fact]
    public async Task Start_without_offset_is_read_in_StartTimeZone_and_times_come_back_in_TimeZoneContext()
    {
        var response = await CallInAsync("Eastern Standard Time", Requests.CreateAppointment(Unique("Paris"), "2026-03-30T09:00:00", "2026-03-30T10:00:00"));
        // No StartTimeZone: unqualified times are read in the TimeZoneContext (New York, UTC-4 on 30 March).
        var inContext = response.Ok().ItemId().Id;
        Assert.Equal("2026-03-30T13:00:00Z", (await ReadAsync(inContext)).T("Start"));
        Assert.Equal("Eastern Standard Time", (string)(await ReadAsync(inContext)).Element(EwsResponse.T + "StartTimeZone")!.Attribute("Id")!);

        // StartTimeZone/EndTimeZone win over the context for Start and End (they come after them in the schema).
        var body = Requests.CreateAppointment(Unique("Paris"), "2026-03-30T09:00:00", "2026-03-30T10:00:00").Replace(
            "</t:CalendarItem>", "<t:StartTimeZone Id=\"Romance Standard Time\"/><t:EndTimeZone Id=\"Romance Standard Time\"/></t:CalendarItem>", StringComparison.Ordinal);
        var paris = (await CallInAsync("Eastern Standard Time", body)).Ok().ItemId().Id;
        Assert.Equal("2026-03-30T07:00:00Z", (await ReadAsync(paris)).T("Start"));
        Assert.Equal("2026-03-30T08:00:00Z", (await ReadAsync(paris)).T("End"));

        // Read back in three contexts: the same instant, written with each zone's offset.
        Assert.Equal("2026-03-30T09:00:00+02:00", (await ReadAsync(paris, "Romance Standard Time")).T("Start"));
        Assert.Equal("2026-03-30T03:00:00-04:00", (await ReadAsync(paris, "Eastern Standard Time")).T("Start"));
        Assert.Equal("2026-03-30T18:00:00+11:00", (await ReadAsync(paris, "AUS Eastern Standard Time")).T("Start"));
        Assert.Equal("2026-03-30T07:00:00Z", (await ReadAsync(paris, "UTC")).T("Start"));
    }

    [Fact]
    public async Task An_IANA_zone_is_kept_as_its_Windows_id_and_an_unknown_zone_is_refused()
    {
        var body = Requests.CreateAppointment(Unique("Sydney"), "2026-10-04T09:00:00", "2026-10-04T10:00:00").Replace(
            "</t:CalendarItem>", "<t:StartTimeZone Id=\"Australia/Sydney\"/></t:CalendarItem>", StringComparison.Ordinal);
        var id = (await server.CallAsync(User, body)).Ok().ItemId().Id;
        var item = await ReadAsync(id);
        Assert.Equal("AUS Eastern Standard Time", (string)item.Element(EwsResponse.T + "StartTimeZone")!.Attribute("Id")!);
        Assert.Equal("AUS Eastern Standard Time", (string)item.Element(EwsResponse.T + "EndTimeZone")!.Attribute("Id")!);
        // 4 October 2026 is the day Sydney moves to UTC+11.
        Assert.Equal("2026-10-03T22:00:00Z", item.T("Start"));

        var unknown = Requests.CreateAppointment(Unique("Nowhere"), "2026-10-04T09:00:00", "2026-10-04T10:00:00").Replace(
            "</t:CalendarItem>", "<t:StartTimeZone Id=\"Atlantis Standard Time\"/></t:CalendarItem>", StringComparison.Ordinal);
        Assert.Equal("ErrorTimeZone", (await server.CallAsync(User, unknown)).Code());

        var badContext = await CallInAsync("Atlantis Standard Time", Requests.GetItem(id));
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, badContext.Status);
        Assert.Contains("ErrorTimeZone", badContext.Document.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Romance Standard Time", "2026-03-29", "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z")]
    [InlineData("Eastern Standard Time", "2026-11-01", "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z")]
    [InlineData("AUS Eastern Standard Time", "2026-04-05", "2026-04-04T13:00:00Z", "2026-04-05T14:00:00Z")]
    [InlineData("UTC", "2026-03-29", "2026-03-29T00:00:00Z", "2026-03-30T00:00:00Z")]
    public async Task An_all_day_event_on_a_DST_day_stays_on_its_date_in_its_zone(string zone, string date, string start, string end)
    {
        // Non-midnight times move out to the surrounding midnights ("Create all-day events by using EWS").
        var body = Requests.CreateAppointment(Unique("Holiday"), $"{date}T10:00:00", $"{date}T11:00:00",
            extra: "<t:IsAllDayEvent>true</t:IsAllDayEvent>").Replace("</t:CalendarItem>", $"<t:StartTimeZone Id=\"{zone}\"/></t:CalendarItem>", StringComparison.Ordinal);
        var id = (await server.CallAsync(User, body)).Ok().ItemId().Id;
        var item = await ReadAsync(id);
        Assert.Equal(start, item.T("Start"));
        Assert.Equal(end, item.T("End"));
        Assert.Equal("true", item.T("IsAllDayEvent"));
        var local = await ReadAsync(id, zone);
        Assert.StartsWith(date + "T00:00:00", local.T("Start"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Changing_the_zone_alone_keeps_the_wall_clock_time()
    {
        var body = Requests.CreateAppointment(Unique("Shift"), "2026-06-20T13:00:00", "2026-06-20T14:00:00").Replace(
            "</t:CalendarItem>", "<t:StartTimeZone Id=\"Eastern Standard Time\"/><t:EndTimeZone Id=\"Eastern Standard Time\"/></t:CalendarItem>", StringComparison.Ordinal);
        var (id, changeKey) = (await server.CallAsync(User, body)).Ok().ItemId();
        Assert.Equal("2026-06-20T17:00:00Z", (await ReadAsync(id)).T("Start"));
        var update = $"""
            <m:UpdateItem ConflictResolution="AlwaysOverwrite" SendMeetingInvitationsOrCancellations="SendToNone">
              <m:ItemChanges><t:ItemChange><t:ItemId Id="{id}" ChangeKey="{changeKey}"/><t:Updates>
                <t:SetItemField><t:FieldURI FieldURI="calendar:StartTimeZone"/><t:CalendarItem><t:StartTimeZone Id="Central Standard Time"/></t:CalendarItem></t:SetItemField>
                <t:SetItemField><t:FieldURI FieldURI="calendar:EndTimeZone"/><t:CalendarItem><t:EndTimeZone Id="Central Standard Time"/></t:CalendarItem></t:SetItemField>
              </t:Updates></t:ItemChange></m:ItemChanges>
            </m:UpdateItem>
            """;
        var (_, newKey) = (await server.CallAsync(User, update)).Ok().ItemId();
        var item = await ReadAsync(id);
        // 13:00 Eastern became 13:00 Central, an hour later in UTC, as the "Update the time zone" article shows.
        Assert.Equal("2026-06-20T18:00:00Z", item.T("Start"));
        Assert.Equal("2026-06-20T19:00:00Z", item.T("End"));

        // A new Start given with the new zone in the same change is read in that zone.
        var both = $"""
            <m:UpdateItem ConflictResolution="AlwaysOverwrite" SendMeetingInvitationsOrCancellations="SendToNone">
              <m:ItemChanges><t:ItemChange><t:ItemId Id="{id}" ChangeKey="{newKey}"/><t:Updates>
                <t:SetItemField><t:FieldURI FieldURI="calendar:Start"/><t:CalendarItem><t:Start>2026-06-20T09:00:00</t:Start></t:CalendarItem></t:SetItemField>
                <t:SetItemField><t:FieldURI FieldURI="calendar:StartTimeZone"/><t:CalendarItem><t:StartTimeZone Id="Romance Standard Time"/></t:CalendarItem></t:SetItemField>
              </t:Updates></t:ItemChange></m:ItemChanges>
            </m:UpdateItem>
            """;
        (await server.CallAsync(User, both)).Ok();
        Assert.Equal("2026-06-20T07:00:00Z", (await ReadAsync(id)).T("Start"));
    }

    [Fact]
    public async Task An_Exchange2007_MeetingTimeZone_is_honoured_and_written_back()
    {
        // As Exchange2007_SP1 clients send it: the legacy rule, here without a name, for US Pacific time.
        var body = Requests.CreateAppointment(Unique("Legacy"), "2026-07-01T09:00:00", "2026-07-01T10:00:00").Replace("</t:CalendarItem>", """
            <t:MeetingTimeZone>
              <t:BaseOffset>PT8H</t:BaseOffset>
              <t:Standard><t:Offset>PT0H</t:Offset><t:RelativeYearlyRecurrence><t:DaysOfWeek>Sunday</t:DaysOfWeek><t:DayOfWeekIndex>First</t:DayOfWeekIndex><t:Month>November</t:Month></t:RelativeYearlyRecurrence><t:Time>02:00:00</t:Time></t:Standard>
              <t:Daylight><t:Offset>-PT1H</t:Offset><t:RelativeYearlyRecurrence><t:DaysOfWeek>Sunday</t:DaysOfWeek><t:DayOfWeekIndex>Second</t:DayOfWeekIndex><t:Month>March</t:Month></t:RelativeYearlyRecurrence><t:Time>02:00:00</t:Time></t:Daylight>
            </t:MeetingTimeZone></t:CalendarItem>
            """, StringComparison.Ordinal);
        var id = (await server.CallAsync(User, body, "Exchange2007_SP1")).Ok().ItemId().Id;
        var item = (await server.CallAsync(User, Requests.GetItem(id, additional: "<t:FieldURI FieldURI=\"calendar:MeetingTimeZone\"/>"), "Exchange2007_SP1")).Ok().Descendants(EwsResponse.T + "CalendarItem").Single();
        Assert.Equal("2026-07-01T16:00:00Z", item.T("Start"));
        var legacy = item.Element(EwsResponse.T + "MeetingTimeZone")!;
        Assert.Equal("PT8H", legacy.T("BaseOffset"));
        Assert.Equal("Second", legacy.Element(EwsResponse.T + "Daylight")!.T("DayOfWeekIndex"));
        var modern = await ReadAsync(id);
        // Several Windows zones follow this rule; the plainest name is chosen.
        Assert.Equal("Pacific Standard Time", (string)modern.Element(EwsResponse.T + "StartTimeZone")!.Attribute("Id")!);
    }

    [Fact]
    public async Task A_CalendarView_window_without_offset_is_read_in_TimeZoneContext()
    {
        var subject = Unique("Window");
        await server.CreateAppointmentAsync(User, subject, "2031-01-10T23:10:00Z", "2031-01-10T23:40:00Z");
        // In Paris that is 00:10 on 11 January: inside the first hour of the 11th in Paris, not in UTC.
        var view = """<m:CalendarView StartDate="2031-01-11T00:00:00" EndDate="2031-01-11T01:00:00"/>""";
        var inParis = await CallInAsync("Romance Standard Time", Requests.FindItem(view));
        Assert.Contains(inParis.Ok().Descendants(EwsResponse.T + "Subject"), s => s.Value == subject);
        var inUtc = await server.CallAsync(User, Requests.FindItem(view));
        Assert.DoesNotContain(inUtc.Ok().Descendants(EwsResponse.T + "Subject"), s => s.Value == subject);
    }
}
