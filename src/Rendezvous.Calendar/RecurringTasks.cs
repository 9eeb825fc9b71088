using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Calendar;

/// <summary>What the task rules read of a task: its recurrence, its dates (UTC days), whether it is completed, and when.</summary>
/// <param name="Recurrence">task:Recurrence, or null for a one-off task.</param>
/// <param name="StartDate">task:StartDate: the current occurrence's start day.</param>
/// <param name="DueDate">task:DueDate: the current occurrence's due day.</param>
/// <param name="IsComplete">Status Completed (PercentComplete 100 and a CompleteDate say the same: the edge ties them).</param>
/// <param name="CompleteDate">task:CompleteDate, when completed.</param>
public sealed record TaskState(Recurrence? Recurrence, DateTime? StartDate, DateTime? DueDate, bool IsComplete, DateTime? CompleteDate);

/// <summary>
/// A task's fields in the stored form the edge gives them (its elements kept as sent, their rules at the edge): how the
/// services read a task's <see cref="TaskState"/> and write what <see cref="RecurringTasks"/> decided, without knowing
/// that form.
/// </summary>
public interface ITaskFields
{
    TaskState Read(Item task);

    /// <summary>The series moved on to its next occurrence: its dates and recurrence, not completed, one more change.</summary>
    void Advance(Item task, TaskAdvance advance);

    /// <summary>The task as a one-off: without its recurrence.</summary>
    void MakeOneOff(Item task);
}

/// <summary>Where a recurring task goes next: its next occurrence's dates and its recurrence with one occurrence less.</summary>
public sealed record TaskAdvance(DateTime? StartDate, DateTime? DueDate, Recurrence Recurrence);

/// <summary>What an update of a recurring task does besides the update itself.</summary>
public enum TaskOutcome
{
    /// <summary>An ordinary update (a one-off task, or nothing that moves the series).</summary>
    Update,

    /// <summary>The occurrence becomes a one-off copy (completed, or with its new dates) and the series moves on.</summary>
    Regenerate,

    /// <summary>The series' last occurrence was completed: the task is completed in place and recurs no more.</summary>
    LastCompleted,
}

/// <summary>
/// Recurring tasks as Exchange keeps them (updateitem-operation-task.md): one task item holds the series and is the
/// current occurrence (its StartDate and DueDate). Completing it, or changing the dates of a task that does not
/// regenerate, makes a one-off task of that occurrence and moves the series on to the next one: the next date of its
/// pattern for a recurring pattern, the completion day plus the interval for a regeneration pattern (Regeneration
/// patterns are counted from when the last one was done). A NumberedRecurrence counts the occurrences left, so it
/// loses one. Pure functions: the services apply the outcome.
/// </summary>
public static class RecurringTasks
{
    /// <summary>What an update from <paramref name="before"/> to <paramref name="after"/> does, and where the series goes.</summary>
    public static (TaskOutcome Outcome, TaskAdvance? Next) AfterUpdate(TaskState before, TaskState after, DateTime nowUtc)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        if (before.Recurrence is not { } old || after.Recurrence is not { } recurrence)
        {
            // A task that becomes recurring, or stops recurring, is just updated.
            return (TaskOutcome.Update, null);
        }

        var regenerating = SeriesGrid.IsRegeneration(recurrence.Pattern.Kind);
        var completed = after.IsComplete && !before.IsComplete;
        // Exchange: "The start date or end date of a nonregenerating recurrent task is changed" (the range's start is the
        // task's start: exchangelib's test_recurring_item moves it so).
        var moved = !regenerating && !after.IsComplete
            && (before.StartDate != after.StartDate || before.DueDate != after.DueDate || old.Range.StartDate != recurrence.Range.StartDate);
        if (!completed && !moved)
        {
            return (TaskOutcome.Update, null);
        }

        if (Next(before, old, recurrence, completed ? after.CompleteDate ?? nowUtc : nowUtc) is { } next)
        {
            return (TaskOutcome.Regenerate, next);
        }

