using System.Xml.Linq;
using Rendezvous.Protocol;
using Rendezvous.Store;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>GetUserAvailability over HTTP; every response is schema-checked by the fixture. Each test uses its own dates or mailboxes.</summary>
[Collection(ServerCollection.Name)]
public class AvailabilityTests(ServerFixture server)
{
    private static readonly XNamespace T = EwsResponse.T;
    private static readonly XNamespace M = EwsResponse.M;
    private const string Alice = ServerFixture.Alice;
    private const string Bob = ServerFixture.Bob;

    /// <summary>A request body the way exchangelib writes it (no t:TimeZone unless given: times then read in UTC).</summary>
    public static string Request(IEnumerable<(string Address, string Type)> mailboxes, string start, string end, string view = "DetailedMerged", int? interval = 30, string timeZone = "", string suggestions = "", bool freeBusy = true) =>
        $"""
        <m:GetUserAvailabilityRequest>
          {timeZone}
          <m:MailboxDataArray>{string.Concat(mailboxes.Select(m => $"<t:MailboxData><t:Email><t:Address>{m.Address}</t:Address></t:Email><t:AttendeeType>{m.Type}</t:AttendeeType><t:ExcludeConflicts>false</t:ExcludeConflicts></t:MailboxData>"))}</m:MailboxDataArray>
          {(freeBusy ? $"<t:FreeBusyViewOptions><t:TimeWindow><t:StartTime>{start}</t:StartTime><t:EndTime>{end}</t:EndTime></t:TimeWindow>{(interval is { } i ? $"<t:MergedFreeBusyIntervalInMinutes>{i}</t:MergedFreeBusyIntervalInMinutes>" : "")}<t:RequestedView>{view}</t:RequestedView></t:FreeBusyViewOptions>" : "")}
          {suggestions}
        </m:GetUserAvailabilityRequest>
        """;

    /// <summary>An appointment with the fields free/busy reads, in schema order.</summary>
    private async Task<string> AppointmentAsync(string user, string subject, string start, string end, string status = "Busy", string sensitivity = "Normal", string folder = "calendar")
    {
        var body = $"""
            <m:CreateItem SendMeetingInvitations="SendToNone">
              <m:SavedItemFolderId><t:DistinguishedFolderId Id="{folder}"/></m:SavedItemFolderId>
              <m:Items>
                <t:CalendarItem>
                  <t:Subject>{subject}</t:Subject>
                  <t:Sensitivity>{sensitivity}</t:Sensitivity>
                  <t:Start>{start}</t:Start>
                  <t:End>{end}</t:End>
                  <t:LegacyFreeBusyStatus>{status}</t:LegacyFreeBusyStatus>
                  <t:Location>Room 7</t:Location>
                </t:CalendarItem>
              </m:Items>
            </m:CreateItem>
            """;
        return (await server.CallAsync(user, body)).Ok().ItemId().Id;
    }

    private static IReadOnlyList<XElement> Responses(EwsResponse response)
    {
        Assert.Equal(System.Net.HttpStatusCode.OK, response.Status);
        return [.. response.Document.Descendants(M + "FreeBusyResponse")];
    }

    private static XElement View(XElement freeBusyResponse)
    {
        Assert.Equal("Success", (string?)freeBusyResponse.Element(M + "ResponseMessage")!.Attribute("ResponseClass"));
        return freeBusyResponse.Element(M + "FreeBusyView")!;
    }

    private static List<XElement> Events(XElement view) => [.. view.Descendants(T + "CalendarEvent")];

    /// <summary>A mailbox of its own for tests that set working hours or need an empty calendar.</summary>
    private async Task<string> NewUserAsync(string name)
    {
        var address = $"{name}-{Guid.NewGuid():N}"[..20] + "@example.com";
        await server.Server.Store.AddUserAsync(address, name, PasswordHasher.Hash(ServerFixture.Password, 1000), CancellationToken.None);
        return address;
    }

