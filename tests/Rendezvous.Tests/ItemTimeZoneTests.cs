using System.Xml.Linq;
using Rendezvous.Protocol;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// Issue 15 §1: an item's time zones carry their full definition (Exchange2010 and later), the Exchange2007_SP1 form
/// for that version, and a full definition sent back on CreateItem/UpdateItem is accepted.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ItemTimeZoneTests(ServerFixture server)
{
    private const string User = ServerFixture.Carol;
    private const string Paris = "Romance Standard Time";

    private static string Unique(string prefix) => prefix + " " + Guid.NewGuid().ToString("N")[..8];

    private static string Zones(string zone) => $"<t:StartTimeZone Id=\"{zone}\"/><t:EndTimeZone Id=\"{zone}\"/>";

    private async Task<string> CreateAsync(string zones, string version = "Exchange2013_SP1")
    {
        var body = Requests.CreateAppointment(Unique("Zone"), "2026-07-01T09:00:00", "2026-07-01T10:00:00")
            .Replace("</t:CalendarItem>", zones + "</t:CalendarItem>", StringComparison.Ordinal);
        return (await server.CallAsync(User, body, version)).Ok().ItemId().Id;
    }

    private async Task<XElement> ReadAsync(string id, string version = "Exchange2013_SP1", string additional = "") =>
        (await server.CallAsync(User, Requests.GetItem(id, additional: additional), version)).Ok().Element(EwsResponse.M + "Items")!.Elements().Single();

    private async Task<XElement> ServerDefinitionAsync(string zone) =>
        (await server.CallAsync(User, $"<m:GetServerTimeZones ReturnFullTimeZoneData=\"true\"><m:Ids><t:Id>{zone}</t:Id></m:Ids></m:GetServerTimeZones>"))
            .Ok().Descendants(EwsResponse.T + "TimeZoneDefinition").Single();

    private static string Content(XElement zone) => string.Concat(zone.Elements().Select(e => e.ToString(SaveOptions.DisableFormatting)));

    [Theory]
    [InlineData("Exchange2010")]
    [InlineData("Exchange2013_SP1")]
    [InlineData("Exchange2016")]
    public async Task Bind_got_StartTimeZone_without_Periods_so_the_Managed_API_rejected_it(string version)
    {
        var id = await CreateAsync(Zones(Paris));
        var item = await ReadAsync(id, version);
        var expected = Content(await ServerDefinitionAsync(Paris));
        foreach (var name in new[] { "StartTimeZone", "EndTimeZone" })
        {
            var zone = item.Element(EwsResponse.T + name)!;
            Assert.Equal(Paris, (string?)zone.Attribute("Id"));
            Assert.NotEmpty(zone.Element(EwsResponse.T + "Periods")!.Elements());
            Assert.NotEmpty(zone.Element(EwsResponse.T + "TransitionsGroups")!.Elements());
            Assert.NotEmpty(zone.Element(EwsResponse.T + "Transitions")!.Elements());
            // Exactly what GetServerTimeZones gives for the zone: one writer for both.
            Assert.Equal(expected, Content(zone));
        }
    }

    [Fact]
    public async Task An_Exchange2007_SP1_request_got_no_zone_at_all_in_AllProperties()
    {
        var id = await CreateAsync(Zones("Eastern Standard Time"));
        var legacy = await ReadAsync(id, "Exchange2007_SP1");
        Assert.Null(legacy.Element(EwsResponse.T + "StartTimeZone"));
        Assert.Null(legacy.Element(EwsResponse.T + "EndTimeZone"));
        var meeting = legacy.Element(EwsResponse.T + "MeetingTimeZone")!;
        Assert.Equal("Eastern Standard Time", (string?)meeting.Attribute("TimeZoneName"));
        Assert.Equal("PT5H", meeting.T("BaseOffset"));
        Assert.Equal("Second", meeting.Element(EwsResponse.T + "Daylight")!.T("DayOfWeekIndex"));
        Assert.Contains("Eastern", legacy.T("TimeZone"), StringComparison.Ordinal);
        // The legacy elements come in schema order: TimeZone after Duration, MeetingTimeZone after AppointmentState.
        var names = legacy.Elements().Select(e => e.Name.LocalName).ToList();
        Assert.True(names.IndexOf("Duration") < names.IndexOf("TimeZone") && names.IndexOf("TimeZone") < names.IndexOf("MeetingTimeZone"), string.Join(",", names));

        // Later versions keep to StartTimeZone/EndTimeZone; the legacy forms only when named.
        var current = await ReadAsync(id);
        Assert.Null(current.Element(EwsResponse.T + "MeetingTimeZone"));
        Assert.Null(current.Element(EwsResponse.T + "TimeZone"));
        Assert.NotNull(current.Element(EwsResponse.T + "StartTimeZone"));
    }

    [Fact]
    public async Task A_full_definition_sent_back_on_CreateItem_keeps_its_Id()
    {
        var definition = await ServerDefinitionAsync(Paris);
        var start = new XElement(definition) { Name = EwsResponse.T + "StartTimeZone" };
        var end = new XElement(definition) { Name = EwsResponse.T + "EndTimeZone" };
        var id = await CreateAsync(start.ToString(SaveOptions.DisableFormatting) + end.ToString(SaveOptions.DisableFormatting));
        var item = await ReadAsync(id);
        Assert.Equal(Paris, (string?)item.Element(EwsResponse.T + "StartTimeZone")!.Attribute("Id"));
        Assert.Equal(Paris, (string?)item.Element(EwsResponse.T + "EndTimeZone")!.Attribute("Id"));
        // 09:00 in Paris in July (UTC+2).
        Assert.Equal("2026-07-01T07:00:00Z", item.T("Start"));
    }

    /// <summary>A custom definition as the EWS Managed API builds one from a machine's zone: Windows-style period and group ids.</summary>
    private static string Custom(string element, string id, string standardBias, string daylightBias) => $"""
        <t:{element} Id="{id}" Name="Custom">
          <t:Periods>
            <t:Period Bias="{standardBias}" Name="Standard" Id="trule:Microsoft/Registry/Custom/2006-Standard"/>
            <t:Period Bias="{daylightBias}" Name="Daylight" Id="trule:Microsoft/Registry/Custom/2006-Daylight"/>
          </t:Periods>
          <t:TransitionsGroups>
            <t:TransitionsGroup Id="0">
              <t:RecurringDayTransition><t:To Kind="Period">trule:Microsoft/Registry/Custom/2006-Daylight</t:To><t:TimeOffset>P0DT2H0M0.0S</t:TimeOffset><t:Month>3</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek><t:Occurrence>-1</t:Occurrence></t:RecurringDayTransition>
              <t:RecurringDayTransition><t:To Kind="Period">trule:Microsoft/Registry/Custom/2006-Standard</t:To><t:TimeOffset>P0DT3H0M0.0S</t:TimeOffset><t:Month>10</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek><t:Occurrence>5</t:Occurrence></t:RecurringDayTransition>
            </t:TransitionsGroup>
          </t:TransitionsGroups>
          <t:Transitions><t:Transition><t:To Kind="Group">0</t:To></t:Transition></t:Transitions>
        </t:{element}>
        """;

    [Fact]
    public async Task A_definition_with_an_unknown_Id_is_the_known_zone_that_follows_its_rules()
    {
        var id = await CreateAsync(Custom("StartTimeZone", "Customized Time Zone", "-P0DT1H0M0.0S", "-P0DT2H0M0.0S"));
        var item = await ReadAsync(id);
        Assert.Equal(Paris, (string?)item.Element(EwsResponse.T + "StartTimeZone")!.Attribute("Id"));
        Assert.Equal("2026-07-01T07:00:00Z", item.T("Start"));
    }

    [Fact]
    public async Task A_definition_no_known_zone_follows_is_ErrorTimeZone()
    {
        var body = Requests.CreateAppointment(Unique("Nowhere"), "2026-07-01T09:00:00", "2026-07-01T10:00:00")
            .Replace("</t:CalendarItem>", Custom("StartTimeZone", "Nowhere Standard Time", "-PT13H17M", "-PT14H17M") + "</t:CalendarItem>", StringComparison.Ordinal);
        var response = await server.CallAsync(User, body);
        Assert.Equal("ErrorTimeZone", response.Code());
    }

    [Fact]
    public async Task UpdateItem_accepts_a_full_definition()
    {
        var (id, changeKey) = (await server.CallAsync(User, Requests.CreateAppointment(Unique("Move"), "2026-07-01T09:00:00Z", "2026-07-01T10:00:00Z")
            .Replace("</t:CalendarItem>", Zones("UTC") + "</t:CalendarItem>", StringComparison.Ordinal))).Ok().ItemId();
        var definition = new XElement(await ServerDefinitionAsync("Tokyo Standard Time")) { Name = EwsResponse.T + "StartTimeZone" };
        var update = Requests.SetField(id, changeKey, "calendar:StartTimeZone", definition.ToString(SaveOptions.DisableFormatting));
        (await server.CallAsync(User, update)).Ok();
        var item = await ReadAsync(id);
        Assert.Equal("Tokyo Standard Time", (string?)item.Element(EwsResponse.T + "StartTimeZone")!.Attribute("Id"));
        Assert.NotEmpty(item.Element(EwsResponse.T + "StartTimeZone")!.Descendants(EwsResponse.T + "Period"));
    }

    [Theory]
    [InlineData("Exchange2007_SP1")]
    [InlineData("Exchange2010")]
    [InlineData("Exchange2013_SP1")]
    public async Task Every_version_s_zones_are_schema_valid_in_GetItem_and_FindItem(string version)
    {
        // The fixture validates every response against the schema; these name every zone element there is.
        var id = await CreateAsync(Zones("AUS Eastern Standard Time"), version == "Exchange2007_SP1" ? "Exchange2010" : version);
        const string all = "<t:FieldURI FieldURI=\"calendar:MeetingTimeZone\"/><t:FieldURI FieldURI=\"calendar:TimeZone\"/><t:FieldURI FieldURI=\"calendar:StartTimeZone\"/><t:FieldURI FieldURI=\"calendar:EndTimeZone\"/>";
        var item = await ReadAsync(id, version, all);
        Assert.NotNull(item.Element(EwsResponse.T + "MeetingTimeZone"));
        Assert.Equal(version != "Exchange2007_SP1", item.Element(EwsResponse.T + "StartTimeZone") is not null);
        var find = (await server.CallAsync(User, Requests.FindItem(shape: "AllProperties"), version)).Ok();
        Assert.NotEmpty(find.Descendants(EwsResponse.T + "CalendarItem"));
    }

    [Fact]
    public void A_zone_s_definition_is_built_once_and_shared_by_every_item()
    {
        Assert.Same(TimeZones.Definition(Paris), TimeZones.Definition(Paris));
        Assert.Same(TimeZones.Definition(Paris), TimeZones.TryDefinition(Paris));
    }
}
