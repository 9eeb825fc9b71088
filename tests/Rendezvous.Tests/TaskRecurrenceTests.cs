using System.Xml.Linq;
using Rendezvous.Store;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// Recurring tasks over HTTP (issue 16 §1, updateitem-operation-task.md): the regeneration and ordinary patterns on a
/// task, ChangeCount, completing or moving the current occurrence (a one-off copy answered with its own id, the series
/// moved on under its id), and DeleteItem's AffectedTaskOccurrences. The steps and figures are exchangelib's
/// test_tasks::test_recurring_item, which records them from Exchange. Every response is schema-checked by the fixture.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class TaskRecurrenceTests(ServerFixture server)
{
    private static readonly XNamespace T = EwsResponse.T;

    private async Task<string> NewUserAsync(string name)
    {
        var address = $"{name}-{Guid.NewGuid():N}"[..20] + "@example.com";
        await server.Server.Store.AddUserAsync(address, name, PasswordHasher.Hash(ServerFixture.Password, 1000), CancellationToken.None);
        return address;
    }

    private static string Recurrence(string pattern, string start, int count) =>
        $"<t:Recurrence>{pattern}<t:NumberedRecurrence><t:StartDate>{start}</t:StartDate><t:NumberOfOccurrences>{count}</t:NumberOfOccurrences></t:NumberedRecurrence></t:Recurrence>";

    private const string Daily = "<t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>";

    private const string DailyRegeneration = "<t:DailyRegeneration><t:Interval>1</t:Interval></t:DailyRegeneration>";

    private async Task<string> CreateAsync(string user, string recurrence, string extra = "") =>
        (await server.CallAsync(user, $"""
            <m:CreateItem MessageDisposition="SaveOnly">
              <m:SavedItemFolderId><t:DistinguishedFolderId Id="tasks"/></m:SavedItemFolderId>
              <m:Items><t:Task><t:Subject>Water the plants</t:Subject>{extra}{recurrence}</t:Task></m:Items>
            </m:CreateItem>
            """, "Exchange2016")).Ok().ItemId().Id;

    private static string Update(string id, string field, string value) => $"""
        <m:UpdateItem ConflictResolution="AlwaysOverwrite">
          <m:ItemChanges><t:ItemChange><t:ItemId Id="{id}"/><t:Updates>
            <t:SetItemField><t:FieldURI FieldURI="task:{field}"/><t:Task>{value}</t:Task></t:SetItemField>
          </t:Updates></t:ItemChange></m:ItemChanges>
        </m:UpdateItem>
        """;

    private async Task<string> UpdateAsync(string user, string id, string field, string value) =>
        (await server.CallAsync(user, Update(id, field, value), "Exchange2016")).Ok().ItemId().Id;

    private async Task<XElement> GetAsync(string user, string id) =>
        (await server.CallAsync(user, $"""
            <m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape><m:ItemIds><t:ItemId Id="{id}"/></m:ItemIds></m:GetItem>
            """, "Exchange2016")).Ok().Descendants(T + "Task").Single();

    private async Task<int> CountAsync(string user) =>
        (await server.CallAsync(user, """
            <m:FindItem Traversal="Shallow">
              <m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>
              <m:ParentFolderIds><t:DistinguishedFolderId Id="tasks"/></m:ParentFolderIds>
            </m:FindItem>
            """, "Exchange2016")).Ok().Descendants(T + "Task").Count();

    private static string Delete(string id, string affected) => $"""
        <m:DeleteItem DeleteType="HardDelete" AffectedTaskOccurrences="{affected}"><m:ItemIds><t:ItemId Id="{id}"/></m:ItemIds></m:DeleteItem>
        """;

    private static string? Occurrences(XElement task) => task.Descendants(T + "NumberOfOccurrences").SingleOrDefault()?.Value;

    [Fact]
    public async Task Exchangelibs_nonregenerating_task_makes_a_one_off_when_moved_and_when_completed_and_moves_on()
    {
        var user = await NewUserAsync("task");
        var id = await CreateAsync(user, Recurrence(Daily, "2016-01-01", 4));
        var master = await GetAsync(user, id);
        Assert.Equal("true", master.T("IsRecurring"));
        Assert.Equal("1", master.T("ChangeCount"));
        Assert.Equal("2016-01-01T00:00:00Z", master.T("DueDate"));

        // The series' start moved: the current occurrence becomes a one-off, answered with its own id.
        var oneOff = await UpdateAsync(user, id, "Recurrence", Recurrence(Daily, "2016-02-01", 4));
        Assert.NotEqual(id, oneOff);
        Assert.Equal("false", (await GetAsync(user, oneOff)).T("IsRecurring"));
        Assert.Equal(2, await CountAsync(user));
        master = await GetAsync(user, id);
        Assert.Equal("2", master.T("ChangeCount"));
        Assert.Equal("2016-01-02T00:00:00Z", master.T("DueDate"));
        Assert.Equal("3", Occurrences(master));

        // Completed: a completed one-off, and the series is due at its next date, not completed.
        var done = await UpdateAsync(user, id, "Status", "<t:Status>Completed</t:Status>");
        Assert.NotEqual(id, done);
        var completed = await GetAsync(user, done);
        Assert.Equal("false", completed.T("IsRecurring"));
        Assert.Equal("Completed", completed.T("Status"));
        Assert.Equal("100", completed.T("PercentComplete"));
        Assert.Equal(3, await CountAsync(user));
        master = await GetAsync(user, id);
        Assert.Equal("3", master.T("ChangeCount"));
        Assert.Equal("2016-02-01T00:00:00Z", master.T("DueDate"));
        Assert.Equal("2", Occurrences(master));
        Assert.Equal("NotStarted", master.T("Status"));
        Assert.Null(master.T("CompleteDate"));
    }

    [Fact]
    public async Task Exchangelibs_regenerating_task_is_not_copied_when_its_start_moves_and_is_due_a_day_after_it_is_completed()
    {
        var user = await NewUserAsync("regen");
        var id = await CreateAsync(user, Recurrence(DailyRegeneration, "2016-01-01", 4));
        Assert.Equal(id, await UpdateAsync(user, id, "Recurrence", Recurrence(DailyRegeneration, "2016-01-02", 4)));
        Assert.Equal(1, await CountAsync(user));

        var before = DateTime.UtcNow.Date;
        var done = await UpdateAsync(user, id, "PercentComplete", "<t:PercentComplete>100</t:PercentComplete>");
        var after = DateTime.UtcNow.Date;
        Assert.NotEqual(id, done);
        Assert.Equal(2, await CountAsync(user));
        var master = await GetAsync(user, id);
        Assert.Equal("2", master.T("ChangeCount"));
        Assert.Equal("3", Occurrences(master));
        Assert.Contains(master.T("DueDate"), new[] { before, after }.Select(d => d.AddDays(1).ToString("yyyy-MM-dd'T'00:00:00'Z'", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.NotNull(master.Descendants(T + "DailyRegeneration").SingleOrDefault());
    }

    [Theory]
    [InlineData("<t:WeeklyRegeneration><t:Interval>2</t:Interval></t:WeeklyRegeneration>")]
    [InlineData("<t:MonthlyRegeneration><t:Interval>1</t:Interval></t:MonthlyRegeneration>")]
    [InlineData("<t:YearlyRegeneration><t:Interval>1</t:Interval></t:YearlyRegeneration>")]
    [InlineData("<t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday Thursday</t:DaysOfWeek></t:WeeklyRecurrence>")]
    [InlineData("<t:AbsoluteMonthlyRecurrence><t:Interval>1</t:Interval><t:DayOfMonth>15</t:DayOfMonth></t:AbsoluteMonthlyRecurrence>")]
    [InlineData("<t:RelativeYearlyRecurrence><t:DaysOfWeek>Tuesday</t:DaysOfWeek><t:DayOfWeekIndex>Second</t:DayOfWeekIndex><t:Month>March</t:Month></t:RelativeYearlyRecurrence>")]
    public async Task Every_pattern_round_trips_on_a_task_and_completing_it_makes_a_one_off(string pattern)
    {
        var user = await NewUserAsync("pattern");
        var id = await CreateAsync(user, Recurrence(pattern, "2030-01-07", 5));
        var master = await GetAsync(user, id);
        var sent = XElement.Parse($"<r xmlns:t=\"{T.NamespaceName}\">{pattern}</r>").Elements().Single();
        Assert.Equal(sent.Name, master.Element(T + "Recurrence")!.Elements().First().Name);

        var done = await UpdateAsync(user, id, "Status", "<t:Status>Completed</t:Status>");
        Assert.NotEqual(id, done);
        Assert.Equal("4", Occurrences(await GetAsync(user, id)));
    }

    [Fact]
    public async Task The_last_occurrence_completed_is_the_task_itself_and_a_one_off_task_completes_in_place()
    {
        var user = await NewUserAsync("last");
        var id = await CreateAsync(user, Recurrence(Daily, "2030-01-07", 1));
        Assert.Equal(id, await UpdateAsync(user, id, "Status", "<t:Status>Completed</t:Status>"));
        var task = await GetAsync(user, id);
        Assert.Equal("Completed", task.T("Status"));
        Assert.Equal("false", task.T("IsRecurring"));

        var plain = await CreateAsync(user, "");
        Assert.Equal(plain, await UpdateAsync(user, plain, "Status", "<t:Status>Completed</t:Status>"));
        Assert.Equal(2, await CountAsync(user));
    }

    [Fact]
    public async Task DeleteItem_SpecifiedOccurrenceOnly_moves_the_series_on_and_AllOccurrences_deletes_it()
    {
        var user = await NewUserAsync("deltask");
        var id = await CreateAsync(user, Recurrence(Daily, "2030-01-07", 2));

        (await server.CallAsync(user, Delete(id, "SpecifiedOccurrenceOnly"), "Exchange2016")).Ok();
        var master = await GetAsync(user, id);
        Assert.Equal("2030-01-08T00:00:00Z", master.T("DueDate"));
        Assert.Equal("1", Occurrences(master));

        // The last occurrence deleted alone is the task deleted.
        (await server.CallAsync(user, Delete(id, "SpecifiedOccurrenceOnly"), "Exchange2016")).Ok();
        Assert.Equal(0, await CountAsync(user));

        var other = await CreateAsync(user, Recurrence(Daily, "2030-01-07", 5));
        (await server.CallAsync(user, Delete(other, "AllOccurrences"), "Exchange2016")).Ok();
        Assert.Equal(0, await CountAsync(user));
        Assert.Equal("a:ErrorSchemaValidation", (await server.CallAsync(user, Delete(other, "Sometimes"), "Exchange2016")).FaultCode);
    }
}
