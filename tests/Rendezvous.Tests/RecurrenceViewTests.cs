using System.Xml.Linq;
using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// Occurrences over HTTP (issue 16): their ids, GetItem by OccurrenceItemId, by an occurrence's own ItemId and by
/// RecurringMasterItemId, CalendarView expansion (masters hidden, exceptions where they are now, deleted occurrences
/// gone, MaxEntriesReturned), the indexed view that does not expand, and availability. Every response is schema-checked
/// by the fixture; each test has a mailbox of its own.
/// </summary>
[Collection(ServerCollection.Name)]
public class RecurrenceViewTests(ServerFixture server)
{
    private static readonly XNamespace T = EwsResponse.T;
    private static readonly XNamespace M = EwsResponse.M;

    // Europe/Paris goes to summer time on Sunday 30 March 2031: a Monday 09:00 Paris series is at 08:00Z before, 07:00Z after.
    private const string ParisSeries = """
        <t:Recurrence>
          <t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday</t:DaysOfWeek></t:WeeklyRecurrence>
          <t:NumberedRecurrence><t:StartDate>2031-03-17</t:StartDate><t:NumberOfOccurrences>4</t:NumberOfOccurrences></t:NumberedRecurrence>
        </t:Recurrence>
        <t:StartTimeZone Id="Romance Standard Time"/>
        <t:EndTimeZone Id="Romance Standard Time"/>
        """;

    private static readonly string[] ParisStarts = ["2031-03-17T08:00:00Z", "2031-03-24T08:00:00Z", "2031-03-31T07:00:00Z", "2031-04-07T07:00:00Z"];

    private async Task<string> NewUserAsync(string name)
    {
        var address = $"{name}-{Guid.NewGuid():N}"[..20] + "@example.com";
        await server.Server.Store.AddUserAsync(address, name, PasswordHasher.Hash(ServerFixture.Password, 1000), CancellationToken.None);
        return address;
    }

    private static string CreateSeries(string subject, string start, string end, string recurrence) =>
        $"""
        <m:CreateItem SendMeetingInvitations="SendToNone">
          <m:SavedItemFolderId><t:DistinguishedFolderId Id="calendar"/></m:SavedItemFolderId>
          <m:Items>
            <t:CalendarItem>
              <t:Subject>{subject}</t:Subject>
              <t:Start>{start}</t:Start>
              <t:End>{end}</t:End>
              <t:LegacyFreeBusyStatus>Busy</t:LegacyFreeBusyStatus>
              <t:Location>Room 3</t:Location>
              {recurrence}
            </t:CalendarItem>
          </m:Items>
        </m:CreateItem>
        """;

    private async Task<string> ParisSeriesAsync(string user, string subject = "Weekly sync") =>
        (await server.CallAsync(user, CreateSeries(subject, "2031-03-17T08:00:00Z", "2031-03-17T08:30:00Z", ParisSeries))).Ok().ItemId().Id;

    private static string CalendarView(string start, string end, string max = "", string additional = "") =>
        $"""
        <m:FindItem Traversal="Shallow">
          <m:ItemShape><t:BaseShape>Default</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="calendar:CalendarItemType"/><t:FieldURI FieldURI="calendar:IsRecurring"/>{additional}</t:AdditionalProperties></m:ItemShape>
          <m:CalendarView {max} StartDate="{start}" EndDate="{end}"/>
          <m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds>
        </m:FindItem>
        """;

    private static string GetByElement(string idElement) =>
        $"""
        <m:GetItem>
          <m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape>
          <m:ItemIds>{idElement}</m:ItemIds>
        </m:GetItem>
        """;

    private static List<XElement> Items(EwsResponse response) => [.. response.Ok().Descendants(T + "CalendarItem")];

    private static string Start(XElement item) => item.Element(T + "Start")!.Value;

    private static string Type(XElement item) => item.Element(T + "CalendarItemType")!.Value;

    private static string Id(XElement item) => (string)item.Element(T + "ItemId")!.Attribute("Id")!;