        return (completed ? TaskOutcome.LastCompleted : TaskOutcome.Update, null);
    }

    /// <summary>
    /// SpecifiedOccurrenceOnly of DeleteItem: the series without its current occurrence (moved on to the next one), or
    /// null when that was its last and the task goes.
    /// </summary>
    public static TaskAdvance? WithoutCurrent(TaskState task, DateTime nowUtc)
    {
        ArgumentNullException.ThrowIfNull(task);
        return task.Recurrence is { } recurrence ? Next(task, recurrence, recurrence, nowUtc) : null;
    }

    /// <summary>
    /// A new recurring task's dates when it gives none: its first occurrence (the range's start for a regeneration
    /// pattern, else the pattern's first date on or after it), as Exchange dates a new series.
    /// </summary>
    public static DateTime? FirstDue(Recurrence recurrence)
    {
        ArgumentNullException.ThrowIfNull(recurrence);
        var start = Day(recurrence.Range.StartDate);
        if (SeriesGrid.IsRegeneration(recurrence.Pattern.Kind))
        {
            return start;
        }

        return FirstOnOrAfter(recurrence, start);
    }

    private static TaskAdvance? Next(TaskState current, Recurrence pattern, Recurrence range, DateTime nowUtc)
    {
        if (range.Range.Kind == RecurrenceRangeKind.Numbered && range.Range.NumberOfOccurrences is not > 1)
        {
            return null;
        }

        var day = current.DueDate ?? current.StartDate ?? Day(pattern.Range.StartDate);
        var next = SeriesGrid.IsRegeneration(pattern.Pattern.Kind)
            ? Regenerated(pattern.Pattern, nowUtc.Date)
            : FirstOnOrAfter(pattern, day.Date.AddDays(1));
        if (next is not { } due || (range.Range.Kind == RecurrenceRangeKind.EndDate && range.Range.EndDate is { } end && DateOnly.FromDateTime(due) > end))
        {
            return null;
        }

        // The next occurrence keeps the task's span from start to due.
        DateTime? start = current.StartDate is { } s ? due - ((current.DueDate ?? s) - s) : null;
        var left = range.Range.Kind == RecurrenceRangeKind.Numbered
            ? range with { Range = range.Range with { NumberOfOccurrences = range.Range.NumberOfOccurrences - 1 } }
            : range;
        return new TaskAdvance(start, current.DueDate is null && current.StartDate is not null ? null : due, left);
    }

    /// <summary>A regeneration pattern's next task: Interval days, weeks, months or years after <paramref name="doneDay"/>.</summary>
    private static DateTime? Regenerated(RecurrencePattern pattern, DateTime doneDay)
    {
        var interval = Math.Clamp(pattern.Interval, 1, RecurrenceExpansion.MaxInterval);
        var next = pattern.Kind switch
        {
            RecurrencePatternKind.DailyRegeneration => doneDay.AddDays(interval),
            RecurrencePatternKind.WeeklyRegeneration => doneDay.AddDays(7 * interval),
            RecurrencePatternKind.MonthlyRegeneration => doneDay.AddMonths(interval),
            _ => doneDay.AddYears(Math.Min(interval, 9999 - doneDay.Year)),
        };
        return DateOnly.FromDateTime(next) > RecurrenceExpansion.MaxEndDate ? null : DateTime.SpecifyKind(next, DateTimeKind.Utc);
    }

    /// <summary>The pattern's first date on or after <paramref name="fromDay"/>, its range's end left aside (the count is of what is left).</summary>
    private static DateTime? FirstOnOrAfter(Recurrence recurrence, DateTime fromDay)
    {
        var endless = recurrence with { Range = new RecurrenceRange(RecurrenceRangeKind.NoEnd, recurrence.Range.StartDate) };
        if (!SeriesGrid.IsWellFormed(endless))
        {
            return null;
        }

        var first = Day(recurrence.Range.StartDate);
        // Task dates are days: a series of one-minute occurrences at midnight UTC.
        var series = new Series(endless, first, first.AddMinutes(1), TimeZoneInfo.Utc, TimeZoneInfo.Utc);
        var from = fromDay < first ? first : fromDay;
        foreach (var occurrence in RecurrenceExpansion.Occurrences(series, from, Day(RecurrenceExpansion.MaxEndDate)))
        {
            return occurrence.StartUtc.Date;
        }

        return null;
    }

    private static DateTime Day(DateOnly day) => day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
}
