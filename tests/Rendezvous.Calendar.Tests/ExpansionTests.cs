using Rendezvous.Protocol;

namespace Rendezvous.Calendar.Tests;

/// <summary>RecurrenceExpansion beyond the scenario files: exceptions and deletions, validation, tasks, cost.</summary>
public sealed class ExpansionTests
{
    private static readonly TimeZoneInfo Paris = TimeZones.Find("Europe/Paris")!;

    private static DateTime Utc(int y, int mo, int d, int h = 0, int mi = 0) => new(y, mo, d, h, mi, 0, DateTimeKind.Utc);

    private static DateTime ParisTime(int y, int mo, int d, int h, int mi = 0) => TimeZones.ToUtc(new DateTime(y, mo, d, h, mi, 0), Paris);

    /// <summary>Weekly on Monday 09:00-10:00 Paris from Monday 2030-01-07, with the given range.</summary>
    private static Series Mondays(RecurrenceRange? range = null, TimeSpan? duration = null) => new(
        new Recurrence(new RecurrencePattern(RecurrencePatternKind.Weekly, DaysOfWeek: RecurrenceDays.Monday), range ?? new RecurrenceRange(RecurrenceRangeKind.NoEnd, new DateOnly(2030, 1, 7))),
        ParisTime(2030, 1, 7, 9),
        ParisTime(2030, 1, 7, 9) + (duration ?? TimeSpan.FromHours(1)),
        Paris,
        Paris);

    private static Series With(RecurrencePattern pattern, RecurrenceRange? range = null, TimeSpan? duration = null, bool allDay = false) => new(
        new Recurrence(pattern, range ?? new RecurrenceRange(RecurrenceRangeKind.NoEnd, new DateOnly(2030, 1, 7))),
        allDay ? ParisTime(2030, 1, 7, 0) : ParisTime(2030, 1, 7, 9),
        (allDay ? ParisTime(2030, 1, 7, 0) : ParisTime(2030, 1, 7, 9)) + (duration ?? TimeSpan.FromHours(1)),
        Paris,
        Paris,
        allDay);

    [Fact]
    public void An_exception_moved_into_the_window_from_outside_appears_where_it_is_now()
    {
        var series = Mondays();
        // Occurrence 3 (Monday 2030-01-21) moved to Wednesday 2030-01-30 14:00, inside a window of 2030-01-28..02-03.
        var moved = new ModifiedOccurrence(ParisTime(2030, 1, 21, 9), ParisTime(2030, 1, 30, 14), ParisTime(2030, 1, 30, 15));

        var window = RecurrenceExpansion.Occurrences(series, ParisTime(2030, 1, 28, 0), ParisTime(2030, 2, 4, 0), [moved]).ToList();

        Assert.Equal([4, 3], window.Select(o => o.Index));
        Assert.Equal(new Occurrence(3, moved.OriginalStartUtc, moved.StartUtc, moved.EndUtc, IsException: true), window[1]);
        Assert.False(window[0].IsException);
    }

    [Fact]
    public void An_exception_moved_out_of_the_window_disappears_from_it()
    {
        var series = Mondays();
        var moved = new ModifiedOccurrence(ParisTime(2030, 1, 28, 9), ParisTime(2030, 2, 20, 9), ParisTime(2030, 2, 20, 10));

        var window = RecurrenceExpansion.Occurrences(series, ParisTime(2030, 1, 27, 0), ParisTime(2030, 2, 3, 0), [moved]).ToList();

        Assert.Empty(window);
    }

    [Fact]
    public void An_exception_moved_within_the_window_keeps_start_order()
    {
        var series = Mondays();
        // Occurrence 1 moved after occurrence 2; occurrence 4 moved earlier than 3.
        ModifiedOccurrence[] moved =
        [
            new(ParisTime(2030, 1, 7, 9), ParisTime(2030, 1, 16, 9), ParisTime(2030, 1, 16, 10)),
            new(ParisTime(2030, 1, 28, 9), ParisTime(2030, 1, 19, 9), ParisTime(2030, 1, 19, 10)),
        ];

        var window = RecurrenceExpansion.Occurrences(series, ParisTime(2030, 1, 1, 0), ParisTime(2030, 2, 1, 0), moved).ToList();

        Assert.Equal([2, 1, 4, 3], window.Select(o => o.Index));
        Assert.Equal([false, true, true, false], window.Select(o => o.IsException));
        Assert.True(window.Zip(window.Skip(1)).All(p => p.First.StartUtc <= p.Second.StartUtc));
    }