    /// <summary>Changes the stored master as a later wave's UpdateItem of one occurrence will: deletions and exceptions on the master.</summary>
    private async Task ChangeMasterAsync(string masterId, Action<Item, Series> change)
    {
        var store = server.Server.Store;
        var master = (await store.GetItemAsync(masterId, CancellationToken.None))!;
        var expected = master.ChangeNumber;
        change(master, SeriesItems.SeriesOf(master)!);
        SeriesItems.StampSeriesBounds(master);
        var changes = new ChangeSet();
        changes.Updates.Add((master, expected));
        await store.ApplyAsync(changes, CancellationToken.None);
    }

    [Fact]
    public async Task A_weekly_series_in_Paris_keeps_its_local_time_across_DST_in_a_CalendarView_and_its_master_is_hidden()
    {
        var user = await NewUserAsync("paris");
        var masterId = await ParisSeriesAsync(user);
        await server.CreateAppointmentAsync(user, "Single", "2031-03-19T10:00:00Z", "2031-03-19T11:00:00Z");

        var items = Items(await server.CallAsync(user, CalendarView("2031-03-16T00:00:00Z", "2031-04-14T00:00:00Z")));

        var occurrences = items.Where(i => Type(i) == "Occurrence").ToList();
        Assert.Equal(ParisStarts, occurrences.Select(Start));
        Assert.Single(items, i => Type(i) == "Single");
        Assert.DoesNotContain(items, i => Type(i) == "RecurringMaster");
        Assert.All(occurrences, o => Assert.Equal("true", o.Element(T + "IsRecurring")!.Value));
        // Each occurrence has an ItemId of its own, of the usual length, none the master's.
        var ids = occurrences.Select(Id).ToList();
        Assert.Equal(4, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.Equal(EwsIds.Length, id.Length));
        Assert.DoesNotContain(masterId, ids);
        // In start order, the single between the first two occurrences.
        Assert.Equal(items.Select(Start).Order(StringComparer.Ordinal), items.Select(Start));
    }

    [Fact]
    public async Task A_CalendarView_includes_what_ends_exactly_at_its_StartDate_and_leaves_out_what_starts_at_its_EndDate()
    {
        // calendarview.md: items that end before StartDate, or start on or after EndDate, are not returned; exchangelib's
        // test_view expects the item that ends at StartDate.
        var user = await NewUserAsync("edges");
        await server.CreateAppointmentAsync(user, "Ends at start", "2031-03-17T07:00:00Z", "2031-03-17T08:00:00Z");
        await server.CreateAppointmentAsync(user, "Starts at end", "2031-03-17T09:00:00Z", "2031-03-17T10:00:00Z");
        await ParisSeriesAsync(user);

        var items = Items(await server.CallAsync(user, CalendarView("2031-03-17T08:00:00Z", "2031-03-17T09:00:00Z")));
        Assert.Equal(["Ends at start", "Weekly sync"], items.Select(i => i.Element(T + "Subject")!.Value));

        // The first occurrence (08:00-08:30Z) ends exactly at this view's start.
        var after = Items(await server.CallAsync(user, CalendarView("2031-03-17T08:30:00Z", "2031-03-17T08:45:00Z")));
        Assert.Equal(["Weekly sync"], after.Select(i => i.Element(T + "Subject")!.Value));
    }

    [Fact]
    public async Task OccurrenceItemId_addresses_an_occurrence_by_its_1_based_index_and_answers_its_own_ItemId()
    {
        var user = await NewUserAsync("index");
        var masterId = await ParisSeriesAsync(user);
        var viewIds = Items(await server.CallAsync(user, CalendarView("2031-03-16T00:00:00Z", "2031-04-14T00:00:00Z"))).Select(Id).ToList();

        var third = (await server.CallAsync(user, GetByElement($"""<t:OccurrenceItemId RecurringMasterId="{masterId}" InstanceIndex="3"/>"""))).Ok().Descendants(T + "CalendarItem").Single();

        Assert.Equal("2031-03-31T07:00:00Z", Start(third));
        Assert.Equal("2031-03-31T07:30:00Z", third.Element(T + "End")!.Value);
        Assert.Equal("Occurrence", Type(third));
        Assert.Equal("2031-03-31T07:00:00Z", third.Element(T + "OriginalStart")!.Value);
        Assert.Equal("Weekly sync", third.Element(T + "Subject")!.Value);
        Assert.Equal(viewIds[2], Id(third));
        Assert.Null(third.Element(T + "Recurrence"));
    }

