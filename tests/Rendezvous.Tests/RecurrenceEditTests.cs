using System.Xml.Linq;
using Rendezvous.Store;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// Editing series over HTTP (issue 16): UpdateItem of one occurrence (it becomes an exception on the master) and of an
/// exception, the boundary errors, DeleteItem of one occurrence, of the last one and of the series, MoveItem/CopyItem
/// of an occurrence refused and of a master with its exceptions, errors for ids naming no occurrence on every write path,
/// SyncFolderItems reporting the master only. Every response is schema-checked by the fixture.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class RecurrenceEditTests(ServerFixture server)
{
    private static readonly XNamespace T = EwsResponse.T;

    // A daily series of five, 09:00-09:30 UTC, 2031-05-05 (a Monday) to 2031-05-09.
    private const string DailyFive = """
        <t:Recurrence>
          <t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>
          <t:NumberedRecurrence><t:StartDate>2031-05-05</t:StartDate><t:NumberOfOccurrences>5</t:NumberOfOccurrences></t:NumberedRecurrence>
        </t:Recurrence>
        <t:StartTimeZone Id="UTC"/>
        <t:EndTimeZone Id="UTC"/>
        """;

    private async Task<string> NewUserAsync(string name)
    {
        var address = $"{name}-{Guid.NewGuid():N}"[..20] + "@example.com";
        await server.Server.Store.AddUserAsync(address, name, PasswordHasher.Hash(ServerFixture.Password, 1000), CancellationToken.None);
        return address;
    }

    private async Task<(string Id, string ChangeKey)> SeriesAsync(string user, string recurrence = DailyFive) =>
        (await server.CallAsync(user, $"""
            <m:CreateItem SendMeetingInvitations="SendToNone">
              <m:SavedItemFolderId><t:DistinguishedFolderId Id="calendar"/></m:SavedItemFolderId>
              <m:Items>
                <t:CalendarItem>
                  <t:Subject>Standup</t:Subject>
                  <t:Start>2031-05-05T09:00:00Z</t:Start>
                  <t:End>2031-05-05T09:30:00Z</t:End>
                  <t:Location>Room 1</t:Location>
                  {recurrence}
                </t:CalendarItem>
              </m:Items>
            </m:CreateItem>
            """)).Ok().ItemId();

    private static string Occurrence(string masterId, int index) => $"""<t:OccurrenceItemId RecurringMasterId="{masterId}" InstanceIndex="{index}"/>""";

    private static string Update(string idElement, string setFields) => $"""
        <m:UpdateItem ConflictResolution="AlwaysOverwrite" SendMeetingInvitationsOrCancellations="SendToNone">
          <m:ItemChanges><t:ItemChange>{idElement}<t:Updates>{setFields}</t:Updates></t:ItemChange></m:ItemChanges>
        </m:UpdateItem>
        """;

    private static string Set(string field, string value) =>
        $"""<t:SetItemField><t:FieldURI FieldURI="calendar:{field}"/><t:CalendarItem><t:{field}>{value}</t:{field}></t:CalendarItem></t:SetItemField>""";

    private static string SetSubject(string value) =>
        $"""<t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:CalendarItem><t:Subject>{value}</t:Subject></t:CalendarItem></t:SetItemField>""";

    private static string Delete(string idElement) => $"""
        <m:DeleteItem DeleteType="MoveToDeletedItems" SendMeetingCancellations="SendToNone"><m:ItemIds>{idElement}</m:ItemIds></m:DeleteItem>
        """;

    private static string Get(string idElement) => $"""
        <m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape><m:ItemIds>{idElement}</m:ItemIds></m:GetItem>
        """;

    private static string View() => """
        <m:FindItem Traversal="Shallow">
          <m:ItemShape><t:BaseShape>Default</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="calendar:CalendarItemType"/></t:AdditionalProperties></m:ItemShape>
          <m:CalendarView StartDate="2031-05-01T00:00:00Z" EndDate="2031-05-20T00:00:00Z"/>
          <m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds>
        </m:FindItem>
        """;

    private async Task<List<XElement>> ViewAsync(string user) => [.. (await server.CallAsync(user, View())).Ok().Descendants(T + "CalendarItem")];

    private async Task<XElement> GetAsync(string user, string idElement) =>
        (await server.CallAsync(user, Get(idElement))).Ok().Descendants(T + "CalendarItem").Single();

    [Fact]
    public async Task UpdateItem_of_an_occurrence_makes_it_an_exception_answered_with_its_own_id_and_the_masters_new_ChangeKey()
    {
        var user = await NewUserAsync("edit");
        var (masterId, masterKey) = await SeriesAsync(user);

        var response = await server.CallAsync(user, Update(Occurrence(masterId, 2),
            SetSubject("Moved standup") + Set("Start", "2031-05-06T11:00:00Z") + Set("End", "2031-05-06T11:45:00Z")));

        var (id, changeKey) = response.Ok().ItemId();
        var master = await GetAsync(user, $"""<t:ItemId Id="{masterId}"/>""");
        Assert.NotEqual(masterKey, master.ItemId().ChangeKey);
        Assert.Equal(master.ItemId().ChangeKey, changeKey);
        var modified = Assert.Single(master.Element(T + "ModifiedOccurrences")!.Elements(T + "Occurrence"));
        Assert.Equal(id, (string)modified.Element(T + "ItemId")!.Attribute("Id")!);
        Assert.Equal("2031-05-06T11:00:00Z", modified.Element(T + "Start")!.Value);
        Assert.Equal("2031-05-06T09:00:00Z", modified.Element(T + "OriginalStart")!.Value);
        Assert.Equal("Standup", master.Element(T + "Subject")!.Value);

        var exception = await GetAsync(user, $"""<t:ItemId Id="{id}"/>""");
        Assert.Equal("Exception", exception.Element(T + "CalendarItemType")!.Value);
        Assert.Equal("Moved standup", exception.Element(T + "Subject")!.Value);
        Assert.Equal("2031-05-06T11:45:00Z", exception.Element(T + "End")!.Value);
        // What it did not change is still the series': Location.
        Assert.Equal("Room 1", exception.Element(T + "Location")!.Value);

        var view = await ViewAsync(user);
        Assert.Equal(5, view.Count);
        Assert.Equal(["Occurrence", "Exception", "Occurrence", "Occurrence", "Occurrence"], view.Select(i => i.Element(T + "CalendarItemType")!.Value));
    }

    [Fact]
    public async Task UpdateItem_of_an_exception_changes_its_changes_and_a_later_series_change_shows_in_what_it_did_not_override()
    {
        var user = await NewUserAsync("again");
        var (masterId, _) = await SeriesAsync(user);
        var (id, _) = (await server.CallAsync(user, Update(Occurrence(masterId, 3), SetSubject("First")))).Ok().ItemId();

        (await server.CallAsync(user, Update($"""<t:ItemId Id="{id}"/>""", SetSubject("Second")))).Ok();
        (await server.CallAsync(user, Update($"""<t:ItemId Id="{masterId}"/>""",
            """<t:SetItemField><t:FieldURI FieldURI="calendar:Location"/><t:CalendarItem><t:Location>Room 9</t:Location></t:CalendarItem></t:SetItemField>"""))).Ok();

        var exception = await GetAsync(user, Occurrence(masterId, 3));
        Assert.Equal("Second", exception.Element(T + "Subject")!.Value);
        Assert.Equal("Room 9", exception.Element(T + "Location")!.Value);
        Assert.Equal("Exception", exception.Element(T + "CalendarItemType")!.Value);
    }

    [Theory]
    // Onto the day of the next occurrence, and past it.
    [InlineData("2031-05-07T10:00:00Z", "2031-05-07T10:30:00Z", "ErrorOccurrenceCrossingBoundary")]
    [InlineData("2031-05-08T09:00:00Z", "2031-05-08T09:30:00Z", "ErrorOccurrenceCrossingBoundary")]
    // Onto the day of the previous one.
    [InlineData("2031-05-05T12:00:00Z", "2031-05-05T12:30:00Z", "ErrorOccurrenceCrossingBoundary")]
    // Its own day still, but lasting into the next occurrence.
    [InlineData("2031-05-06T20:00:00Z", "2031-05-07T09:15:00Z", "ErrorOccurrenceTimeSpanTooBig")]
    public async Task Moving_an_occurrence_onto_or_past_a_neighbour_is_refused(string start, string end, string code)
    {
        var user = await NewUserAsync("bound");
        var (masterId, masterKey) = await SeriesAsync(user);

        var response = await server.CallAsync(user, Update(Occurrence(masterId, 2), Set("Start", start) + Set("End", end)));

        Assert.Equal(code, response.Code());
        var master = await GetAsync(user, $"""<t:ItemId Id="{masterId}"/>""");
        Assert.Equal(masterKey, master.ItemId().ChangeKey);
        Assert.Null(master.Element(T + "ModifiedOccurrences"));
    }

    [Fact]
    public async Task Regression_DeleteItemField_on_an_occurrence_is_recorded_and_reads_back_deleted_while_the_series_keeps_it()
    {
        var user = await NewUserAsync("unset");
        var (masterId, _) = await SeriesAsync(user);
        const string noLocation = """<t:DeleteItemField><t:FieldURI FieldURI="calendar:Location"/></t:DeleteItemField>""";

        var (id, _) = (await server.CallAsync(user, Update(Occurrence(masterId, 2), noLocation))).Ok().ItemId();

        var exception = await GetAsync(user, $"""<t:ItemId Id="{id}"/>""");
        Assert.Equal("Exception", exception.Element(T + "CalendarItemType")!.Value);
        Assert.Null(exception.Element(T + "Location"));
        Assert.Equal("Room 1", (await GetAsync(user, $"""<t:ItemId Id="{masterId}"/>""")).Element(T + "Location")!.Value);
        Assert.Equal("Room 1", (await GetAsync(user, Occurrence(masterId, 3))).Element(T + "Location")!.Value);

        // A later change of the series' Location does not bring it back, nor does another edit of the exception.
        (await server.CallAsync(user, Update($"""<t:ItemId Id="{masterId}"/>""", Set("Location", "Room 9")))).Ok();
        (await server.CallAsync(user, Update($"""<t:ItemId Id="{id}"/>""", SetSubject("Still none")))).Ok();
        exception = await GetAsync(user, Occurrence(masterId, 2));
        Assert.Equal("Still none", exception.Element(T + "Subject")!.Value);
        Assert.Null(exception.Element(T + "Location"));
        Assert.Equal("Room 9", (await GetAsync(user, Occurrence(masterId, 3))).Element(T + "Location")!.Value);
        var view = await ViewAsync(user);
        Assert.Equal(["Room 9", null, "Room 9", "Room 9", "Room 9"], view.Select(i => i.Element(T + "Location")?.Value));
    }

    [Fact]
    public async Task Setting_a_Recurrence_on_an_occurrence_is_refused_and_changes_nothing()
    {
        var user = await NewUserAsync("norec");
        var (masterId, masterKey) = await SeriesAsync(user);

        var response = await server.CallAsync(user, Update(Occurrence(masterId, 2), $"""
            <t:SetItemField><t:FieldURI FieldURI="calendar:Recurrence"/><t:CalendarItem><t:Recurrence>
              <t:DailyRecurrence><t:Interval>2</t:Interval></t:DailyRecurrence>
              <t:NoEndRecurrence><t:StartDate>2031-05-06</t:StartDate></t:NoEndRecurrence>
            </t:Recurrence></t:CalendarItem></t:SetItemField>
            """));

        Assert.Equal("ErrorInvalidPropertySet", response.Code());
        Assert.Equal(masterKey, (await GetAsync(user, $"""<t:ItemId Id="{masterId}"/>""")).ItemId().ChangeKey);
    }

    [Fact]
    public async Task DeleteItem_of_an_occurrence_and_of_an_exception_records_them_on_the_master_and_the_view_loses_them()
    {
        var user = await NewUserAsync("delete");
        var (masterId, _) = await SeriesAsync(user);
        var (exceptionId, _) = (await server.CallAsync(user, Update(Occurrence(masterId, 4), SetSubject("Changed")))).Ok().ItemId();

        (await server.CallAsync(user, Delete(Occurrence(masterId, 2)))).Ok();
        (await server.CallAsync(user, Delete($"""<t:ItemId Id="{exceptionId}"/>"""))).Ok();

        var master = await GetAsync(user, $"""<t:ItemId Id="{masterId}"/>""");
        Assert.Equal(["2031-05-06T09:00:00Z", "2031-05-08T09:00:00Z"],
            master.Element(T + "DeletedOccurrences")!.Elements(T + "DeletedOccurrence").Select(d => d.Element(T + "Start")!.Value));
        Assert.Null(master.Element(T + "ModifiedOccurrences"));
        Assert.Equal(["2031-05-05T09:00:00Z", "2031-05-07T09:00:00Z", "2031-05-09T09:00:00Z"], (await ViewAsync(user)).Select(i => i.Element(T + "Start")!.Value));

        // The deleted occurrence keeps its index, and every write path says it is gone.
        Assert.Equal("ErrorCalendarOccurrenceIsDeletedFromRecurrence", (await server.CallAsync(user, Get(Occurrence(masterId, 2)))).Code());
        Assert.Equal("ErrorCalendarOccurrenceIsDeletedFromRecurrence", (await server.CallAsync(user, Update(Occurrence(masterId, 2), SetSubject("x")))).Code());
        Assert.Equal("ErrorCalendarOccurrenceIsDeletedFromRecurrence", (await server.CallAsync(user, Delete(Occurrence(masterId, 2)))).Code());
        Assert.Equal("ErrorCalendarOccurrenceIsDeletedFromRecurrence", (await server.CallAsync(user, MoveOrCopy("CopyItem", Occurrence(masterId, 2)))).Code());
        Assert.Equal("ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange", (await server.CallAsync(user, Update(Occurrence(masterId, 6), SetSubject("x")))).Code());
        Assert.Equal("ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange", (await server.CallAsync(user, Delete(Occurrence(masterId, 6)))).Code());
        Assert.Equal("ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange", (await server.CallAsync(user, MoveOrCopy("MoveItem", Occurrence(masterId, 6)))).Code());
    }

    [Fact]
    public async Task Deleting_the_last_remaining_occurrence_deletes_the_series()
    {
        var user = await NewUserAsync("last");
        var (masterId, _) = await SeriesAsync(user, DailyFive.Replace("<t:NumberOfOccurrences>5<", "<t:NumberOfOccurrences>2<", StringComparison.Ordinal));

        (await server.CallAsync(user, Delete(Occurrence(masterId, 1)))).Ok();
        Assert.Single(await ViewAsync(user));
        (await server.CallAsync(user, Delete(Occurrence(masterId, 2)))).Ok();

        Assert.Empty(await ViewAsync(user));
        Assert.Equal("ErrorItemNotFound", (await server.CallAsync(user, Get($"""<t:ItemId Id="{masterId}"/>"""))).Code());
    }

    [Fact]
    public async Task DeleteItem_of_the_master_deletes_the_series_with_its_exceptions()
    {
        var user = await NewUserAsync("series");
        var (masterId, _) = await SeriesAsync(user);
        (await server.CallAsync(user, Update(Occurrence(masterId, 2), SetSubject("Changed")))).Ok();

        (await server.CallAsync(user, Delete($"""<t:RecurringMasterItemId OccurrenceId="{(await GetAsync(user, Occurrence(masterId, 3))).ItemId().Id}"/>"""))).Ok();

        Assert.Empty(await ViewAsync(user));
    }

    private static string MoveOrCopy(string operation, string idElement) => $"""
        <m:{operation}><m:ToFolderId><t:DistinguishedFolderId Id="calendar"/></m:ToFolderId><m:ItemIds>{idElement}</m:ItemIds></m:{operation}>
        """;

    [Theory]
    [InlineData("MoveItem")]
    [InlineData("CopyItem")]
    public async Task MoveItem_and_CopyItem_of_an_occurrence_are_refused(string operation)
    {
        var user = await NewUserAsync("move");
        var (masterId, _) = await SeriesAsync(user);
        var ownId = (await GetAsync(user, Occurrence(masterId, 2))).ItemId().Id;

        Assert.Equal("ErrorCalendarCannotMoveOrCopyOccurrence", (await server.CallAsync(user, MoveOrCopy(operation, Occurrence(masterId, 2)))).Code());
        Assert.Equal("ErrorCalendarCannotMoveOrCopyOccurrence", (await server.CallAsync(user, MoveOrCopy(operation, $"""<t:ItemId Id="{ownId}"/>"""))).Code());
        Assert.Equal(5, (await ViewAsync(user)).Count);
    }

    [Fact]
    public async Task CopyItem_of_a_master_copies_the_series_with_its_exceptions_and_deletions()
    {
        var user = await NewUserAsync("copy");
        var (masterId, _) = await SeriesAsync(user);
        (await server.CallAsync(user, Update(Occurrence(masterId, 2), SetSubject("Changed")))).Ok();
        (await server.CallAsync(user, Delete(Occurrence(masterId, 3)))).Ok();

        var copyResponse = await server.CallAsync(user, MoveOrCopy("CopyItem", $"""<t:ItemId Id="{masterId}"/>"""));
        var copyId = copyResponse.Ok().ItemId().Id;

        var view = await ViewAsync(user);
        Assert.Equal(8, view.Count);
        Assert.Equal(2, view.Count(i => i.Element(T + "Subject")!.Value == "Changed"));
        Assert.Equal("Changed", (await GetAsync(user, Occurrence(copyId, 2))).Element(T + "Subject")!.Value);
        Assert.Equal("ErrorCalendarOccurrenceIsDeletedFromRecurrence", (await server.CallAsync(user, Get(Occurrence(copyId, 3)))).Code());
    }

    [Fact]
    public async Task MoveItem_of_a_master_moves_the_series_with_its_exceptions_and_deletions_under_new_ids()
    {
        var user = await NewUserAsync("movem");
        var (masterId, _) = await SeriesAsync(user);
        var (exceptionId, _) = (await server.CallAsync(user, Update(Occurrence(masterId, 2), SetSubject("Changed")))).Ok().ItemId();
        (await server.CallAsync(user, Delete(Occurrence(masterId, 3)))).Ok();
        var folderId = (string)(await server.CallAsync(user, """
            <m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderId>
              <m:Folders><t:CalendarFolder><t:DisplayName>Team</t:DisplayName></t:CalendarFolder></m:Folders></m:CreateFolder>
            """)).Ok().Descendants(T + "FolderId").Single().Attribute("Id")!;

        var moved = (await server.CallAsync(user, $"""
            <m:MoveItem><m:ToFolderId><t:FolderId Id="{folderId}"/></m:ToFolderId><m:ItemIds><t:ItemId Id="{masterId}"/></m:ItemIds></m:MoveItem>
            """)).Ok().ItemId().Id;

        Assert.NotEqual(masterId, moved);
        Assert.Equal("ErrorItemNotFound", (await server.CallAsync(user, Get($"""<t:ItemId Id="{masterId}"/>"""))).Code());
        Assert.Equal("ErrorItemNotFound", (await server.CallAsync(user, Get($"""<t:ItemId Id="{exceptionId}"/>"""))).Code());
        var master = await GetAsync(user, $"""<t:ItemId Id="{moved}"/>""");
        var exception = await GetAsync(user, Occurrence(moved, 2));
        Assert.Equal("Changed", exception.Element(T + "Subject")!.Value);
        Assert.Equal(exception.ItemId().Id, (string)master.Descendants(T + "ModifiedOccurrences").Single().Descendants(T + "ItemId").Single().Attribute("Id")!);
        Assert.Equal("ErrorCalendarOccurrenceIsDeletedFromRecurrence", (await server.CallAsync(user, Get(Occurrence(moved, 3)))).Code());
        Assert.Empty(await ViewAsync(user));
        var view = (await server.CallAsync(user, View().Replace("<t:DistinguishedFolderId Id=\"calendar\"/>", $"<t:FolderId Id=\"{folderId}\"/>", StringComparison.Ordinal)))
            .Ok().Descendants(T + "CalendarItem").ToList();
        Assert.Equal(["Standup", "Changed", "Standup", "Standup"], view.Select(i => i.Element(T + "Subject")!.Value));
    }

    private static string Sync(string? state) => $"""
        <m:SyncFolderItems>
          <m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>
          <m:SyncFolderId><t:DistinguishedFolderId Id="calendar"/></m:SyncFolderId>
          {(state is null ? "" : $"<m:SyncState>{state}</m:SyncState>")}
          <m:MaxChangesReturned>100</m:MaxChangesReturned>
        </m:SyncFolderItems>
        """;

    [Fact]
    public async Task SyncFolderItems_reports_the_master_only_and_an_occurrence_edit_as_an_Update_of_the_master()
    {
        var user = await NewUserAsync("sync");
        var (masterId, _) = await SeriesAsync(user);

        var first = (await server.CallAsync(user, Sync(null))).Ok();
        var created = first.Descendants(EwsResponse.T + "Create").ToList();
        Assert.Equal(masterId, (string)Assert.Single(created).Descendants(T + "ItemId").Single().Attribute("Id")!);

        (await server.CallAsync(user, Update(Occurrence(masterId, 2), SetSubject("Changed")))).Ok();
        (await server.CallAsync(user, Delete(Occurrence(masterId, 4)))).Ok();
        var state = first.Element(EwsResponse.M + "SyncState")!.Value;
        var next = (await server.CallAsync(user, Sync(state))).Ok();

        var changes = next.Element(EwsResponse.M + "Changes")!.Elements().ToList();
        var update = Assert.Single(changes);
        Assert.Equal("Update", update.Name.LocalName);
        Assert.Equal(masterId, (string)update.Descendants(T + "ItemId").Single().Attribute("Id")!);
    }
}
