using Rendezvous.Protocol;

namespace Rendezvous.Calendar.Tests;

/// <summary>
/// Recurring tasks (issue 16 §1, updateitem-operation-task.md): what completing an occurrence or moving its dates does,
/// with the figures exchangelib's test_tasks::test_recurring_item records from Exchange.
/// </summary>
public sealed class RecurringTaskTests
{
    private static readonly DateTime Now = new(2030, 5, 10, 14, 30, 0, DateTimeKind.Utc);

    private static DateTime Day(int year, int month, int day) => new(year, month, day, 0, 0, 0, DateTimeKind.Utc);

    private static Recurrence Of(RecurrencePatternKind kind, DateOnly start, int? count = null, DateOnly? end = null, int interval = 1, RecurrenceDays days = RecurrenceDays.None, int? dayOfMonth = null) =>
        new(new RecurrencePattern(kind, interval, days, DayOfMonth: dayOfMonth),
            count is not null ? new RecurrenceRange(RecurrenceRangeKind.Numbered, start, NumberOfOccurrences: count)
            : end is not null ? new RecurrenceRange(RecurrenceRangeKind.EndDate, start, end)
            : new RecurrenceRange(RecurrenceRangeKind.NoEnd, start));

    private static TaskState Due(Recurrence? recurrence, DateTime day, bool complete = false) => new(recurrence, day, day, complete, complete ? Now : null);

    [Fact]
    public void Exchangelibs_nonregenerating_series_moves_on_a_day_then_to_its_new_start_losing_one_occurrence_each_time()
    {
        var created = Of(RecurrencePatternKind.Daily, new DateOnly(2016, 1, 1), count: 4);
        Assert.Equal(Day(2016, 1, 1), RecurringTasks.FirstDue(created));

        // The range's start moved to 1 February: the occurrence becomes a one-off and the series is due the next day.
        var moved = created with { Range = created.Range with { StartDate = new DateOnly(2016, 2, 1) } };
        var (outcome, next) = RecurringTasks.AfterUpdate(Due(created, Day(2016, 1, 1)), Due(moved, Day(2016, 1, 1)), Now);
        Assert.Equal(TaskOutcome.Regenerate, outcome);
        Assert.Equal(Day(2016, 1, 2), next!.DueDate);
        Assert.Equal(Day(2016, 1, 2), next.StartDate);
        Assert.Equal(3, next.Recurrence.Range.NumberOfOccurrences);
        Assert.Equal(new DateOnly(2016, 2, 1), next.Recurrence.Range.StartDate);

        // Completed: the next occurrence is the pattern's first from its (new) start.
        (outcome, next) = RecurringTasks.AfterUpdate(Due(next.Recurrence, Day(2016, 1, 2)), Due(next.Recurrence, Day(2016, 1, 2), complete: true), Now);
        Assert.Equal(TaskOutcome.Regenerate, outcome);
        Assert.Equal(Day(2016, 2, 1), next!.DueDate);
        Assert.Equal(2, next.Recurrence.Range.NumberOfOccurrences);
    }

    [Fact]
    public void A_regenerating_series_is_due_its_interval_after_the_day_it_was_completed_and_moving_its_start_makes_no_copy()
    {
        var daily = Of(RecurrencePatternKind.DailyRegeneration, new DateOnly(2016, 1, 1), count: 4);
        var moved = daily with { Range = daily.Range with { StartDate = new DateOnly(2016, 1, 2) } };
        Assert.Equal(TaskOutcome.Update, RecurringTasks.AfterUpdate(Due(daily, Day(2016, 1, 1)), Due(moved, Day(2016, 1, 1)), Now).Outcome);

        var (outcome, next) = RecurringTasks.AfterUpdate(Due(moved, Day(2016, 1, 1)), Due(moved, Day(2016, 1, 1), complete: true), Now);
        Assert.Equal(TaskOutcome.Regenerate, outcome);
        Assert.Equal(Now.Date.AddDays(1), next!.DueDate);
        Assert.Equal(3, next.Recurrence.Range.NumberOfOccurrences);

        var weekly = Of(RecurrencePatternKind.WeeklyRegeneration, new DateOnly(2030, 1, 1), interval: 2);
        Assert.Equal(Now.Date.AddDays(14), RecurringTasks.AfterUpdate(Due(weekly, Day(2030, 1, 1)), Due(weekly, Day(2030, 1, 1), complete: true), Now).Next!.DueDate);
        var monthly = Of(RecurrencePatternKind.MonthlyRegeneration, new DateOnly(2030, 1, 1), interval: 3);
        Assert.Equal(Day(2030, 8, 10), RecurringTasks.AfterUpdate(Due(monthly, Day(2030, 1, 1)), Due(monthly, Day(2030, 1, 1), complete: true), Now).Next!.DueDate);
        var yearly = Of(RecurrencePatternKind.YearlyRegeneration, new DateOnly(2030, 1, 1));
        Assert.Equal(Day(2031, 5, 10), RecurringTasks.AfterUpdate(Due(yearly, Day(2030, 1, 1)), Due(yearly, Day(2030, 1, 1), complete: true), Now).Next!.DueDate);
    }