    [Fact]
    public async Task Regression_an_index_beyond_the_range_is_ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange()
    {
        var user = await NewUserAsync("range");
        var masterId = await ParisSeriesAsync(user);

        foreach (var index in new[] { 5, 0, -1 })
        {
            var response = await server.CallAsync(user, GetByElement($"""<t:OccurrenceItemId RecurringMasterId="{masterId}" InstanceIndex="{index}"/>"""));
            Assert.Equal("Error", (string?)response.Single().Attribute("ResponseClass"));
            Assert.Equal("ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange", response.Code());
        }
    }

    [Fact]
    public async Task An_occurrences_own_ItemId_and_RecurringMasterItemId_lead_back_to_it_and_to_its_master()
    {
        var user = await NewUserAsync("roundtrip");
        var masterId = await ParisSeriesAsync(user);
        var occurrenceId = Items(await server.CallAsync(user, CalendarView("2031-03-23T00:00:00Z", "2031-03-25T00:00:00Z"))).Select(Id).Single();

        var occurrence = (await server.CallAsync(user, Requests.GetItem(occurrenceId))).Ok().Descendants(T + "CalendarItem").Single();
        Assert.Equal("2031-03-24T08:00:00Z", Start(occurrence));
        Assert.Equal(occurrenceId, Id(occurrence));

        var master = (await server.CallAsync(user, GetByElement($"""<t:RecurringMasterItemId OccurrenceId="{occurrenceId}"/>"""))).Ok().Descendants(T + "CalendarItem").Single();
        Assert.Equal(masterId, Id(master));
        Assert.Equal("RecurringMaster", Type(master));
        Assert.NotNull(master.Element(T + "Recurrence"));

        Assert.True(EwsIds.TryParseOccurrenceId(occurrenceId, out var parsedMaster, out var index));
        Assert.Equal((masterId, 2), (parsedMaster, index));
    }

    [Fact]
    public async Task Regression_an_altered_occurrence_id_is_malformed_and_another_mailboxs_is_not_found()
    {
        var user = await NewUserAsync("altered");
        var masterId = await ParisSeriesAsync(user);
        var occurrenceId = EwsIds.OccurrenceId(masterId, "ignored", 2);
        var altered = occurrenceId[..40] + (occurrenceId[40] == 'A' ? 'B' : 'A') + occurrenceId[41..];

        Assert.Equal("ErrorInvalidIdMalformed", (await server.CallAsync(user, Requests.GetItem(altered))).Code());
        Assert.Equal("ErrorItemNotFound", (await server.CallAsync(ServerFixture.Bob, Requests.GetItem(occurrenceId))).Code());
        Assert.Equal("ErrorItemNotFound", (await server.CallAsync(ServerFixture.Bob, GetByElement($"""<t:OccurrenceItemId RecurringMasterId="{masterId}" InstanceIndex="1"/>"""))).Code());
    }

