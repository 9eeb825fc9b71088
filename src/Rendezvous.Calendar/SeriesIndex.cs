namespace Rendezvous.Calendar;

/// <summary>
/// Which series of a calendar can have an occurrence in a window, found without asking each one (bench, issue 16: every
/// open-ended series overlaps every later window, so a week view of 3,000 series asked 3,000 grids for the week's
/// occurrences to find some 50; the cost followed the series, not the occurrences). A pattern's dates are periodic in
/// day numbers (Daily, Weekly) or month numbers (the others): date d is one of its dates only if d modulo the period is
/// one of the pattern's residues. So the series are grouped by period, each group's residues sorted, and a window's
/// days (padded by the widest UTC offset, a day for a gap that moves a start past midnight, and the occurrences' length)
/// are one or two residue ranges per group, found by binary search. Exceptions, which sit anywhere, are kept apart,
/// sorted by start. What it answers is a superset of the series with an occurrence or exception in the window (the
/// grid's own window test decides), in ascending position; nothing is expanded, so an open-ended series is still
/// computed only within the window asked for. Immutable once built: one instance serves concurrent requests.
/// </summary>
public sealed class SeriesIndex
{
    // Any zone's local date is within 14 hours of UTC's (Kiribati +14, Baker Island -12), and a start moved forward by
    // a gap at midnight lands at most a day after its pattern date.
    private static readonly long OffsetSlack = TimeSpan.FromHours(14).Ticks + TimeSpan.TicksPerDay;

    private readonly Group[] groups;

    /// <summary>Series of one occurrence (regeneration patterns, recurrences Validate refuses): always asked.</summary>
    private readonly int[] always;

    /// <summary>Every series' exceptions shown, by start.</summary>
    private readonly (long Start, long End, int Position)[] exceptions;
    private readonly long longestException;

    /// <param name="series">The series, by position: <see cref="Candidates"/> answers positions in this list.</param>
    public SeriesIndex(IReadOnlyList<PreparedSeries> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var byPeriod = new Dictionary<(bool ByMonth, long Period, int ReachDays), List<(long Residue, int Position)>>();
        var single = new List<int>();
        var moved = new List<(long Start, long End, int Position)>();
        for (var position = 0; position < series.Count; position++)
        {
            var prepared = series[position];
            var grid = prepared.Grid;
            if (!grid.TryPeriod(out var byMonth, out var period, out var residues))
            {
                single.Add(position);
            }
            else
            {
                var key = (byMonth, period, grid.ReachDays);
                if (!byPeriod.TryGetValue(key, out var members))
                {
                    byPeriod[key] = members = [];
                }

                foreach (var residue in residues)
                {
                    members.Add((residue, position));
                }
            }

            foreach (var exception in prepared.Exceptions)
            {
                moved.Add((exception.StartUtc.Ticks, exception.EndUtc.Ticks, position));
                longestException = Math.Max(longestException, exception.EndUtc.Ticks - exception.StartUtc.Ticks);
            }
        }

        groups = [.. byPeriod.Select(static g => new Group(g.Key.ByMonth, g.Key.Period, g.Key.ReachDays, g.Value))];
        always = [.. single];
        moved.Sort(static (a, b) => a.Start.CompareTo(b.Start));
        exceptions = [.. moved];
    }

    /// <summary>
    /// The positions of the series that may have an occurrence or exception overlapping [from, to), ascending and
    /// distinct, appended to <paramref name="into"/>; every series that has one is among them.
    /// </summary>
    public void Candidates(DateTime fromUtc, DateTime toUtc, List<int> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        var first = into.Count;
        var lastDay = DayNumber(toUtc.Ticks + OffsetSlack);
        foreach (var group in groups)
        {
            var firstDay = DayNumber(fromUtc.Ticks - (group.ReachDays * TimeSpan.TicksPerDay) - OffsetSlack);
            if (group.ByMonth)
            {
                group.Within(MonthNumber(firstDay), MonthNumber(lastDay), into);
            }
            else
            {
                group.Within(firstDay, lastDay, into);
            }
        }

        into.AddRange(always);
        var from = fromUtc.Ticks;
        var to = toUtc.Ticks;
        for (var i = FirstExceptionFrom(from - longestException); i < exceptions.Length && exceptions[i].Start < to; i++)
        {
            var (start, end, position) = exceptions[i];
            if (end > from || (end <= start && start >= from))
            {
                into.Add(position);
            }
        }

        // Ascending and distinct: a weekly series has several residues, and a series may have an exception here too.
        into.Sort(first, into.Count - first, null);
        var kept = first;
        for (var i = first; i < into.Count; i++)
        {
            if (kept == first || into[i] != into[kept - 1])
            {
                into[kept++] = into[i];
            }
        }

        into.RemoveRange(kept, into.Count - kept);
    }

    private int FirstExceptionFrom(long ticks)
    {
        int low = 0, high = exceptions.Length;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (exceptions[mid].Start < ticks)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }

    private static long DayNumber(long ticks) => Math.Clamp(ticks, DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks) / TimeSpan.TicksPerDay;

    private static long MonthNumber(long dayNumber)
    {
        var date = DateOnly.FromDayNumber((int)dayNumber);
        return (date.Year * 12L) + date.Month - 1;
    }

    /// <summary>The series of one period and reach: their residues sorted, with the series' positions beside them.</summary>
    private sealed class Group
    {
        private readonly long[] residues;
        private readonly int[] positions;

        public Group(bool byMonth, long period, int reachDays, List<(long Residue, int Position)> members)
        {
            ByMonth = byMonth;
            Period = period;
            ReachDays = reachDays;
            members.Sort(static (a, b) => a.Residue != b.Residue ? a.Residue.CompareTo(b.Residue) : a.Position.CompareTo(b.Position));
            residues = [.. members.Select(static m => m.Residue)];
            positions = [.. members.Select(static m => m.Position)];
        }

        public bool ByMonth { get; }

        public long Period { get; }

        public int ReachDays { get; }

        /// <summary>The series with a pattern day (or month) numbered in [first, last].</summary>
        public void Within(long first, long last, List<int> into)
        {
            if (last - first + 1 >= Period)
            {
                into.AddRange(positions);
                return;
            }

            var low = Mod(first);
            var high = Mod(last);
            if (low <= high)
            {
                Add(low, high, into);
            }
            else
            {
                Add(low, Period - 1, into);
                Add(0, high, into);
            }
        }

        private long Mod(long value) => ((value % Period) + Period) % Period;

        private void Add(long low, long high, List<int> into)
        {
            for (var i = LowerBound(low); i < residues.Length && residues[i] <= high; i++)
            {
                into.Add(positions[i]);
            }
        }

        private int LowerBound(long value)
        {
            int low = 0, high = residues.Length;
            while (low < high)
            {
                var mid = (low + high) >>> 1;
                if (residues[mid] < value)
                {
                    low = mid + 1;
                }
                else
                {
                    high = mid;
                }
            }

            return low;
        }
    }
}