    [Theory]
    [InlineData("MergedOnly", true, false, false)]
    [InlineData("FreeBusy", false, true, false)]
    [InlineData("FreeBusyMerged", true, true, false)]
    [InlineData("Detailed", false, true, true)]
    [InlineData("DetailedMerged", true, true, true)]
    public async Task Each_requested_view_returns_what_it_names_for_the_callers_own_mailbox(string view, bool merged, bool events, bool details)
    {
        var user = await NewUserAsync("views");
        await AppointmentAsync(user, "Standup", "2031-01-06T09:00:00Z", "2031-01-06T10:00:00Z");

        var response = await server.CallAsync(user, Request([(user, "Required")], "2031-01-06T08:00:00", "2031-01-06T12:00:00", view, 60));

        var fb = View(Assert.Single(Responses(response)));
        Assert.Equal(view, fb.Element(T + "FreeBusyViewType")!.Value);
        Assert.Equal(merged ? "0200" : null, fb.Element(T + "MergedFreeBusy")?.Value);
        Assert.Equal(events, fb.Element(T + "CalendarEventArray") is not null);
        Assert.Equal(events, fb.Element(T + "WorkingHours") is not null);
        if (events)
        {
            var e = Assert.Single(Events(fb));
            Assert.Equal(("2031-01-06T09:00:00", "2031-01-06T10:00:00", "Busy"), (e.T("StartTime"), e.T("EndTime"), e.T("BusyType")));
            Assert.Equal(details, e.Element(T + "CalendarEventDetails") is not null);
            if (details)
            {
                Assert.Equal(("Standup", "Room 7", "false"), (e.T("Subject"), e.T("Location"), e.T("IsPrivate")));
            }
        }
    }

    [Fact]
    public async Task The_merged_string_keeps_the_highest_classification_of_each_interval_as_in_the_docs_example()
    {
        var user = await NewUserAsync("merged");
        await AppointmentAsync(user, "Away", "2031-01-07T09:00:00Z", "2031-01-07T10:00:00Z", "OOF");
        await AppointmentAsync(user, "Work", "2031-01-07T10:00:00Z", "2031-01-07T11:30:00Z", "Busy");
        await AppointmentAsync(user, "Maybe", "2031-01-07T10:30:00Z", "2031-01-07T11:00:00Z", "Tentative");
        await AppointmentAsync(user, "Nothing", "2031-01-07T11:45:00Z", "2031-01-07T12:00:00Z", "Free");

        var fb = View(Assert.Single(Responses(await server.CallAsync(user, Request([(user, "Required")], "2031-01-07T09:00:00", "2031-01-07T13:00:00", "FreeBusyMerged", 60)))));

        // LEARN:mergedfreebusy: OOF 60 minutes, busy 90 minutes, then free → 3220 (a free item counts as free).
        Assert.Equal("3220", fb.T("MergedFreeBusy"));
        Assert.Equal(["OOF", "Busy", "Tentative", "Free"], Events(fb).Select(e => e.T("BusyType")!));
    }