    [Fact]
    public async Task Regression_a_deleted_occurrence_is_ErrorCalendarOccurrenceIsDeletedFromRecurrence_and_leaves_every_view()
    {
        var user = await NewUserAsync("deleted");
        var masterId = await ParisSeriesAsync(user);
        await ChangeMasterAsync(masterId, (master, series) => master.DeletedOccurrences = [RecurrenceExpansion.OccurrenceAt(series, 2)!.Value.OriginalStartUtc]);

        var response = await server.CallAsync(user, GetByElement($"""<t:OccurrenceItemId RecurringMasterId="{masterId}" InstanceIndex="2"/>"""));
        Assert.Equal("ErrorCalendarOccurrenceIsDeletedFromRecurrence", response.Code());
        // The others keep their index: the third is still the third.
        var third = (await server.CallAsync(user, GetByElement($"""<t:OccurrenceItemId RecurringMasterId="{masterId}" InstanceIndex="3"/>"""))).Ok().Descendants(T + "CalendarItem").Single();
        Assert.Equal("2031-03-31T07:00:00Z", Start(third));

        var starts = Items(await server.CallAsync(user, CalendarView("2031-03-16T00:00:00Z", "2031-04-14T00:00:00Z"))).Select(Start);
        Assert.Equal([ParisStarts[0], ParisStarts[2], ParisStarts[3]], starts);
    }

    [Fact]
    public async Task Views_kept_between_requests_see_a_series_changed_added_and_deleted_at_once()
    {
        // The server keeps a calendar's masters until the folder's contents stamp moves: each write within the same
        // second as the view before it must still show in the next view.
        var user = await NewUserAsync("kept");
        var view = CalendarView("2031-03-16T00:00:00Z", "2031-04-14T00:00:00Z");
        var masterId = await ParisSeriesAsync(user);
        Assert.Equal(ParisStarts, Items(await server.CallAsync(user, view)).Select(Start));

        await ChangeMasterAsync(masterId, (master, series) => master.DeletedOccurrences = [RecurrenceExpansion.OccurrenceAt(series, 4)!.Value.OriginalStartUtc]);
        Assert.Equal(ParisStarts[..3], Items(await server.CallAsync(user, view)).Select(Start));

        var secondId = await ParisSeriesAsync(user, "Second sync");
        var both = Items(await server.CallAsync(user, view));
        Assert.Equal(7, both.Count);
        Assert.Equal(4, both.Count(i => i.Element(T + "Subject")!.Value == "Second sync"));

        var delete = $"""<m:DeleteItem DeleteType="HardDelete" SendMeetingCancellations="SendToNone"><m:ItemIds><t:ItemId Id="{secondId}"/></m:ItemIds></m:DeleteItem>""";
        (await server.CallAsync(user, delete)).Ok();
        Assert.Equal(ParisStarts[..3], Items(await server.CallAsync(user, view)).Select(Start));
    }

    [Fact]
    public async Task Occurrences_written_from_kept_templates_show_a_masters_change_through_the_store_at_once()
    {
        // A view writes each occurrence's master elements from bytes kept with the master (OccurrenceTemplates): a change
        // made through the store, as another node makes it, within the same second, must show in the very next view.
        var user = await NewUserAsync("template");
        // The shape of a client's week view (the bench's): each of its elements an occurrence writes from its master.
        const string view = """
            <m:FindItem Traversal="Shallow">
              <m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>
                <t:FieldURI FieldURI="item:Subject"/><t:FieldURI FieldURI="item:Sensitivity"/><t:FieldURI FieldURI="calendar:Start"/>
                <t:FieldURI FieldURI="calendar:End"/><t:FieldURI FieldURI="calendar:Location"/><t:FieldURI FieldURI="calendar:LegacyFreeBusyStatus"/>
                <t:FieldURI FieldURI="calendar:IsMeeting"/><t:FieldURI FieldURI="calendar:MyResponseType"/><t:FieldURI FieldURI="calendar:Organizer"/>
              </t:AdditionalProperties></m:ItemShape>
              <m:CalendarView StartDate="2031-03-16T00:00:00Z" EndDate="2031-04-14T00:00:00Z"/>
              <m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds>
            </m:FindItem>
            """;
        var masterId = await ParisSeriesAsync(user);
        static (string?, string?, string?, string?) Fields(XElement i) =>
            (i.Element(T + "Subject")?.Value, i.Element(T + "Location")?.Value, i.Element(T + "LegacyFreeBusyStatus")?.Value, i.Element(T + "Sensitivity")?.Value);
        for (var i = 0; i < 2; i++)
        {
            Assert.All(Items(await server.CallAsync(user, view)), item => Assert.Equal(("Weekly sync", "Room 3", "Busy", (string?)null), Fields(item)));
        }

        await ChangeMasterAsync(masterId, (master, _) => (master.Subject, master.Location, master.LegacyFreeBusyStatus, master.Sensitivity) = ("Renamed sync", "Room 9", "Tentative", "Personal"));
        var renamed = Items(await server.CallAsync(user, view));
        Assert.Equal(ParisStarts, renamed.Select(Start));
        Assert.All(renamed, item => Assert.Equal(("Renamed sync", "Room 9", "Tentative", "Personal"), Fields(item)));

        await ChangeMasterAsync(masterId, (master, series) =>
        {
            master.Location = "Room 10";
            master.DeletedOccurrences = [RecurrenceExpansion.OccurrenceAt(series, 1)!.Value.OriginalStartUtc];
        });
        var last = Items(await server.CallAsync(user, view));
        Assert.Equal(ParisStarts[1..], last.Select(Start));
        Assert.All(last, item => Assert.Equal(("Renamed sync", "Room 10", "Tentative", "Personal"), Fields(item)));
    }

