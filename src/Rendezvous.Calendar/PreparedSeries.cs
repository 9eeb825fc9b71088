namespace Rendezvous.Calendar;

/// <summary>
/// A series with what expanding it needs worked out once: its grid (pattern arithmetic, zone clock, time of day), its
/// deleted and moved original starts as sets, and its exceptions in start order. Gives the same occurrences as
/// <see cref="RecurrenceExpansion.Occurrences"/> (ExpansionTests compares them), without rebuilding any of that per
/// window: what a master kept between calendar views is asked for (bench, issue 16: rebuilding them was a fifth of a
/// 3,000-series week view). Immutable once made, so one instance serves concurrent requests.
/// </summary>
public sealed class PreparedSeries
{
    [ThreadStatic]
    private static List<Occurrence>? scratch;

    private readonly SeriesGrid grid;
    private readonly HashSet<long> deleted;
    private readonly HashSet<long> moved = [];

    /// <summary>The exceptions whose original slot is still the pattern's, where they are now, by start then index.</summary>
    private readonly Occurrence[] exceptions;

    public PreparedSeries(Series series, IReadOnlyCollection<ModifiedOccurrence>? modified = null, IReadOnlyCollection<DateTime>? deletedOriginalStartsUtc = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        Series = series;
        grid = SeriesGrid.Of(series);
        deleted = deletedOriginalStartsUtc is { Count: > 0 } ? [.. deletedOriginalStartsUtc.Select(d => d.Ticks)] : [];
        var kept = new List<Occurrence>();
        foreach (var change in modified ?? [])
        {
            // As RecurrenceExpansion.Occurrences: an exception whose slot is no longer the pattern's (or was deleted after) is nothing to show.
            if (deleted.Contains(change.OriginalStartUtc.Ticks) || grid.IndexOf(change.OriginalStartUtc) is not { } index)
            {
                continue;
            }

            moved.Add(change.OriginalStartUtc.Ticks);
            kept.Add(new Occurrence(index, RecurrenceExpansion.Utc(change.OriginalStartUtc), RecurrenceExpansion.Utc(change.StartUtc), RecurrenceExpansion.Utc(change.EndUtc), IsException: true));
        }

        kept.Sort(static (a, b) => a.StartUtc != b.StartUtc ? a.StartUtc.CompareTo(b.StartUtc) : a.Index.CompareTo(b.Index));
        exceptions = [.. kept];
    }

    public Series Series { get; }

    /// <summary>The pattern's arithmetic, for <see cref="SeriesIndex"/>.</summary>
    internal SeriesGrid Grid => grid;

    /// <summary>The exceptions shown, where they are now, by start: <see cref="SeriesIndex"/> finds them apart from the pattern.</summary>
    internal ReadOnlySpan<Occurrence> Exceptions => exceptions;

    /// <summary>The occurrences overlapping [from, to), in start order, exceptions where they are now, deleted ones left out.</summary>
    public IReadOnlyList<Occurrence> Occurrences(DateTime fromUtc, DateTime toUtc)
    {
        var list = new List<Occurrence>();
        AppendOccurrences(fromUtc, toUtc, list);
        return list;
    }

    /// <summary><see cref="Occurrences"/> appended to <paramref name="into"/>; nothing allocated for a window that holds none.</summary>
    public void AppendOccurrences(DateTime fromUtc, DateTime toUtc, List<Occurrence> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        if (deleted.Count == 0 && moved.Count == 0)
        {
            grid.WindowInto(fromUtc, toUtc, into);
            return;
        }

        var pattern = scratch ??= [];
        pattern.Clear();
        grid.WindowInto(fromUtc, toUtc, pattern);
        var next = NextException(0, fromUtc, toUtc);
        foreach (var occurrence in pattern)
        {
            if (moved.Contains(occurrence.OriginalStartUtc.Ticks) || deleted.Contains(occurrence.OriginalStartUtc.Ticks))
            {
                continue;
            }

            // At equal starts the pattern's occurrence comes first, as RecurrenceExpansion's merge has it.
            while (next < exceptions.Length && exceptions[next].StartUtc < occurrence.StartUtc)
            {
                into.Add(exceptions[next]);
                next = NextException(next + 1, fromUtc, toUtc);
            }

            into.Add(occurrence);
        }

        for (; next < exceptions.Length; next = NextException(next + 1, fromUtc, toUtc))
        {
            into.Add(exceptions[next]);
        }
    }

    private int NextException(int from, DateTime fromUtc, DateTime toUtc)
    {
        while (from < exceptions.Length && !SeriesGrid.Overlaps(exceptions[from].StartUtc, exceptions[from].EndUtc, fromUtc, toUtc))
        {
            from++;
        }

        return from;
    }
}