    [Fact]
    public void A_deleted_occurrence_is_left_out_and_the_next_ones_keep_their_index()
    {
        var series = Mondays();

        var window = RecurrenceExpansion.Occurrences(series, ParisTime(2030, 1, 1, 0), ParisTime(2030, 2, 1, 0), deletedOriginalStartsUtc: [ParisTime(2030, 1, 14, 9)]).ToList();

        Assert.Equal([1, 3, 4], window.Select(o => o.Index));
        Assert.Equal(2, RecurrenceExpansion.IndexOf(series, ParisTime(2030, 1, 14, 9)));
    }

    [Fact]
    public void A_deleted_exception_is_left_out_too()
    {
        var series = Mondays();
        var moved = new ModifiedOccurrence(ParisTime(2030, 1, 14, 9), ParisTime(2030, 1, 15, 9), ParisTime(2030, 1, 15, 10));

        var window = RecurrenceExpansion.Occurrences(series, ParisTime(2030, 1, 1, 0), ParisTime(2030, 2, 1, 0), [moved], [moved.OriginalStartUtc]).ToList();

        Assert.Equal([1, 3, 4], window.Select(o => o.Index));
    }

    [Fact]
    public void An_exception_whose_original_start_is_no_longer_the_patterns_is_not_shown()
    {
        var series = Mondays();
        // Recorded against a Tuesday: a pattern that was changed since.
        var stale = new ModifiedOccurrence(ParisTime(2030, 1, 15, 9), ParisTime(2030, 1, 16, 9), ParisTime(2030, 1, 16, 10));

        var window = RecurrenceExpansion.Occurrences(series, ParisTime(2030, 1, 1, 0), ParisTime(2030, 2, 1, 0), [stale]).ToList();

        Assert.Equal([1, 2, 3, 4], window.Select(o => o.Index));
        Assert.DoesNotContain(window, o => o.IsException);
    }

    [Fact]
    public void An_exception_before_the_windows_first_pattern_occurrence_still_comes_first()
    {
        var series = Mondays();
        var moved = new ModifiedOccurrence(ParisTime(2030, 1, 21, 9), ParisTime(2030, 1, 13, 8), ParisTime(2030, 1, 13, 9));

        var window = RecurrenceExpansion.Occurrences(series, ParisTime(2030, 1, 12, 0), ParisTime(2030, 1, 15, 0), [moved]).ToList();

        Assert.Equal([3, 2], window.Select(o => o.Index));
    }

    [Theory]
    [InlineData(RecurrencePatternKind.Daily)]
    [InlineData(RecurrencePatternKind.Weekly)]
    [InlineData(RecurrencePatternKind.AbsoluteMonthly)]
    [InlineData(RecurrencePatternKind.RelativeMonthly)]
    [InlineData(RecurrencePatternKind.AbsoluteYearly)]
    [InlineData(RecurrencePatternKind.RelativeYearly)]
    public void An_open_ended_series_asked_for_a_week_50_years_on_computes_only_that_week(RecurrencePatternKind kind)
    {
        var pattern = new RecurrencePattern(kind, 1, RecurrenceDays.Monday | RecurrenceDays.Thursday, DayOfWeekIndex.Second, 7, 6);
        if (kind is RecurrencePatternKind.RelativeMonthly or RecurrencePatternKind.RelativeYearly)
        {
            pattern = pattern with { DaysOfWeek = RecurrenceDays.Monday };
        }

        var grid = SeriesGrid.Of(With(pattern));
        var window = grid.Window(ParisTime(2080, 6, 3, 0), ParisTime(2080, 6, 10, 0)).ToList();

        // A walk from 2030 would be thousands of steps (18,000 for the daily one); the window's own few, plus the one before it.
        Assert.InRange(grid.Steps, window.Count, window.Count + 3);
        // June 2080: the 7th is in the week; its second Monday, the 10th, is not.
        Assert.Equal(kind switch { RecurrencePatternKind.Daily => 7, RecurrencePatternKind.Weekly => 2, RecurrencePatternKind.AbsoluteMonthly or RecurrencePatternKind.AbsoluteYearly => 1, _ => 0 }, window.Count);
    }