    [Fact]
    public async Task Regression_a_masters_own_times_outside_its_series_never_show_it_in_a_view_or_free_busy()
    {
        // The master's row is indexed by its own Start and End; here a day before its pattern's first occurrence, so
        // its series does not reach a window of that day. The singles' window used to answer it as an item of its own.
        var user = await NewUserAsync("early");
        var masterId = await ParisSeriesAsync(user);
        await ChangeMasterAsync(masterId, (master, _) => (master.Start, master.End) = (master.Start!.Value.AddDays(-1), master.End!.Value.AddDays(-1)));
        var sunday = CalendarView("2031-03-16T00:00:00Z", "2031-03-17T00:00:00Z");

        Assert.Empty(Items(await server.CallAsync(user, sunday)));
        Assert.Equal(ParisStarts, Items(await server.CallAsync(user, CalendarView("2031-03-16T00:00:00Z", "2031-04-14T00:00:00Z"))).Select(Start));
    }

    [Fact]
    public async Task An_exception_shows_where_it_is_now_with_its_changes_and_the_masters_other_fields()
    {
        var user = await NewUserAsync("exception");
        var masterId = await ParisSeriesAsync(user);
        // The fourth occurrence moved to the Wednesday before the third (out of its original slot's window), renamed.
        await ChangeMasterAsync(masterId, (master, series) => master.Exceptions =
        [
            new OccurrenceException(RecurrenceExpansion.OccurrenceAt(series, 4)!.Value.OriginalStartUtc,
                new Item { Start = new DateTime(2031, 3, 26, 12, 0, 0, DateTimeKind.Utc), End = new DateTime(2031, 3, 26, 13, 0, 0, DateTimeKind.Utc), Subject = "Moved sync" }),
        ]);

        var items = Items(await server.CallAsync(user, CalendarView("2031-03-16T00:00:00Z", "2031-04-01T00:00:00Z", additional: """<t:FieldURI FieldURI="calendar:OriginalStart"/>""")));

        Assert.Equal(["2031-03-17T08:00:00Z", "2031-03-24T08:00:00Z", "2031-03-26T12:00:00Z", "2031-03-31T07:00:00Z"], items.Select(Start));
        var exception = items[2];
        Assert.Equal("Exception", Type(exception));
        Assert.Equal("Moved sync", exception.Element(T + "Subject")!.Value);
        Assert.Equal("Room 3", exception.Element(T + "Location")!.Value);
        Assert.Equal("2031-04-07T07:00:00Z", exception.Element(T + "OriginalStart")!.Value);

        var byIndex = (await server.CallAsync(user, GetByElement($"""<t:OccurrenceItemId RecurringMasterId="{masterId}" InstanceIndex="4"/>"""))).Ok().Descendants(T + "CalendarItem").Single();
        Assert.Equal(("Exception", "2031-03-26T12:00:00Z", Id(exception)), (Type(byIndex), Start(byIndex), Id(byIndex)));
    }