    [Fact]
    public async Task Another_mailbox_shows_free_busy_only_and_a_private_item_shows_its_details_to_its_owner_only()
    {
        var user = await NewUserAsync("private");
        await AppointmentAsync(user, "Doctor", "2031-01-08T09:00:00Z", "2031-01-08T10:00:00Z", sensitivity: "Private");
        var body = Request([(user, "Required")], "2031-01-08T00:00:00", "2031-01-09T00:00:00", "DetailedMerged");

        var own = View(Assert.Single(Responses(await server.CallAsync(user, body))));
        var others = View(Assert.Single(Responses(await server.CallAsync(Bob, body))));

        Assert.Equal("DetailedMerged", own.T("FreeBusyViewType"));
        var details = Events(own).Single().Element(T + "CalendarEventDetails")!;
        Assert.Equal(("Doctor", "true"), (details.T("Subject"), details.T("IsPrivate")));
        Assert.Equal("FreeBusyMerged", others.T("FreeBusyViewType"));
        var e = Assert.Single(Events(others));
        Assert.Null(e.Element(T + "CalendarEventDetails"));
        Assert.DoesNotContain("Doctor", others.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Items_partly_inside_are_whole_and_deleted_items_and_other_folders_do_not_count()
    {
        var user = await NewUserAsync("count");
        await AppointmentAsync(user, "Overnight", "2031-01-09T22:00:00Z", "2031-01-10T02:00:00Z");
        var deleted = await AppointmentAsync(user, "Deleted", "2031-01-10T09:00:00Z", "2031-01-10T10:00:00Z");
        Assert.Equal("NoError", (await server.CallAsync(user, $"<m:DeleteItem DeleteType=\"MoveToDeletedItems\" SendMeetingCancellations=\"SendToNone\"><m:ItemIds><t:ItemId Id=\"{deleted}\"/></m:ItemIds></m:DeleteItem>")).Code());
        await AppointmentAsync(user, "Elsewhere", "2031-01-10T13:00:00Z", "2031-01-10T14:00:00Z", folder: "tasks");

        var fb = View(Assert.Single(Responses(await server.CallAsync(user, Request([(user, "Required")], "2031-01-10T00:00:00", "2031-01-11T00:00:00", "DetailedMerged", 60)))));

        var events = Events(fb);
        var overnight = Assert.Single(events, e => e.T("Subject") == "Overnight");
        Assert.Equal(("2031-01-09T22:00:00", "2031-01-10T02:00:00"), (overnight.T("StartTime"), overnight.T("EndTime")));
        Assert.DoesNotContain(events, e => e.T("Subject") is "Deleted" or "Elsewhere");
        Assert.Equal("22" + new string('0', 22), fb.T("MergedFreeBusy"));
    }

    [Fact]
    public async Task An_unknown_mailbox_fails_alone_in_its_place_and_the_others_are_answered_in_order()
    {
        var response = await server.CallAsync(Alice, Request([(Bob, "Required"), ("nobody@example.com", "Required"), (Alice, "Organizer")], "2031-01-11T00:00:00", "2031-01-12T00:00:00"));

        var responses = Responses(response);
        Assert.Equal(3, responses.Count);
        Assert.Equal("FreeBusyMerged", View(responses[0]).T("FreeBusyViewType"));
        var failed = responses[1].Element(M + "ResponseMessage")!;
        Assert.Equal(("Error", "ErrorMailRecipientNotFound"), ((string?)failed.Attribute("ResponseClass"), failed.Element(M + "ResponseCode")!.Value));
        Assert.Equal("None", responses[1].Element(M + "FreeBusyView")?.T("FreeBusyViewType"));
        Assert.Equal("DetailedMerged", View(responses[2]).T("FreeBusyViewType"));
    }

    [Fact]
    public async Task A_hundred_mailboxes_are_answered_in_request_order_and_a_hundred_and_one_are_refused()
    {
        var hundred = Enumerable.Range(0, 100).Select(i => (i % 10 == 0 ? Bob : $"ghost{i}@example.com", "Required")).ToList();

        var responses = Responses(await server.CallAsync(Alice, Request(hundred, "2031-01-12T00:00:00", "2031-01-13T00:00:00", "FreeBusy")));
        Assert.Equal(100, responses.Count);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(i % 10 == 0 ? "NoError" : "ErrorMailRecipientNotFound", responses[i].Element(M + "ResponseMessage")!.Element(M + "ResponseCode")!.Value);
        }

        var refused = await server.CallAsync(Alice, Request([.. hundred, (Alice, "Required")], "2031-01-12T00:00:00", "2031-01-13T00:00:00", "FreeBusy"));
        Assert.Equal("a:ErrorIndividualMailboxLimitReached", refused.FaultCode);
    }

    [Theory]
    [InlineData("2031-01-01T00:00:00", "2031-02-12T00:00:01", 30, "DetailedMerged", "a:ErrorTimeIntervalTooBig")]
    [InlineData("2031-01-02T00:00:00", "2031-01-01T00:00:00", 30, "DetailedMerged", "a:ErrorInvalidTimeInterval")]
    [InlineData("2031-01-01T00:00:00", "2031-01-02T00:00:00", 4, "DetailedMerged", "a:ErrorInvalidMergedFreeBusyInterval")]
    [InlineData("2031-01-01T00:00:00", "2031-01-02T00:00:00", 1441, "DetailedMerged", "a:ErrorInvalidMergedFreeBusyInterval")]
    [InlineData("2031-01-01T00:00:00", "2031-01-02T00:00:00", 30, "None", "a:ErrorInvalidFreeBusyViewType")]
    public async Task Whole_request_errors_are_faults(string start, string end, int interval, string view, string fault)
    {
        var response = await server.CallAsync(Alice, Request([(Alice, "Required")], start, end, view, interval));

        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, response.Status);
        Assert.Equal(fault, response.FaultCode);
    }

    [Fact]
    public async Task Forty_two_days_and_the_interval_limits_themselves_are_accepted()
    {
        var fb = View(Assert.Single(Responses(await server.CallAsync(Alice, Request([(Alice, "Required")], "2031-01-01T00:00:00", "2031-02-12T00:00:00", "MergedOnly", 1440)))));
        Assert.Equal(42, fb.T("MergedFreeBusy")!.Length);
        fb = View(Assert.Single(Responses(await server.CallAsync(Alice, Request([(Alice, "Required")], "2031-01-01T00:00:00", "2031-01-01T01:00:00", "MergedOnly", 5)))));
        Assert.Equal(12, fb.T("MergedFreeBusy")!.Length);
    }

