using System.Xml.Linq;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// The Recurrence element on the wire (issue 16 §2): every pattern and range of RecurrenceType and TaskRecurrenceType
/// created, read back (each response schema-validated) and updated; a master's fields; the errors Exchange gives.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class RecurrenceWireTests(ServerFixture server)
{
    private const string User = ServerFixture.Carol;

    private static readonly XNamespace T = EwsResponse.T;

    private static string Unique(string prefix) => prefix + " " + Guid.NewGuid().ToString("N")[..8];

    /// <summary>A calendar item in schema order: Subject, Start, End, then Recurrence (after AppointmentState), then the zone.</summary>
    private static string Appointment(string subject, string start, string end, string recurrence, string zone = "") =>
        $"""
        <m:CreateItem SendMeetingInvitations="SendToNone">
          <m:SavedItemFolderId><t:DistinguishedFolderId Id="calendar"/></m:SavedItemFolderId>
          <m:Items>
            <t:CalendarItem>
              <t:Subject>{subject}</t:Subject>
              <t:Start>{start}</t:Start>
              <t:End>{end}</t:End>
              {recurrence}
              {zone}
            </t:CalendarItem>
          </m:Items>
        </m:CreateItem>
        """;

    private static string Task(string subject, string recurrence) =>
        $"""
        <m:CreateItem MessageDisposition="SaveOnly">
          <m:SavedItemFolderId><t:DistinguishedFolderId Id="tasks"/></m:SavedItemFolderId>
          <m:Items><t:Task><t:Subject>{subject}</t:Subject>{recurrence}</t:Task></m:Items>
        </m:CreateItem>
        """;

    private static string Recurrence(string pattern, string range) => $"<t:Recurrence>{pattern}{range}</t:Recurrence>";

    private Task<EwsResponse> CreateAsync(string body, string version = "Exchange2016") => server.CallAsync(User, body, version);

    private Task<XElement> GetAsync(string id, string version = "Exchange2016", string shape = "AllProperties", string additional = "") =>
        server.GetItemAsync(User, id, version, shape, additional);

    /// <summary>The Recurrence element's text, its children named in order: what a client reads back.</summary>
    // The range's dates as days: their offset (the series zone's, as Exchange writes them) is asserted on its own.
    private static string Shape(XElement recurrence) =>
        string.Join(" | ", recurrence.Elements().Select(p => p.Name.LocalName + "(" + string.Join(", ", p.Elements().Select(f => f.Name.LocalName + "=" + (f.Name.LocalName is "StartDate" or "EndDate" ? f.Value[..10] : f.Value))) + ")"));

    public static TheoryData<string, string, string> CalendarPatterns => new()
    {
        // pattern, range, and the Recurrence read back (Exchange2016: FirstDayOfWeek is written on weekly patterns)
        {
            "<t:DailyRecurrence><t:Interval>2</t:Interval></t:DailyRecurrence>",
            "<t:NumberedRecurrence><t:StartDate>2030-01-07</t:StartDate><t:NumberOfOccurrences>5</t:NumberOfOccurrences></t:NumberedRecurrence>",
            "DailyRecurrence(Interval=2) | NumberedRecurrence(StartDate=2030-01-07, NumberOfOccurrences=5)"
        },
        {
            "<t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday Wednesday</t:DaysOfWeek><t:FirstDayOfWeek>Monday</t:FirstDayOfWeek></t:WeeklyRecurrence>",
            "<t:EndDateRecurrence><t:StartDate>2030-01-07-08:00</t:StartDate><t:EndDate>2030-03-01Z</t:EndDate></t:EndDateRecurrence>",
            "WeeklyRecurrence(Interval=1, DaysOfWeek=Monday Wednesday, FirstDayOfWeek=Monday) | EndDateRecurrence(StartDate=2030-01-07, EndDate=2030-03-01)"
        },
        {
            "<t:WeeklyRecurrence><t:Interval>2</t:Interval><t:DaysOfWeek>Weekday</t:DaysOfWeek></t:WeeklyRecurrence>",
            "<t:NoEndRecurrence><t:StartDate>2030-01-07+01:00</t:StartDate></t:NoEndRecurrence>",
            "WeeklyRecurrence(Interval=2, DaysOfWeek=Monday Tuesday Wednesday Thursday Friday, FirstDayOfWeek=Sunday) | NoEndRecurrence(StartDate=2030-01-07)"
        },
        {
            "<t:AbsoluteMonthlyRecurrence><t:Interval>1</t:Interval><t:DayOfMonth>7</t:DayOfMonth></t:AbsoluteMonthlyRecurrence>",
            "<t:NumberedRecurrence><t:StartDate>2030-01-07</t:StartDate><t:NumberOfOccurrences>12</t:NumberOfOccurrences></t:NumberedRecurrence>",
            "AbsoluteMonthlyRecurrence(Interval=1, DayOfMonth=7) | NumberedRecurrence(StartDate=2030-01-07, NumberOfOccurrences=12)"
        },
        {
            "<t:RelativeMonthlyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday</t:DaysOfWeek><t:DayOfWeekIndex>First</t:DayOfWeekIndex></t:RelativeMonthlyRecurrence>",
            "<t:NoEndRecurrence><t:StartDate>2030-01-07</t:StartDate></t:NoEndRecurrence>",
            "RelativeMonthlyRecurrence(Interval=1, DaysOfWeek=Monday, DayOfWeekIndex=First) | NoEndRecurrence(StartDate=2030-01-07)"
        },
        {
            "<t:RelativeMonthlyRecurrence><t:Interval>3</t:Interval><t:DaysOfWeek>Weekday</t:DaysOfWeek><t:DayOfWeekIndex>Last</t:DayOfWeekIndex></t:RelativeMonthlyRecurrence>",
            "<t:NumberedRecurrence><t:StartDate>2030-01-07</t:StartDate><t:NumberOfOccurrences>4</t:NumberOfOccurrences></t:NumberedRecurrence>",
            "RelativeMonthlyRecurrence(Interval=3, DaysOfWeek=Weekday, DayOfWeekIndex=Last) | NumberedRecurrence(StartDate=2030-01-07, NumberOfOccurrences=4)"
        },
        {
            "<t:AbsoluteYearlyRecurrence><t:DayOfMonth>7</t:DayOfMonth><t:Month>January</t:Month></t:AbsoluteYearlyRecurrence>",
            "<t:NumberedRecurrence><t:StartDate>2030-01-07</t:StartDate><t:NumberOfOccurrences>3</t:NumberOfOccurrences></t:NumberedRecurrence>",
            "AbsoluteYearlyRecurrence(DayOfMonth=7, Month=January) | NumberedRecurrence(StartDate=2030-01-07, NumberOfOccurrences=3)"
        },
        {
            "<t:RelativeYearlyRecurrence><t:DaysOfWeek>Monday</t:DaysOfWeek><t:DayOfWeekIndex>First</t:DayOfWeekIndex><t:Month>January</t:Month></t:RelativeYearlyRecurrence>",
            "<t:EndDateRecurrence><t:StartDate>2030-01-07</t:StartDate><t:EndDate>2034-12-31</t:EndDate></t:EndDateRecurrence>",
            "RelativeYearlyRecurrence(DaysOfWeek=Monday, DayOfWeekIndex=First, Month=January) | EndDateRecurrence(StartDate=2030-01-07, EndDate=2034-12-31)"
        },
    };

    [Theory]
    [MemberData(nameof(CalendarPatterns))]
    public async Task Every_calendar_pattern_and_range_is_kept_and_read_back_in_schema_order(string pattern, string range, string expected)
    {
        // 2030-01-07 is a Monday: every pattern above has an occurrence at the given start.
        var (id, _) = (await CreateAsync(Appointment(Unique("series"), "2030-01-07T09:00:00Z", "2030-01-07T10:00:00Z", Recurrence(pattern, range)))).Ok().ItemId();
        var master = await GetAsync(id);
        Assert.Equal(expected, Shape(master.Element(T + "Recurrence")!));
        Assert.Equal("RecurringMaster", master.Element(T + "CalendarItemType")!.Value);
        // Exchange's quirk: IsRecurring is false on the master, true on its occurrences (exchangelib's test_recurring_item).
        Assert.Equal("false", master.Element(T + "IsRecurring")!.Value);
        // The range's dates carry the series zone's offset (UTC here), as Exchange writes them.
        Assert.All(master.Element(T + "Recurrence")!.Descendants().Where(e => e.Name.LocalName is "StartDate" or "EndDate"),
            d => Assert.Matches(@"^\d{4}-\d{2}-\d{2}\+00:00$", d.Value));
    }

    [Fact]
    public async Task A_weekly_pattern_has_no_FirstDayOfWeek_before_Exchange2010_SP1()
    {
        var recurrence = Recurrence(
            "<t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Tuesday</t:DaysOfWeek></t:WeeklyRecurrence>",
            "<t:NumberedRecurrence><t:StartDate>2030-01-08</t:StartDate><t:NumberOfOccurrences>3</t:NumberOfOccurrences></t:NumberedRecurrence>");
        var (id, _) = (await CreateAsync(Appointment(Unique("weekly"), "2030-01-08T09:00:00Z", "2030-01-08T10:00:00Z", recurrence), "Exchange2010")).Ok().ItemId();
        var old = await GetAsync(id, "Exchange2010");
        Assert.Equal("WeeklyRecurrence(Interval=1, DaysOfWeek=Tuesday) | NumberedRecurrence(StartDate=2030-01-08, NumberOfOccurrences=3)", Shape(old.Element(T + "Recurrence")!));
        var current = await GetAsync(id, "Exchange2010_SP1");
        Assert.Equal("Sunday", current.Descendants(T + "FirstDayOfWeek").Single().Value);
    }

    [Fact]
    public async Task A_single_item_is_Single_and_not_recurring_and_has_no_master_fields()
    {
        var (id, _) = await server.CreateAppointmentAsync(User, Unique("single"));
        var single = await GetAsync(id);
        Assert.Equal("Single", single.Element(T + "CalendarItemType")!.Value);
        Assert.Equal("false", single.Element(T + "IsRecurring")!.Value);
        Assert.Null(single.Element(T + "Recurrence"));
        Assert.Null(single.Element(T + "FirstOccurrence"));
    }

    [Fact]
    public async Task A_master_gives_its_first_and_last_occurrence_and_an_open_ended_one_no_last()
    {
        var numbered = Recurrence(
            "<t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>",
            "<t:NumberedRecurrence><t:StartDate>2030-01-07</t:StartDate><t:NumberOfOccurrences>3</t:NumberOfOccurrences></t:NumberedRecurrence>");
        var (id, _) = (await CreateAsync(Appointment(Unique("daily"), "2030-01-07T09:00:00Z", "2030-01-07T10:00:00Z", numbered))).Ok().ItemId();
        var master = await GetAsync(id);
        var first = master.Element(T + "FirstOccurrence")!;
        Assert.Equal(["ItemId", "Start", "End", "OriginalStart"], first.Elements().Select(e => e.Name.LocalName));
        Assert.Equal(("2030-01-07T09:00:00Z", "2030-01-07T10:00:00Z"), (first.Element(T + "Start")!.Value, first.Element(T + "End")!.Value));
        var last = master.Element(T + "LastOccurrence")!;
        Assert.Equal(("2030-01-09T09:00:00Z", "2030-01-09T09:00:00Z"), (last.Element(T + "Start")!.Value, last.Element(T + "OriginalStart")!.Value));
        Assert.Null(master.Element(T + "ModifiedOccurrences"));
        Assert.Null(master.Element(T + "DeletedOccurrences"));

        var open = Recurrence("<t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>", "<t:NoEndRecurrence><t:StartDate>2030-01-07</t:StartDate></t:NoEndRecurrence>");
        var (openId, _) = (await CreateAsync(Appointment(Unique("open"), "2030-01-07T09:00:00Z", "2030-01-07T10:00:00Z", open))).Ok().ItemId();
        var openMaster = await GetAsync(openId);
        Assert.NotNull(openMaster.Element(T + "FirstOccurrence"));
        Assert.Null(openMaster.Element(T + "LastOccurrence"));
    }

    [Fact]
    public async Task A_master_whose_start_the_pattern_skips_starts_at_its_first_occurrence()
    {
        // 2030-01-06 is a Sunday; the series is on Tuesdays: Exchange moves the master to Tuesday 2030-01-08, same time.
        var recurrence = Recurrence(
            "<t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Tuesday</t:DaysOfWeek></t:WeeklyRecurrence>",
            "<t:NumberedRecurrence><t:StartDate>2030-01-06</t:StartDate><t:NumberOfOccurrences>2</t:NumberOfOccurrences></t:NumberedRecurrence>");
        var (id, _) = (await CreateAsync(Appointment(Unique("moved"), "2030-01-06T09:00:00Z", "2030-01-06T10:30:00Z", recurrence))).Ok().ItemId();
        var master = await GetAsync(id);
        Assert.Equal(("2030-01-08T09:00:00Z", "2030-01-08T10:30:00Z"), (master.Element(T + "Start")!.Value, master.Element(T + "End")!.Value));
    }

    [Fact]
    public async Task FindItem_lists_a_master_as_recurring_without_its_recurrence_which_only_GetItem_gives()
    {
        var subject = Unique("find");
        var recurrence = Recurrence("<t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>", "<t:NoEndRecurrence><t:StartDate>2030-01-07</t:StartDate></t:NoEndRecurrence>");
        (await CreateAsync(Appointment(subject, "2030-01-07T09:00:00Z", "2030-01-07T10:00:00Z", recurrence))).Ok();
        var found = await server.CallAsync(User, $"""
            <m:FindItem Traversal="Shallow">
              <m:ItemShape><t:BaseShape>AllProperties</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="calendar:Recurrence"/></t:AdditionalProperties></m:ItemShape>
              <m:Restriction><t:IsEqualTo><t:FieldURI FieldURI="item:Subject"/><t:FieldURIOrConstant><t:Constant Value="{subject}"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction>
              <m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds>
            </m:FindItem>
            """, "Exchange2016");
        var item = Assert.Single(found.Ok().Descendants(T + "CalendarItem"));
        Assert.Equal(("RecurringMaster", "false"), (item.Element(T + "CalendarItemType")!.Value, item.Element(T + "IsRecurring")!.Value));
        Assert.Null(item.Element(T + "Recurrence"));
        Assert.Null(item.Element(T + "FirstOccurrence"));
    }

    public static TheoryData<string, string, string> BadRecurrences => new()
    {
        // pattern, range, ResponseCode
        { "<t:DailyRecurrence><t:Interval>0</t:Interval></t:DailyRecurrence>", "<t:NoEndRecurrence><t:StartDate>2030-01-07</t:StartDate></t:NoEndRecurrence>", "ErrorCalendarOutOfRange" },
        { "<t:AbsoluteMonthlyRecurrence><t:Interval>1</t:Interval><t:DayOfMonth>32</t:DayOfMonth></t:AbsoluteMonthlyRecurrence>", "<t:NoEndRecurrence><t:StartDate>2030-01-07</t:StartDate></t:NoEndRecurrence>", "ErrorCalendarOutOfRange" },
        { "<t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>", "<t:NumberedRecurrence><t:StartDate>2030-01-07</t:StartDate><t:NumberOfOccurrences>0</t:NumberOfOccurrences></t:NumberedRecurrence>", "ErrorCalendarOutOfRange" },
        { "<t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek> </t:DaysOfWeek></t:WeeklyRecurrence>", "<t:NoEndRecurrence><t:StartDate>2030-01-07</t:StartDate></t:NoEndRecurrence>", "ErrorCalendarInvalidDayForWeeklyRecurrence" },
        // A range that ends before it starts has no occurrence; one ending after 4500-09-01 is too far.
        { "<t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>", "<t:EndDateRecurrence><t:StartDate>2030-01-07</t:StartDate><t:EndDate>2030-01-01</t:EndDate></t:EndDateRecurrence>", "ErrorRecurrenceHasNoOccurrence" },
        { "<t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>", "<t:EndDateRecurrence><t:StartDate>2030-01-07</t:StartDate><t:EndDate>4600-01-01</t:EndDate></t:EndDateRecurrence>", "ErrorRecurrenceEndDateTooBig" },
    };

    [Theory]
    [MemberData(nameof(BadRecurrences))]
    public async Task A_recurrence_a_series_cannot_have_is_refused_for_that_item_as_Exchange_refuses_it(string pattern, string range, string code)
    {
        var response = await CreateAsync(Appointment(Unique("bad"), "2030-01-07T09:00:00Z", "2030-01-07T10:00:00Z", Recurrence(pattern, range)));
        Assert.Equal(code, response.Code());
    }

    [Fact]
    public async Task An_occurrence_longer_than_the_pattern_s_gap_is_ErrorOccurrenceTimeSpanTooBig()
    {
        var daily = Recurrence("<t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>", "<t:NoEndRecurrence><t:StartDate>2030-01-07</t:StartDate></t:NoEndRecurrence>");
        var response = await CreateAsync(Appointment(Unique("long"), "2030-01-07T09:00:00Z", "2030-01-09T10:00:00Z", daily));
        Assert.Equal("ErrorOccurrenceTimeSpanTooBig", response.Code());
    }

    [Theory]
    [InlineData("<t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>", "<t:NoEndRecurrence><t:StartDate>07/01/2030</t:StartDate></t:NoEndRecurrence>")]
    [InlineData("<t:RelativeMonthlyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday Tuesday</t:DaysOfWeek><t:DayOfWeekIndex>First</t:DayOfWeekIndex></t:RelativeMonthlyRecurrence>", "<t:NoEndRecurrence><t:StartDate>2030-01-07</t:StartDate></t:NoEndRecurrence>")]
    [InlineData("<t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Lundi</t:DaysOfWeek></t:WeeklyRecurrence>", "<t:NoEndRecurrence><t:StartDate>2030-01-07</t:StartDate></t:NoEndRecurrence>")]
    [InlineData("<t:DailyRegeneration><t:Interval>1</t:Interval></t:DailyRegeneration>", "<t:NoEndRecurrence><t:StartDate>2030-01-07</t:StartDate></t:NoEndRecurrence>")]
    [InlineData("<t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>", "")]
    public async Task What_the_schema_refuses_in_a_Recurrence_is_ErrorSchemaValidation(string pattern, string range)
    {
        // A regeneration pattern is a task's only; a relative pattern takes one day; dates are xs:date.
        var response = await CreateAsync(Appointment(Unique("schema"), "2030-01-07T09:00:00Z", "2030-01-07T10:00:00Z", Recurrence(pattern, range)));
        Assert.Equal("a:ErrorSchemaValidation", response.FaultCode);
    }

    [Fact]
    public async Task Setting_a_new_pattern_on_a_series_changes_it_and_deleting_the_recurrence_makes_it_single()
    {
        var weekly = Recurrence(
            "<t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday</t:DaysOfWeek></t:WeeklyRecurrence>",
            "<t:NumberedRecurrence><t:StartDate>2030-01-07</t:StartDate><t:NumberOfOccurrences>4</t:NumberOfOccurrences></t:NumberedRecurrence>");
        var (id, changeKey) = (await CreateAsync(Appointment(Unique("update"), "2030-01-07T09:00:00Z", "2030-01-07T10:00:00Z", weekly))).Ok().ItemId();
        var daily = Recurrence("<t:DailyRecurrence><t:Interval>3</t:Interval></t:DailyRecurrence>", "<t:NoEndRecurrence><t:StartDate>2030-01-07</t:StartDate></t:NoEndRecurrence>");
        var set = await server.CallAsync(User, Requests.SetField(id, changeKey, "calendar:Recurrence", daily), "Exchange2016");
        (id, changeKey) = set.Ok().ItemId();
        var master = await GetAsync(id);
        Assert.Equal("DailyRecurrence(Interval=3) | NoEndRecurrence(StartDate=2030-01-07)", Shape(master.Element(T + "Recurrence")!));
        Assert.Null(master.Element(T + "LastOccurrence"));

        var delete = await server.CallAsync(User, $"""
            <m:UpdateItem ConflictResolution="AlwaysOverwrite" SendMeetingInvitationsOrCancellations="SendToNone">
              <m:ItemChanges><t:ItemChange><t:ItemId Id="{id}" ChangeKey="{changeKey}"/>
                <t:Updates><t:DeleteItemField><t:FieldURI FieldURI="calendar:Recurrence"/></t:DeleteItemField></t:Updates>
              </t:ItemChange></m:ItemChanges>
            </m:UpdateItem>
            """, "Exchange2016");
        delete.Ok();
        var single = await GetAsync(id);
        Assert.Equal(("Single", "false"), (single.Element(T + "CalendarItemType")!.Value, single.Element(T + "IsRecurring")!.Value));
        Assert.Null(single.Element(T + "Recurrence"));
    }

    [Fact]
    public async Task A_bad_pattern_set_by_UpdateItem_is_refused_and_the_series_is_unchanged()
    {
        var daily = Recurrence("<t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>", "<t:NoEndRecurrence><t:StartDate>2030-01-07</t:StartDate></t:NoEndRecurrence>");
        var (id, changeKey) = (await CreateAsync(Appointment(Unique("refused"), "2030-01-07T09:00:00Z", "2030-01-07T10:00:00Z", daily))).Ok().ItemId();
        var bad = Recurrence("<t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>", "<t:EndDateRecurrence><t:StartDate>2030-01-07</t:StartDate><t:EndDate>2029-01-01</t:EndDate></t:EndDateRecurrence>");
        var response = await server.CallAsync(User, Requests.SetField(id, changeKey, "calendar:Recurrence", bad), "Exchange2016");
        Assert.Equal("ErrorRecurrenceHasNoOccurrence", response.Code());
        Assert.Equal("DailyRecurrence(Interval=1) | NoEndRecurrence(StartDate=2030-01-07)", Shape((await GetAsync(id)).Element(T + "Recurrence")!));
    }

    public static TheoryData<string, string> TaskPatterns => new()
    {
        { "<t:DailyRegeneration><t:Interval>3</t:Interval></t:DailyRegeneration>", "DailyRegeneration(Interval=3)" },
        { "<t:WeeklyRegeneration><t:Interval>2</t:Interval></t:WeeklyRegeneration>", "WeeklyRegeneration(Interval=2)" },
        { "<t:MonthlyRegeneration><t:Interval>1</t:Interval></t:MonthlyRegeneration>", "MonthlyRegeneration(Interval=1)" },
        { "<t:YearlyRegeneration><t:Interval>1</t:Interval></t:YearlyRegeneration>", "YearlyRegeneration(Interval=1)" },
        { "<t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Friday</t:DaysOfWeek><t:FirstDayOfWeek>Monday</t:FirstDayOfWeek></t:WeeklyRecurrence>", "WeeklyRecurrence(Interval=1, DaysOfWeek=Friday, FirstDayOfWeek=Monday)" },
    };

    [Theory]
    [MemberData(nameof(TaskPatterns))]
    public async Task A_task_recurrence_of_every_kind_round_trips_and_makes_the_task_recurring(string pattern, string expected)
    {
        var range = "<t:NumberedRecurrence><t:StartDate>2030-01-07</t:StartDate><t:NumberOfOccurrences>10</t:NumberOfOccurrences></t:NumberedRecurrence>";
        var (id, _) = (await CreateAsync(Task(Unique("task"), Recurrence(pattern, range)))).Ok().ItemId();
        var task = await GetAsync(id);
        Assert.Equal(expected + " | NumberedRecurrence(StartDate=2030-01-07, NumberOfOccurrences=10)", Shape(task.Element(T + "Recurrence")!));
        Assert.Equal("true", task.Element(T + "IsRecurring")!.Value);
    }

    [Fact]
    public async Task A_task_s_recurrence_is_set_and_deleted_by_UpdateItem()
    {
        var (id, changeKey) = (await CreateAsync(Task(Unique("task"), ""))).Ok().ItemId();
        Assert.Equal("false", (await GetAsync(id)).Element(T + "IsRecurring")!.Value);
        var recurrence = Recurrence("<t:AbsoluteMonthlyRecurrence><t:Interval>1</t:Interval><t:DayOfMonth>15</t:DayOfMonth></t:AbsoluteMonthlyRecurrence>",
            "<t:EndDateRecurrence><t:StartDate>2030-01-15</t:StartDate><t:EndDate>2030-12-15</t:EndDate></t:EndDateRecurrence>");
        (id, changeKey) = (await server.CallAsync(User, Requests.SetField(id, changeKey, "task:Recurrence", recurrence, element: "Task"), "Exchange2016")).Ok().ItemId();
        var task = await GetAsync(id);
        Assert.Equal("AbsoluteMonthlyRecurrence(Interval=1, DayOfMonth=15) | EndDateRecurrence(StartDate=2030-01-15, EndDate=2030-12-15)", Shape(task.Element(T + "Recurrence")!));

        (await server.CallAsync(User, $"""
            <m:UpdateItem ConflictResolution="AlwaysOverwrite">
              <m:ItemChanges><t:ItemChange><t:ItemId Id="{id}" ChangeKey="{changeKey}"/>
                <t:Updates><t:DeleteItemField><t:FieldURI FieldURI="task:Recurrence"/></t:DeleteItemField></t:Updates>
              </t:ItemChange></m:ItemChanges>
            </m:UpdateItem>
            """, "Exchange2016")).Ok();
        var plain = await GetAsync(id);
        Assert.Null(plain.Element(T + "Recurrence"));
        Assert.Equal("false", plain.Element(T + "IsRecurring")!.Value);
    }
    [Fact]
    public async Task DavMail_finds_a_master_by_PidLidRecurring_and_reads_instancetype_1()
    {
        // DavMail's calendar condition (EwsExchangeSession.getCalendarItemCondition): isrecurring items whatever their
        // date, else instancetype 0 within the date window. A series listed as single would be cut off by that window.
        const string instanceType = "<t:ExtendedFieldURI DistinguishedPropertySetId=\"PublicStrings\" PropertyName=\"urn:schemas:calendar:instancetype\" PropertyType=\"Integer\"/>";
        const string recurring = "<t:ExtendedFieldURI DistinguishedPropertySetId=\"Appointment\" PropertyId=\"33315\" PropertyType=\"Boolean\"/>";
        var subject = Unique("davmail series");
        var daily = Recurrence("<t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>", "<t:NoEndRecurrence><t:StartDate>2020-01-06</t:StartDate></t:NoEndRecurrence>");
        (await CreateAsync(Appointment(subject, "2020-01-06T09:00:00Z", "2020-01-06T10:00:00Z", daily))).Ok();
        var found = await server.CallAsync(User, $"""
            <m:FindItem Traversal="Shallow">
              <m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>{instanceType}{recurring}</t:AdditionalProperties></m:ItemShape>
              <m:Restriction><t:And>
                <t:IsEqualTo>{recurring}<t:FieldURIOrConstant><t:Constant Value="true"/></t:FieldURIOrConstant></t:IsEqualTo>
                <t:IsEqualTo><t:FieldURI FieldURI="item:Subject"/><t:FieldURIOrConstant><t:Constant Value="{subject}"/></t:FieldURIOrConstant></t:IsEqualTo>
              </t:And></m:Restriction>
              <m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds>
            </m:FindItem>
            """, "Exchange2013");
        var item = Assert.Single(found.Ok().Descendants(T + "CalendarItem"));
        var values = item.Elements(T + "ExtendedProperty").ToDictionary(
            p => (string?)p.Element(T + "ExtendedFieldURI")!.Attribute("PropertyName") ?? (string)p.Element(T + "ExtendedFieldURI")!.Attribute("PropertyId")!,
            p => p.Element(T + "Value")!.Value);
        Assert.Equal("1", values["urn:schemas:calendar:instancetype"]);
        Assert.Equal("true", values["33315"]);
    }
    [Fact]
    public async Task A_master_lists_its_modified_and_deleted_occurrences_in_schema_order_and_they_are_not_first_or_last()
    {
        var daily = Recurrence("<t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>",
            "<t:NumberedRecurrence><t:StartDate>2030-01-07</t:StartDate><t:NumberOfOccurrences>4</t:NumberOfOccurrences></t:NumberedRecurrence>");
        var (id, _) = (await CreateAsync(Appointment(Unique("edited"), "2030-01-07T09:00:00Z", "2030-01-07T10:00:00Z", daily))).Ok().ItemId();

        // Editing one occurrence comes with the next wave: the exception and the deletion are put on the master directly.
        var nine = new DateTime(2030, 1, 7, 9, 0, 0, DateTimeKind.Utc);
        var stored = (await server.Server.Store.GetItemAsync(id, CancellationToken.None))!;
        var master = stored.Clone();
        master.DeletedOccurrences = [nine];
        master.Exceptions = [new(nine.AddDays(3), new Rendezvous.Domain.Item { Kind = Rendezvous.Protocol.ItemKind.CalendarItem, Start = nine.AddDays(3).AddHours(2), End = nine.AddDays(3).AddHours(3) })];
        var changes = new Rendezvous.Store.ChangeSet();
        changes.Updates.Add((master, stored.ChangeNumber));
        await server.Server.Store.ApplyAsync(changes, CancellationToken.None);

        var read = await GetAsync(id);
        var names = read.Elements().Select(e => e.Name.LocalName).ToList();
        Assert.True(names.IndexOf("Recurrence") < names.IndexOf("FirstOccurrence") && names.IndexOf("LastOccurrence") < names.IndexOf("ModifiedOccurrences")
            && names.IndexOf("ModifiedOccurrences") < names.IndexOf("DeletedOccurrences"), string.Join(", ", names));
        var modified = Assert.Single(read.Element(T + "ModifiedOccurrences")!.Elements(T + "Occurrence"));
        Assert.Equal(("2030-01-10T11:00:00Z", "2030-01-10T12:00:00Z", "2030-01-10T09:00:00Z"),
            (modified.Element(T + "Start")!.Value, modified.Element(T + "End")!.Value, modified.Element(T + "OriginalStart")!.Value));
        Assert.Equal("2030-01-07T09:00:00Z", Assert.Single(read.Element(T + "DeletedOccurrences")!.Elements(T + "DeletedOccurrence")).Element(T + "Start")!.Value);
        // The first one is deleted: FirstOccurrence is the second; the last is the exception, where it is now.
        Assert.Equal("2030-01-08T09:00:00Z", read.Element(T + "FirstOccurrence")!.Element(T + "Start")!.Value);
        Assert.Equal("2030-01-10T11:00:00Z", read.Element(T + "LastOccurrence")!.Element(T + "Start")!.Value);
    }
    [Theory]
    [InlineData("calendar:Recurrence")]
    [InlineData("calendar:FirstOccurrence")]
    [InlineData("calendar:DeletedOccurrences")]
    public async Task A_restriction_on_a_recurrence_or_occurrence_list_is_ErrorUnsupportedPathForQuery(string uri)
    {
        // exchangelib marks recurrence unsearchable; Exchange compares no complex value.
        var response = await server.CallAsync(User, $"""
            <m:FindItem Traversal="Shallow">
              <m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>
              <m:Restriction><t:Exists><t:FieldURI FieldURI="{uri}"/></t:Exists></m:Restriction>
              <m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds>
            </m:FindItem>
            """, "Exchange2016");
        Assert.Equal("ErrorUnsupportedPathForQuery", response.FaultCode is null ? response.Code() : response.FaultCode.Split(':').Last());
    }
}