    [Fact]
    public async Task MaxEntriesReturned_truncates_an_expanded_view_with_TotalItemsInView_and_IncludesLastItemInRange_false()
    {
        var user = await NewUserAsync("max");
        await ParisSeriesAsync(user);

        var root = (await server.CallAsync(user, CalendarView("2031-03-16T00:00:00Z", "2031-04-14T00:00:00Z", max: "MaxEntriesReturned=\"2\""))).Ok().Element(M + "RootFolder")!;

        Assert.Equal("4", (string?)root.Attribute("TotalItemsInView"));
        Assert.Equal("false", (string?)root.Attribute("IncludesLastItemInRange"));
        Assert.Equal(ParisStarts[..2], root.Descendants(T + "CalendarItem").Select(Start));
    }

    [Fact]
    public async Task An_open_ended_daily_series_expands_in_a_window_years_after_its_start()
    {
        var user = await NewUserAsync("noend");
        const string daily = """
            <t:Recurrence>
              <t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>
              <t:NoEndRecurrence><t:StartDate>2031-01-01</t:StartDate></t:NoEndRecurrence>
            </t:Recurrence>
            """;
        (await server.CallAsync(user, CreateSeries("Daily", "2031-01-01T09:00:00Z", "2031-01-01T09:15:00Z", daily))).Ok();

        var items = Items(await server.CallAsync(user, CalendarView("2038-06-01T00:00:00Z", "2038-06-04T00:00:00Z")));

        Assert.Equal(["2038-06-01T09:00:00Z", "2038-06-02T09:00:00Z", "2038-06-03T09:00:00Z"], items.Select(Start));
    }

    [Fact]
    public async Task Regression_a_CalendarView_with_a_Restriction_or_a_SortOrder_is_ErrorInvalidOperation()
    {
        // Exchange: "Restrictions and sort order may not be specified for a CalendarView." (exchangelib's test_view:
        // view().filter() raises ErrorInvalidOperation); an indexed view takes both.
        var user = await NewUserAsync("viewq");
        await ParisSeriesAsync(user);
        const string bySubject = "<t:Contains ContainmentMode=\"Substring\" ContainmentComparison=\"IgnoreCase\"><t:FieldURI FieldURI=\"item:Subject\"/><t:Constant Value=\"sync\"/></t:Contains>";
        const string byStart = "<t:FieldOrder Order=\"Descending\"><t:FieldURI FieldURI=\"calendar:Start\"/></t:FieldOrder>";
        const string view = "<m:CalendarView StartDate=\"2031-03-01T00:00:00Z\" EndDate=\"2031-05-01T00:00:00Z\"/>";

        Assert.Equal("ErrorInvalidOperation", (await server.CallAsync(user, Requests.FindItem(view, restriction: bySubject))).Code());
        Assert.Equal("ErrorInvalidOperation", (await server.CallAsync(user, Requests.FindItem(view, sort: byStart))).Code());
        Assert.Equal(4, Items(await server.CallAsync(user, Requests.FindItem(view))).Count);
        Assert.Single(Items(await server.CallAsync(user, Requests.FindItem(restriction: bySubject, sort: byStart))));
    }

    [Fact]
    public async Task Regression_a_restriction_or_sort_on_a_recurrence_is_ErrorUnsupportedPathForQuery_or_ForSortGroup()
    {
        var user = await NewUserAsync("unsearch");
        const string onRecurrence = "<t:Exists><t:FieldURI FieldURI=\"calendar:Recurrence\"/></t:Exists>";
        const string byRecurrence = "<t:FieldOrder Order=\"Ascending\"><t:FieldURI FieldURI=\"calendar:Recurrence\"/></t:FieldOrder>";
        const string byFirst = "<t:FieldOrder Order=\"Ascending\"><t:FieldURI FieldURI=\"calendar:FirstOccurrence\"/></t:FieldOrder>";

        // Refused as the request is read: a SOAP fault of that code (as RecurrenceWireTests' restriction), or its message.
        static string CodeOf(EwsResponse r) => r.FaultCode is null ? r.Code() : r.FaultCode.Split(':').Last();
        Assert.Equal("ErrorUnsupportedPathForQuery", CodeOf(await server.CallAsync(user, Requests.FindItem(restriction: onRecurrence))));
        Assert.Equal("ErrorUnsupportedPathForSortGroup", CodeOf(await server.CallAsync(user, Requests.FindItem(sort: byRecurrence))));
        Assert.Equal("ErrorUnsupportedPathForSortGroup", CodeOf(await server.CallAsync(user, Requests.FindItem(sort: byFirst))));
    }

