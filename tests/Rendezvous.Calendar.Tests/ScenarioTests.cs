using Rendezvous.Protocol;

namespace Rendezvous.Calendar.Tests;

/// <summary>The scenario files of tests/data/recurrence, each expanded and cross-checked (the folder's README).</summary>
public sealed class ScenarioTests
{
    public static TheoryData<string> Names() => [.. Scenario.Names()];

    [Fact]
    public void The_scenario_folder_has_the_files_the_issue_asks_for()
    {
        var names = Scenario.Names().ToList();
        Assert.True(names.Count >= 40, $"{names.Count} scenarios");
        Assert.Contains(names, n => n.StartsWith("rfc5545-", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("ms-", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void The_window_gives_the_expected_occurrences(string name)
    {
        var scenario = Scenario.Load(name);
        var (from, to) = Window(scenario);

        var actual = RecurrenceExpansion.Occurrences(scenario.Series, from, to).ToList();

        Assert.Equal(scenario.Expected.Select(e => e.Index), actual.Select(o => o.Index));
        foreach (var (expected, occurrence) in scenario.Expected.Zip(actual))
        {
            // The expected local time is the pattern's wall clock; in a gap it is read as TimeZones.ToUtc reads it.
            Assert.Equal(TimeZones.ToUtc(expected.Local, scenario.Zone), occurrence.StartUtc);
            if (expected.Utc is { } utc)
            {
                Assert.Equal(utc, occurrence.StartUtc);
            }

            Assert.Equal(DateTimeKind.Utc, occurrence.StartUtc.Kind);
            Assert.Equal(occurrence.OriginalStartUtc, occurrence.StartUtc);
            Assert.False(occurrence.IsException);
            if (scenario.Series.IsAllDay)
            {
                var days = (TimeZones.ToLocal(scenario.Series.EndUtc, scenario.Zone) - TimeZones.ToLocal(scenario.Series.StartUtc, scenario.Zone)).Days;
                Assert.Equal(TimeZones.ToUtc(expected.Local.Date.AddDays(days), scenario.Zone), occurrence.EndUtc);
            }
            else
            {
                Assert.Equal(scenario.Series.EndUtc - scenario.Series.StartUtc, occurrence.EndUtc - occurrence.StartUtc);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void OccurrenceAt_and_IndexOf_agree_with_the_window(string name)
    {
        var scenario = Scenario.Load(name);
        var (from, to) = Window(scenario);

        foreach (var occurrence in RecurrenceExpansion.Occurrences(scenario.Series, from, to))
        {
            Assert.Equal(occurrence, RecurrenceExpansion.OccurrenceAt(scenario.Series, occurrence.Index));
            Assert.Equal(occurrence.Index, RecurrenceExpansion.IndexOf(scenario.Series, occurrence.OriginalStartUtc));
            Assert.Null(RecurrenceExpansion.IndexOf(scenario.Series, occurrence.OriginalStartUtc.AddMinutes(1)));
            Assert.Equal(occurrence, RecurrenceExpansion.OccurrencesFrom(scenario.Series, occurrence.Index).First());
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Count_LastOccurrence_Bounds_and_Validate_agree_with_the_file(string name)
    {
        var scenario = Scenario.Load(name);
        var series = scenario.Series;
        var count = RecurrenceExpansion.Count(series);
        var bounds = RecurrenceExpansion.Bounds(series);

        Assert.Equal(RecurrenceProblem.None, RecurrenceExpansion.Validate(series));
        Assert.Equal(RecurrenceExpansion.OccurrenceAt(series, 1)!.Value.StartUtc, bounds.FirstStartUtc);
        Assert.Null(RecurrenceExpansion.OccurrenceAt(series, 0));
        if (scenario.Count == "none")
        {
            Assert.Null(count);
            Assert.Null(bounds.LastEndUtc);
            Assert.Null(RecurrenceExpansion.LastOccurrence(series));
            return;
        }

        if (scenario.Count is null)
        {
            return;
        }

        Assert.Equal(int.Parse(scenario.Count, System.Globalization.CultureInfo.InvariantCulture), count);
        var last = RecurrenceExpansion.OccurrenceAt(series, count!.Value);
        Assert.NotNull(last);
        Assert.Equal(last, RecurrenceExpansion.LastOccurrence(series));
        Assert.Equal(last.Value.EndUtc, bounds.LastEndUtc);
        Assert.Null(RecurrenceExpansion.OccurrenceAt(series, count.Value + 1));
        Assert.Equal(count.Value, RecurrenceExpansion.OccurrencesFrom(series).Count());
        Assert.Equal(count.Value, RecurrenceExpansion.Occurrences(series, DateTime.MinValue, DateTime.MaxValue).Count());
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void The_window_is_what_reading_the_pattern_day_by_day_gives(string name)
    {
        var scenario = Scenario.Load(name);
        var (from, to) = Window(scenario);

        var naive = NaiveExpansion.Occurrences(scenario.Series, from, to).ToList();
        var actual = RecurrenceExpansion.Occurrences(scenario.Series, from, to).Select(o => (o.Index, o.StartUtc, o.EndUtc)).ToList();

        Assert.Equal(naive, actual);
    }

    /// <summary>The file's window, or the whole series when it has none.</summary>
    private static (DateTime From, DateTime To) Window(Scenario scenario) =>
        (scenario.WindowFromUtc ?? scenario.Series.StartUtc.AddDays(-1), scenario.WindowToUtc ?? DateTime.SpecifyKind(new DateTime(4500, 9, 1), DateTimeKind.Utc));
}