    /// <summary>Central European rules in the legacy form, as Outlook and the EWS Managed API write them.</summary>
    public const string ParisLegacyZone =
        """
        <t:TimeZone>
          <t:Bias>-60</t:Bias>
          <t:StandardTime><t:Bias>0</t:Bias><t:Time>03:00:00</t:Time><t:DayOrder>5</t:DayOrder><t:Month>10</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek></t:StandardTime>
          <t:DaylightTime><t:Bias>-60</t:Bias><t:Time>02:00:00</t:Time><t:DayOrder>5</t:DayOrder><t:Month>3</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek></t:DaylightTime>
        </t:TimeZone>
        """;

    [Fact]
    public async Task A_legacy_time_zone_reads_the_window_and_writes_the_times_on_its_wall_clock_across_the_spring_change()
    {
        var user = await NewUserAsync("legacy");
        // 2031-03-30 is the last Sunday of March: 00:00 CET is 23:00Z the day before, and the day has 23 hours.
        await AppointmentAsync(user, "Brunch", "2031-03-30T10:00:00Z", "2031-03-30T11:00:00Z");
        await AppointmentAsync(user, "Late", "2031-03-29T22:30:00Z", "2031-03-29T23:30:00Z");

        var fb = View(Assert.Single(Responses(await server.CallAsync(user, Request([(user, "Required")], "2031-03-30T00:00:00", "2031-03-31T00:00:00", "DetailedMerged", 60, ParisLegacyZone)))));

        var merged = fb.T("MergedFreeBusy")!;
        Assert.Equal(23, merged.Length);
        // 10:00Z is 12:00 CEST, the twelfth elapsed hour after 00:00 CET (23:00Z): index 11.
        Assert.Equal("2" + new string('0', 10) + "2" + new string('0', 11), merged);
        var brunch = Events(fb).Single(e => e.T("Subject") == "Brunch");
        Assert.Equal(("2031-03-30T12:00:00", "2031-03-30T13:00:00"), (brunch.T("StartTime"), brunch.T("EndTime")));
        var late = Events(fb).Single(e => e.T("Subject") == "Late");
        Assert.Equal(("2031-03-29T23:30:00", "2031-03-30T00:30:00"), (late.T("StartTime"), late.T("EndTime")));
    }

    [Fact]
    public async Task Working_hours_set_in_the_store_come_back_in_their_zone_with_its_rules()
    {
        var user = await NewUserAsync("hours");
        var mailbox = (await server.Server.Store.FindUserAsync(user, CancellationToken.None))!.MailboxId;
        await server.Server.Store.SetWorkingHoursAsync(mailbox, new WorkingHours([DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday], 540, 1080, "Europe/Paris"), CancellationToken.None);

        var fb = View(Assert.Single(Responses(await server.CallAsync(Alice, Request([(user, "Required")], "2031-06-02T00:00:00", "2031-06-03T00:00:00", "FreeBusy")))));

        var hours = fb.Element(T + "WorkingHours")!;
        var period = hours.Descendants(T + "WorkingPeriod").Single();
        Assert.Equal(("Monday Tuesday Wednesday Thursday", "540", "1080"), (period.T("DayOfWeek"), period.T("StartTimeInMinutes"), period.T("EndTimeInMinutes")));
        var zone = hours.Element(T + "TimeZone")!;
        Assert.Equal("-60", zone.Element(T + "Bias")!.Value);
        Assert.Equal(("-60", "3", "5", "Sunday", "02:00:00"), (zone.Element(T + "DaylightTime")!.T("Bias"), zone.Element(T + "DaylightTime")!.T("Month"), zone.Element(T + "DaylightTime")!.T("DayOrder"), zone.Element(T + "DaylightTime")!.T("DayOfWeek"), zone.Element(T + "DaylightTime")!.T("Time")));
        Assert.Equal(("0", "10", "03:00:00"), (zone.Element(T + "StandardTime")!.T("Bias"), zone.Element(T + "StandardTime")!.T("Month"), zone.Element(T + "StandardTime")!.T("Time")));
    }

    private static string SuggestionOptions(string start, string end, int duration = 60, int maxPerDay = 48, string minimum = "Poor", int nonWork = 0) =>
        $"""
        <t:SuggestionsViewOptions>
          <t:GoodThreshold>25</t:GoodThreshold>
          <t:MaximumResultsByDay>{maxPerDay}</t:MaximumResultsByDay>
          <t:MaximumNonWorkHourResultsByDay>{nonWork}</t:MaximumNonWorkHourResultsByDay>
          <t:MeetingDurationInMinutes>{duration}</t:MeetingDurationInMinutes>
          <t:MinimumSuggestionQuality>{minimum}</t:MinimumSuggestionQuality>
          <t:DetailedSuggestionsWindow><t:StartTime>{start}</t:StartTime><t:EndTime>{end}</t:EndTime></t:DetailedSuggestionsWindow>
        </t:SuggestionsViewOptions>
        """;