    [Fact]
    public void Occurrence_numbers_far_beyond_Exchanges_last_date_are_none_not_a_crash()
    {
        var daily = With(new RecurrencePattern(RecurrencePatternKind.Daily, 999));

        Assert.Null(RecurrenceExpansion.OccurrenceAt(daily, int.MaxValue));
        Assert.Null(RecurrenceExpansion.OccurrenceAt(daily, 1000));
        Assert.Equal(new DateTime(2030, 1, 7, 9, 0, 0).AddDays(499 * 999), TimeZones.ToLocal(RecurrenceExpansion.OccurrenceAt(daily, 500)!.Value.StartUtc, Paris));
        Assert.Empty(RecurrenceExpansion.Occurrences(daily, Utc(4500, 9, 1), DateTime.MaxValue));
    }

    [Fact]
    public void IndexOf_a_time_the_pattern_does_not_start_at_is_null()
    {
        var series = Mondays(new RecurrenceRange(RecurrenceRangeKind.Numbered, new DateOnly(2030, 1, 7), NumberOfOccurrences: 3));

        Assert.Equal(3, RecurrenceExpansion.IndexOf(series, ParisTime(2030, 1, 21, 9)));
        Assert.Null(RecurrenceExpansion.IndexOf(series, ParisTime(2030, 1, 28, 9)));
        Assert.Null(RecurrenceExpansion.IndexOf(series, ParisTime(2030, 1, 8, 9)));
        Assert.Null(RecurrenceExpansion.IndexOf(series, ParisTime(2029, 12, 31, 9)));
        Assert.Null(RecurrenceExpansion.IndexOf(series, ParisTime(2030, 1, 14, 10)));
    }

    [Fact]
    public void A_regeneration_pattern_has_one_occurrence_the_task_itself()
    {
        var task = With(new RecurrencePattern(RecurrencePatternKind.WeeklyRegeneration, 2), new RecurrenceRange(RecurrenceRangeKind.NoEnd, new DateOnly(2030, 1, 7)));

        Assert.Equal(1, RecurrenceExpansion.Count(task));
        Assert.Equal(new Occurrence(1, task.StartUtc, task.StartUtc, task.EndUtc), RecurrenceExpansion.OccurrenceAt(task, 1));
        Assert.Null(RecurrenceExpansion.OccurrenceAt(task, 2));
        Assert.Equal(1, RecurrenceExpansion.IndexOf(task, task.StartUtc));
        Assert.Equal((task.StartUtc, (DateTime?)task.EndUtc), RecurrenceExpansion.Bounds(task));
        Assert.Single(RecurrenceExpansion.Occurrences(task, ParisTime(2030, 1, 1, 0), ParisTime(2031, 1, 1, 0)));
        Assert.Empty(RecurrenceExpansion.Occurrences(task, ParisTime(2030, 1, 14, 0), ParisTime(2031, 1, 1, 0)));
        Assert.Equal(RecurrenceProblem.None, RecurrenceExpansion.Validate(task));
        Assert.Equal(RecurrenceProblem.Invalid, RecurrenceExpansion.Validate(With(new RecurrencePattern(RecurrencePatternKind.DailyRegeneration, 0))));
    }

