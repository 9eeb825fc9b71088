namespace Rendezvous.Protocol;

/// <summary>
/// How a series repeats, as RecurrenceType (calendar items) and TaskRecurrenceType (tasks) carry it: one pattern and
/// one range. The series' first start, duration and zone stay on the master item; this says only where it repeats.
/// </summary>
/// <param name="Pattern">The pattern (RecurrencePatternTypes, or a regeneration pattern for tasks).</param>
/// <param name="Range">The range (RecurrenceRangeTypes).</param>
public sealed record Recurrence(RecurrencePattern Pattern, RecurrenceRange Range);

/// <summary>The schema's recurrence patterns, by element name; the regeneration patterns are tasks' only.</summary>
public enum RecurrencePatternKind
{
    /// <summary>RelativeYearlyRecurrence: the DayOfWeekIndex'th DaysOfWeek of Month, every year.</summary>
    RelativeYearly,

    /// <summary>AbsoluteYearlyRecurrence: DayOfMonth of Month, every year.</summary>
    AbsoluteYearly,

    /// <summary>RelativeMonthlyRecurrence: the DayOfWeekIndex'th DaysOfWeek, every Interval months.</summary>
    RelativeMonthly,

    /// <summary>AbsoluteMonthlyRecurrence: DayOfMonth, every Interval months.</summary>
    AbsoluteMonthly,

    /// <summary>WeeklyRecurrence: each of DaysOfWeek, every Interval weeks starting on FirstDayOfWeek.</summary>
    Weekly,

    /// <summary>DailyRecurrence: every Interval days.</summary>
    Daily,

    /// <summary>DailyRegeneration (tasks): Interval days after the last one was completed.</summary>
    DailyRegeneration,

    /// <summary>WeeklyRegeneration (tasks).</summary>
    WeeklyRegeneration,

    /// <summary>MonthlyRegeneration (tasks).</summary>
    MonthlyRegeneration,

    /// <summary>YearlyRegeneration (tasks).</summary>
    YearlyRegeneration,
}

/// <summary>
/// Days as DaysOfWeek holds them: a set of weekdays. The schema's Day, Weekday and WeekendDay are the sets
/// <see cref="Day"/>, <see cref="Weekday"/> and <see cref="WeekendDay"/>; in a relative pattern the set is what the
/// DayOfWeekIndex counts (the second Weekday of the month).
/// </summary>
[Flags]
public enum RecurrenceDays
{
    /// <summary>No day.</summary>
    None = 0,

    /// <summary>Sunday.</summary>
    Sunday = 1 << DayOfWeek.Sunday,

    /// <summary>Monday.</summary>
    Monday = 1 << DayOfWeek.Monday,

    /// <summary>Tuesday.</summary>
    Tuesday = 1 << DayOfWeek.Tuesday,

    /// <summary>Wednesday.</summary>
    Wednesday = 1 << DayOfWeek.Wednesday,

    /// <summary>Thursday.</summary>
    Thursday = 1 << DayOfWeek.Thursday,

    /// <summary>Friday.</summary>
    Friday = 1 << DayOfWeek.Friday,

    /// <summary>Saturday.</summary>
    Saturday = 1 << DayOfWeek.Saturday,

    /// <summary>The schema's Weekday: Monday to Friday.</summary>
    Weekday = Monday | Tuesday | Wednesday | Thursday | Friday,

    /// <summary>The schema's WeekendDay: Saturday and Sunday.</summary>
    WeekendDay = Saturday | Sunday,

    /// <summary>The schema's Day: any day.</summary>
    Day = Weekday | WeekendDay,
}

/// <summary>The schema's DayOfWeekIndexType: which matching day of the month a relative pattern picks.</summary>
public enum DayOfWeekIndex
{
    /// <summary>First.</summary>
    First = 1,

    /// <summary>Second.</summary>
    Second = 2,

    /// <summary>Third.</summary>
    Third = 3,

    /// <summary>Fourth.</summary>
    Fourth = 4,

    /// <summary>Last.</summary>
    Last = 5,
}

/// <summary>One recurrence pattern; each kind uses only the members its schema element has.</summary>
/// <param name="Kind">Which pattern.</param>
/// <param name="Interval">Interval (days, weeks, months; 1 for the yearly patterns).</param>
/// <param name="DaysOfWeek">DaysOfWeek (Weekly, RelativeMonthly, RelativeYearly).</param>
/// <param name="Index">DayOfWeekIndex (RelativeMonthly, RelativeYearly).</param>
/// <param name="DayOfMonth">DayOfMonth, 1 to 31 (AbsoluteMonthly, AbsoluteYearly); past a month's end it is that month's last day.</param>
/// <param name="Month">Month, 1 to 12 (the yearly patterns).</param>
/// <param name="FirstDayOfWeek">FirstDayOfWeek (Weekly; Exchange2010_SP1 and later): where an Interval of weeks starts.</param>
public sealed record RecurrencePattern(
    RecurrencePatternKind Kind,
    int Interval = 1,
    RecurrenceDays DaysOfWeek = RecurrenceDays.None,
    DayOfWeekIndex? Index = null,
    int? DayOfMonth = null,
    int? Month = null,
    DayOfWeek FirstDayOfWeek = DayOfWeek.Sunday);

/// <summary>The schema's recurrence ranges, by element name.</summary>
public enum RecurrenceRangeKind
{
    /// <summary>NoEndRecurrence.</summary>
    NoEnd,

    /// <summary>EndDateRecurrence: up to and including EndDate.</summary>
    EndDate,

    /// <summary>NumberedRecurrence: NumberOfOccurrences occurrences.</summary>
    Numbered,
}

/// <summary>One recurrence range. Dates are days in the series' start zone (xs:date; an offset a client gives is dropped).</summary>
/// <param name="Kind">Which range.</param>
/// <param name="StartDate">StartDate: no occurrence before this day.</param>
/// <param name="EndDate">EndDate (EndDateRecurrence): no occurrence after this day.</param>
/// <param name="NumberOfOccurrences">NumberOfOccurrences (NumberedRecurrence).</param>
public sealed record RecurrenceRange(
    RecurrenceRangeKind Kind,
    DateOnly StartDate,
    DateOnly? EndDate = null,
    int? NumberOfOccurrences = null);