    private async Task<string> UtcWorkerAsync(string name)
    {
        var user = await NewUserAsync(name);
        var mailbox = (await server.Server.Store.FindUserAsync(user, CancellationToken.None))!.MailboxId;
        await server.Server.Store.SetWorkingHoursAsync(mailbox, new WorkingHours([DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday], 540, 1020, "UTC"), CancellationToken.None);
        return user;
    }

    [Fact]
    public async Task Suggestions_rank_times_by_free_attendees_within_working_hours_with_conflict_data_per_attendee()
    {
        var organizer = await UtcWorkerAsync("org");
        var attendee = await UtcWorkerAsync("att");
        await AppointmentAsync(attendee, "Busy morning", "2031-04-07T09:00:00Z", "2031-04-07T12:00:00Z");

        var response = await server.CallAsync(organizer, Request(
            [(organizer, "Organizer"), (attendee, "Required"), ("ghost@example.com", "Required")],
            "", "", suggestions: SuggestionOptions("2031-04-07T00:00:00", "2031-04-08T00:00:00"), freeBusy: false));

        Assert.Equal(System.Net.HttpStatusCode.OK, response.Status);
        Assert.Empty(response.Document.Descendants(M + "FreeBusyResponseArray"));
        var suggestions = response.Document.Descendants(M + "SuggestionsResponse").Single();
        Assert.Equal("NoError", suggestions.Element(M + "ResponseMessage")!.Element(M + "ResponseCode")!.Value);
        var day = suggestions.Descendants(T + "SuggestionDayResult").Single();
        Assert.Equal(("2031-04-07T00:00:00", "Excellent"), (day.T("Date"), day.T("DayQuality")));
        var all = day.Descendants(T + "Suggestion").ToList();
        // 09:00 to 16:00 every half hour: within working hours only (MaximumNonWorkHourResultsByDay 0).
        Assert.Equal(15, all.Count);
        Assert.Equal("2031-04-07T09:00:00", all[0].T("MeetingTime"));
        Assert.Equal("2031-04-07T16:00:00", all[^1].T("MeetingTime"));
        Assert.All(all, s => Assert.Equal("true", s.T("IsWorkTime")));
        var nine = all[0];
        // One of two counted attendees free: 50 %, under GoodThreshold + 50 = 75 %: Fair.
        Assert.Equal("Fair", nine.T("SuggestionQuality"));
        Assert.Equal(["IndividualAttendeeConflictData", "IndividualAttendeeConflictData", "UnknownAttendeeConflictData"],
            nine.Element(T + "AttendeeConflictDataArray")!.Elements().Select(e => e.Name.LocalName));
        Assert.Equal(["Free", "Busy"], nine.Descendants(T + "BusyType").Select(b => b.Value));
        var one = all.Single(s => s.T("MeetingTime") == "2031-04-07T13:00:00");
        Assert.Equal("Excellent", one.T("SuggestionQuality"));

        // MinimumSuggestionQuality and MaximumResultsByDay: the best times, shown in time order.
        var best = await server.CallAsync(organizer, Request(
            [(organizer, "Organizer"), (attendee, "Required")],
            "", "", suggestions: SuggestionOptions("2031-04-07T00:00:00", "2031-04-08T00:00:00", maxPerDay: 3, minimum: "Good"), freeBusy: false));
        Assert.Equal(["2031-04-07T12:00:00", "2031-04-07T12:30:00", "2031-04-07T13:00:00"], best.Document.Descendants(T + "MeetingTime").Select(t => t.Value));
    }

    [Fact]
    public async Task Off_hours_suggestions_come_only_when_asked_for()
    {
        var organizer = await UtcWorkerAsync("off");

        var response = await server.CallAsync(organizer, Request(
            [(organizer, "Organizer")], "", "", suggestions: SuggestionOptions("2031-04-12T00:00:00", "2031-04-14T00:00:00", maxPerDay: 2, nonWork: 1), freeBusy: false));

        var days = response.Document.Descendants(T + "SuggestionDayResult").ToList();
        // Saturday and Sunday: no working hours, so only the one off-hours suggestion each day allows.
        Assert.Equal(2, days.Count);
        Assert.All(days, d => Assert.Equal("false", Assert.Single(d.Descendants(T + "Suggestion")).T("IsWorkTime")));
    }
}

/// <summary>The same on the PostgreSQL store (its reads of many mailboxes at once).</summary>
[Collection(PostgresServerCollection.Name)]
public sealed class PostgresAvailabilityTests(PostgresServerFixture server) : AvailabilityTests(server);