    [Fact]
    public void A_recurrence_with_no_occurrence_has_the_masters_own_bounds()
    {
        var series = Mondays(new RecurrenceRange(RecurrenceRangeKind.EndDate, new DateOnly(2030, 1, 8), new DateOnly(2030, 1, 13)));

        Assert.Equal(0, RecurrenceExpansion.Count(series));
        Assert.Equal((series.StartUtc, (DateTime?)series.EndUtc), RecurrenceExpansion.Bounds(series));
        Assert.Null(RecurrenceExpansion.LastOccurrence(series));
        Assert.Empty(RecurrenceExpansion.Occurrences(series, DateTime.MinValue, DateTime.MaxValue));
    }

    public static TheoryData<string, Series, RecurrenceProblem> Problems() => new()
    {
        { "every week, no end", Mondays(), RecurrenceProblem.None },
        { "interval 0", With(new RecurrencePattern(RecurrencePatternKind.Daily, 0)), RecurrenceProblem.Invalid },
        { "interval 999", With(new RecurrencePattern(RecurrencePatternKind.Daily, 999)), RecurrenceProblem.None },
        { "interval 1000", With(new RecurrencePattern(RecurrencePatternKind.Weekly, 1000, RecurrenceDays.Monday)), RecurrenceProblem.Invalid },
        { "weekly without days", With(new RecurrencePattern(RecurrencePatternKind.Weekly)), RecurrenceProblem.Invalid },
        { "day of month 0", With(new RecurrencePattern(RecurrencePatternKind.AbsoluteMonthly, DayOfMonth: 0)), RecurrenceProblem.Invalid },
        { "day of month 32", With(new RecurrencePattern(RecurrencePatternKind.AbsoluteMonthly, DayOfMonth: 32)), RecurrenceProblem.Invalid },
        { "day of month 31", With(new RecurrencePattern(RecurrencePatternKind.AbsoluteMonthly, DayOfMonth: 31)), RecurrenceProblem.None },
        { "monthly, no day", With(new RecurrencePattern(RecurrencePatternKind.AbsoluteMonthly)), RecurrenceProblem.Invalid },
        { "month 13", With(new RecurrencePattern(RecurrencePatternKind.AbsoluteYearly, DayOfMonth: 1, Month: 13)), RecurrenceProblem.Invalid },
        { "yearly, no month", With(new RecurrencePattern(RecurrencePatternKind.AbsoluteYearly, DayOfMonth: 1)), RecurrenceProblem.Invalid },
        { "relative, no index", With(new RecurrencePattern(RecurrencePatternKind.RelativeMonthly, DaysOfWeek: RecurrenceDays.Monday)), RecurrenceProblem.Invalid },
        { "relative, no days", With(new RecurrencePattern(RecurrencePatternKind.RelativeYearly, Index: DayOfWeekIndex.Last, Month: 2)), RecurrenceProblem.Invalid },
        { "numbered 0", Mondays(new RecurrenceRange(RecurrenceRangeKind.Numbered, new DateOnly(2030, 1, 7), NumberOfOccurrences: 0)), RecurrenceProblem.Invalid },
        { "numbered 999", Mondays(new RecurrenceRange(RecurrenceRangeKind.Numbered, new DateOnly(2030, 1, 7), NumberOfOccurrences: 999)), RecurrenceProblem.None },
        { "numbered 1000", Mondays(new RecurrenceRange(RecurrenceRangeKind.Numbered, new DateOnly(2030, 1, 7), NumberOfOccurrences: 1000)), RecurrenceProblem.Invalid },
        { "end date missing", Mondays(new RecurrenceRange(RecurrenceRangeKind.EndDate, new DateOnly(2030, 1, 7))), RecurrenceProblem.Invalid },
        { "start date before 1601-04-01", Mondays(new RecurrenceRange(RecurrenceRangeKind.NoEnd, new DateOnly(1601, 3, 31))), RecurrenceProblem.Invalid },
        { "end date before start date", Mondays(new RecurrenceRange(RecurrenceRangeKind.EndDate, new DateOnly(2030, 1, 7), new DateOnly(2030, 1, 6))), RecurrenceProblem.HasNoOccurrence },
        { "end date before the first Monday", Mondays(new RecurrenceRange(RecurrenceRangeKind.EndDate, new DateOnly(2030, 1, 8), new DateOnly(2030, 1, 13))), RecurrenceProblem.HasNoOccurrence },
        { "end date on the first Monday", Mondays(new RecurrenceRange(RecurrenceRangeKind.EndDate, new DateOnly(2030, 1, 8), new DateOnly(2030, 1, 14))), RecurrenceProblem.None },
        { "end date 4500-09-01", Mondays(new RecurrenceRange(RecurrenceRangeKind.EndDate, new DateOnly(2030, 1, 7), new DateOnly(4500, 9, 1))), RecurrenceProblem.None },
        { "end date 4500-09-02", Mondays(new RecurrenceRange(RecurrenceRangeKind.EndDate, new DateOnly(2030, 1, 7), new DateOnly(4500, 9, 2))), RecurrenceProblem.EndDateTooBig },
        { "999 years from 4000", With(new RecurrencePattern(RecurrencePatternKind.AbsoluteYearly, DayOfMonth: 1, Month: 1), new RecurrenceRange(RecurrenceRangeKind.Numbered, new DateOnly(4000, 1, 1), NumberOfOccurrences: 999)), RecurrenceProblem.EndDateTooBig },
        { "five years and a day", Mondays(new RecurrenceRange(RecurrenceRangeKind.Numbered, new DateOnly(2030, 1, 7), NumberOfOccurrences: 1), TimeSpan.FromDays((365 * 5) + 3)), RecurrenceProblem.DurationIsTooLong },
        { "daily, 25 hours", With(new RecurrencePattern(RecurrencePatternKind.Daily), duration: TimeSpan.FromHours(25)), RecurrenceProblem.OccurrenceTimeSpanTooBig },
        { "daily, 24 hours", With(new RecurrencePattern(RecurrencePatternKind.Daily), duration: TimeSpan.FromHours(24)), RecurrenceProblem.None },
        { "every 3 days, 3 days", With(new RecurrencePattern(RecurrencePatternKind.Daily, 3), duration: TimeSpan.FromDays(3)), RecurrenceProblem.None },
        { "Monday and Tuesday, 2 days", With(new RecurrencePattern(RecurrencePatternKind.Weekly, DaysOfWeek: RecurrenceDays.Monday | RecurrenceDays.Tuesday), duration: TimeSpan.FromDays(2)), RecurrenceProblem.OccurrenceTimeSpanTooBig },
        { "Sunday and Monday, 2 days", With(new RecurrencePattern(RecurrencePatternKind.Weekly, DaysOfWeek: RecurrenceDays.Sunday | RecurrenceDays.Monday, FirstDayOfWeek: DayOfWeek.Monday), duration: TimeSpan.FromDays(2)), RecurrenceProblem.OccurrenceTimeSpanTooBig },
        { "monthly on the 31st, 29 days", With(new RecurrencePattern(RecurrencePatternKind.AbsoluteMonthly, DayOfMonth: 31), duration: TimeSpan.FromDays(29)), RecurrenceProblem.OccurrenceTimeSpanTooBig },
        { "monthly on the 31st, 28 days", With(new RecurrencePattern(RecurrencePatternKind.AbsoluteMonthly, DayOfMonth: 31), duration: TimeSpan.FromDays(28)), RecurrenceProblem.None },
        { "one occurrence of 3 days, daily", With(new RecurrencePattern(RecurrencePatternKind.Daily), new RecurrenceRange(RecurrenceRangeKind.Numbered, new DateOnly(2030, 1, 7), NumberOfOccurrences: 1), TimeSpan.FromDays(3)), RecurrenceProblem.None },
        { "all-day daily across the spring change", new Series(new Recurrence(new RecurrencePattern(RecurrencePatternKind.Daily), new RecurrenceRange(RecurrenceRangeKind.NoEnd, new DateOnly(2030, 3, 31))), ParisTime(2030, 3, 31, 0), ParisTime(2030, 4, 1, 0), Paris, Paris, true), RecurrenceProblem.None },
        { "all-day daily of 2 days", With(new RecurrencePattern(RecurrencePatternKind.Daily), duration: TimeSpan.FromDays(2), allDay: true), RecurrenceProblem.OccurrenceTimeSpanTooBig },
    };