    [Fact]
    public async Task An_indexed_view_lists_the_master_and_not_its_occurrences()
    {
        var user = await NewUserAsync("indexed");
        var masterId = await ParisSeriesAsync(user);

        var items = (await server.CallAsync(user, Requests.FindItem("""<m:IndexedPageItemView MaxEntriesReturned="10" Offset="0" BasePoint="Beginning"/>""")))
            .Ok().Descendants(T + "CalendarItem").ToList();

        Assert.Equal(masterId, Id(Assert.Single(items)));
    }

    [Fact]
    public async Task Availability_counts_occurrences_and_exceptions_and_never_a_deleted_occurrence()
    {
        var user = await NewUserAsync("freebusy");
        var masterId = await ParisSeriesAsync(user);
        await ChangeMasterAsync(masterId, (master, series) =>
        {
            master.DeletedOccurrences = [RecurrenceExpansion.OccurrenceAt(series, 1)!.Value.OriginalStartUtc];
            var second = RecurrenceExpansion.OccurrenceAt(series, 2)!.Value;
            master.Exceptions = [new OccurrenceException(second.OriginalStartUtc, new Item { Start = second.StartUtc.AddHours(2), End = second.EndUtc.AddHours(2) })];
        });

        var body = AvailabilityTests.Request([(user, "Required")], "2031-03-16T00:00:00", "2031-04-14T00:00:00", view: "Detailed");
        var events = (await server.CallAsync(user, body)).Document.Descendants(T + "CalendarEvent").ToList();

        Assert.Equal(["2031-03-24T10:00:00", "2031-03-31T07:00:00", "2031-04-07T07:00:00"], events.Select(e => e.Element(T + "StartTime")!.Value[..19]));
        Assert.All(events, e => Assert.Equal("true", e.Descendants(T + "IsRecurring").Single().Value));
        Assert.Equal(["true", "false", "false"], events.Select(e => e.Descendants(T + "IsException").Single().Value));
    }

    [Fact]
    public void Occurrence_ids_round_trip_for_masters_of_both_formats_and_an_index_change_changes_the_id()
    {
        var mailbox = "mbx-" + Guid.NewGuid().ToString("N");
        var master = EwsIds.NewItemId(mailbox);
        var old = Convert.ToBase64String([0x49, 1, .. Guid.NewGuid().ToByteArray()]);

        foreach (var id in new[] { master, old })
        {
            var first = EwsIds.OccurrenceId(id, mailbox, 1);
            var big = EwsIds.OccurrenceId(id, mailbox, 100_000);
            Assert.Equal(EwsIds.Length, first.Length);
            Assert.True(EwsIds.IsItemId(first));
            Assert.NotEqual(first, big);
            Assert.True(EwsIds.TryParseOccurrenceId(big, out var back, out var index));
            Assert.Equal((id, 100_000), (back, index));
        }

        Assert.False(EwsIds.TryParseOccurrenceId(master, out _, out _));
        Assert.Throws<ArgumentException>(() => EwsIds.OccurrenceId(EwsIds.OccurrenceId(master, mailbox, 1), mailbox, 2));
    }
}

/// <summary><see cref="RecurrenceViewTests"/> with the server on PostgreSQL.</summary>
[Collection(PostgresServerCollection.Name)]
public sealed class PostgresRecurrenceViewTests(PostgresServerFixture server) : RecurrenceViewTests(server);