    [Fact]
    public void Each_ordinary_pattern_moves_a_completed_task_to_its_next_date_keeping_the_span_from_start_to_due()
    {
        // Monday 7 January 2030; every Monday and Thursday.
        var weekly = Of(RecurrencePatternKind.Weekly, new DateOnly(2030, 1, 7), days: RecurrenceDays.Monday | RecurrenceDays.Thursday);
        var before = new TaskState(weekly, Day(2030, 1, 5), Day(2030, 1, 7), false, null);
        var (_, next) = RecurringTasks.AfterUpdate(before, before with { IsComplete = true, CompleteDate = Now }, Now);
        Assert.Equal(Day(2030, 1, 10), next!.DueDate);
        Assert.Equal(Day(2030, 1, 8), next.StartDate);

        var monthly = Of(RecurrencePatternKind.AbsoluteMonthly, new DateOnly(2030, 1, 31), dayOfMonth: 31);
        Assert.Equal(Day(2030, 2, 28), RecurringTasks.AfterUpdate(Due(monthly, Day(2030, 1, 31)), Due(monthly, Day(2030, 1, 31), complete: true), Now).Next!.DueDate);
    }

    [Fact]
    public void The_last_occurrence_completed_ends_the_series_and_one_past_the_end_date_too()
    {
        var last = Of(RecurrencePatternKind.Daily, new DateOnly(2030, 1, 1), count: 1);
        Assert.Equal(TaskOutcome.LastCompleted, RecurringTasks.AfterUpdate(Due(last, Day(2030, 1, 1)), Due(last, Day(2030, 1, 1), complete: true), Now).Outcome);

        var until = Of(RecurrencePatternKind.Daily, new DateOnly(2030, 1, 1), end: new DateOnly(2030, 1, 3));
        var (outcome, next) = RecurringTasks.AfterUpdate(Due(until, Day(2030, 1, 2)), Due(until, Day(2030, 1, 2), complete: true), Now);
        Assert.Equal(TaskOutcome.Regenerate, outcome);
        Assert.Equal(Day(2030, 1, 3), next!.DueDate);
        Assert.Equal(TaskOutcome.LastCompleted, RecurringTasks.AfterUpdate(Due(until, Day(2030, 1, 3)), Due(until, Day(2030, 1, 3), complete: true), Now).Outcome);

        // A one-off task, or one that stops recurring, is only updated.
        Assert.Equal(TaskOutcome.Update, RecurringTasks.AfterUpdate(Due(null, Day(2030, 1, 1)), Due(null, Day(2030, 1, 1), complete: true), Now).Outcome);
        Assert.Equal(TaskOutcome.Update, RecurringTasks.AfterUpdate(Due(until, Day(2030, 1, 1)), Due(null, Day(2030, 1, 1), complete: true), Now).Outcome);
    }

    [Fact]
    public void Deleting_the_current_occurrence_alone_moves_the_series_on_and_the_last_one_has_none_left()
    {
        var daily = Of(RecurrencePatternKind.Daily, new DateOnly(2030, 1, 1), count: 2);
        var next = RecurringTasks.WithoutCurrent(Due(daily, Day(2030, 1, 1)), Now);
        Assert.Equal(Day(2030, 1, 2), next!.DueDate);
        Assert.Null(RecurringTasks.WithoutCurrent(Due(next.Recurrence, Day(2030, 1, 2)), Now));
    }
}