    [Theory]
    [MemberData(nameof(Problems))]
    public void Validate_refuses_what_Exchange_refuses(string name, Series series, RecurrenceProblem expected)
    {
        Assert.True(expected == RecurrenceExpansion.Validate(series), $"{name}: {RecurrenceExpansion.Validate(series)}");
    }

    [Fact]
    public void Expansion_of_a_recurrence_Validate_refuses_does_not_throw()
    {
        var bad = With(new RecurrencePattern(RecurrencePatternKind.Weekly, 0));

        Assert.Equal(1, RecurrenceExpansion.Count(bad));
        Assert.NotNull(RecurrenceExpansion.OccurrenceAt(bad, 1));
        Assert.Single(RecurrenceExpansion.Occurrences(bad, DateTime.MinValue, DateTime.MaxValue));
    }

    [Fact]
    public void Neighbours_skip_deleted_occurrences_and_are_where_their_exceptions_put_them()
    {
        var series = Mondays(new RecurrenceRange(RecurrenceRangeKind.Numbered, new DateOnly(2030, 1, 7), NumberOfOccurrences: 5));
        var moved = new ModifiedOccurrence(ParisTime(2030, 1, 28, 9), ParisTime(2030, 1, 29, 15), ParisTime(2030, 1, 29, 16));
        DateTime[] deleted = [ParisTime(2030, 1, 14, 9)];

        var (previous, next) = RecurrenceExpansion.Neighbours(series, 3, [moved], deleted);

        Assert.Equal(1, previous!.Value.Index);
        Assert.Equal(ParisTime(2030, 1, 7, 9), previous.Value.StartUtc);
        Assert.Equal(new Occurrence(4, moved.OriginalStartUtc, moved.StartUtc, moved.EndUtc, IsException: true), next);
        Assert.Equal((null, RecurrenceExpansion.OccurrenceAt(series, 3)), RecurrenceExpansion.Neighbours(series, 1, null, deleted));
        Assert.Null(RecurrenceExpansion.Neighbours(series, 5).Next);
    }

    /// <summary>exchangelib's test_all_recurring_pattern_types: a master at 2016-01-01 08:00-10:00 and four occurrences of each.</summary>
    public static TheoryData<RecurrencePattern> ExchangelibPatterns() =>
    [
        new(RecurrencePatternKind.AbsoluteYearly, DayOfMonth: 13, Month: 11),
        new(RecurrencePatternKind.RelativeYearly, DaysOfWeek: RecurrenceDays.Monday, Index: DayOfWeekIndex.Third, Month: 11),
        new(RecurrencePatternKind.RelativeYearly, DaysOfWeek: RecurrenceDays.WeekendDay, Index: DayOfWeekIndex.Third, Month: 11),
        new(RecurrencePatternKind.AbsoluteMonthly, 3, DayOfMonth: 13),
        new(RecurrencePatternKind.RelativeMonthly, 3, RecurrenceDays.Tuesday, DayOfWeekIndex.Third),
        new(RecurrencePatternKind.RelativeMonthly, 3, RecurrenceDays.Weekday, DayOfWeekIndex.Third),
        new(RecurrencePatternKind.Weekly, 3, RecurrenceDays.Monday | RecurrenceDays.Wednesday, FirstDayOfWeek: DayOfWeek.Monday),
        new(RecurrencePatternKind.Daily, 1),
    ];

    [Theory]
    [MemberData(nameof(ExchangelibPatterns))]
    public void Every_pattern_exchangelib_saves_is_valid_with_four_occurrences(RecurrencePattern pattern)
    {
        var copenhagen = TimeZones.Find("Europe/Copenhagen")!;
        var start = TimeZones.ToUtc(new DateTime(2016, 1, 1, 8, 0, 0), copenhagen);
        var series = new Series(new Recurrence(pattern, new RecurrenceRange(RecurrenceRangeKind.Numbered, new DateOnly(2016, 1, 1), NumberOfOccurrences: 4)), start, start.AddHours(2), copenhagen, copenhagen);

        Assert.Equal(RecurrenceProblem.None, RecurrenceExpansion.Validate(series));
        Assert.Equal(4, RecurrenceExpansion.OccurrencesFrom(series).Count());
    }

    [Fact]
    public void Random_series_expand_as_the_patterns_definitions_read_day_by_day()
    {
        var random = new Random(16);
        string[] zones = ["Europe/Paris", "America/New_York", "Australia/Sydney", "UTC", "Asia/Kolkata", "America/Santiago"];
        RecurrenceDays[] daySets = [RecurrenceDays.Monday, RecurrenceDays.Sunday, RecurrenceDays.Weekday, RecurrenceDays.WeekendDay, RecurrenceDays.Day,
            RecurrenceDays.Tuesday | RecurrenceDays.Saturday, RecurrenceDays.Friday | RecurrenceDays.Sunday | RecurrenceDays.Wednesday];
        for (var i = 0; i < 400; i++)
        {
            var zone = TimeZones.Find(zones[random.Next(zones.Length)])!;
            var kind = (RecurrencePatternKind)random.Next(6);
            var days = daySets[random.Next(daySets.Length)];
            var pattern = new RecurrencePattern(
                kind,
                kind is RecurrencePatternKind.AbsoluteYearly or RecurrencePatternKind.RelativeYearly ? 1 : random.Next(1, 5),
                kind == RecurrencePatternKind.Weekly ? days : (RecurrenceDays)(1 << random.Next(7)) is var one && random.Next(3) == 0 ? daySets[random.Next(2, 5)] : one,
                (DayOfWeekIndex)random.Next(1, 6),
                random.Next(1, 32),
                random.Next(1, 13),
                (DayOfWeek)random.Next(7));
            var startDate = new DateOnly(2024, 1, 1).AddDays(random.Next(3000));
            var range = random.Next(3) switch
            {
                0 => new RecurrenceRange(RecurrenceRangeKind.NoEnd, startDate),
                1 => new RecurrenceRange(RecurrenceRangeKind.Numbered, startDate, NumberOfOccurrences: random.Next(1, 40)),
                _ => new RecurrenceRange(RecurrenceRangeKind.EndDate, startDate, startDate.AddDays(random.Next(0, 900))),
            };
            var masterDay = startDate.AddDays(random.Next(-3, 4));
            var allDay = random.Next(5) == 0;
            var startLocal = masterDay.ToDateTime(allDay ? TimeOnly.MinValue : new TimeOnly(random.Next(24), random.Next(4) * 15));
            var start = TimeZones.ToUtc(startLocal, zone);
            var end = allDay ? TimeZones.ToUtc(startLocal.AddDays(random.Next(1, 3)), zone) : start.AddMinutes(random.Next(0, 300));
            var series = new Series(new Recurrence(pattern, range), start, end, zone, zone, allDay);
            var from = start.AddDays(random.Next(-10, 700));
            var to = from.AddDays(random.Next(0, 120)).AddHours(random.Next(24));

            var naive = NaiveExpansion.Occurrences(series, from, to).ToList();
            var actual = RecurrenceExpansion.Occurrences(series, from, to).ToList();

            Assert.True(naive.SequenceEqual(actual.Select(o => (o.Index, o.StartUtc, o.EndUtc))), $"case {i}: {series} [{from:o}, {to:o})");
            foreach (var occurrence in actual)
            {
                Assert.Equal(occurrence, RecurrenceExpansion.OccurrenceAt(series, occurrence.Index));
                Assert.Equal(occurrence.Index, RecurrenceExpansion.IndexOf(series, occurrence.OriginalStartUtc));
            }

            if (RecurrenceExpansion.Count(series) is { } count)
            {
                Assert.Equal(NaiveExpansion.Occurrences(series, DateTime.MinValue, DateTime.MaxValue).Count(), count);
            }
        }
    }
}
