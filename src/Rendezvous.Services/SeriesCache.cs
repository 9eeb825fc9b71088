using System.Collections.Concurrent;
using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Store;

namespace Rendezvous.Services;

/// <summary>A kept master with what expanding it needs, worked out once: its series, its modified occurrences and its grid.</summary>
public sealed record KeptSeries(Item Master, Series Series, IReadOnlyCollection<ModifiedOccurrence> Modified)
{
    /// <summary>The series' grid, exceptions and deletions worked out once.</summary>
    public PreparedSeries Prepared { get; } = new(Series, Modified, Master.DeletedOccurrences);

    /// <summary>The master's occurrences overlapping [from, to), exceptions where they are now, deleted ones left out.</summary>
    public IReadOnlyList<Occurrence> Occurrences(DateTime fromUtc, DateTime toUtc) => Prepared.Occurrences(fromUtc, toUtc);

    /// <summary><see cref="Occurrences"/> appended to <paramref name="into"/>, nothing allocated when the window holds none.</summary>
    public void AppendOccurrences(DateTime fromUtc, DateTime toUtc, List<Occurrence> into) => Prepared.AppendOccurrences(fromUtc, toUtc, into);
}

/// <summary>The series of one calendar folder for one window: the masters whose series bounds overlap it.</summary>
public sealed class SeriesWindow
{
    private readonly SeriesCache.FolderSeries folder;
    private readonly int overlapping;

    internal SeriesWindow(SeriesCache.FolderSeries folder, DateTime start, DateTime end)
    {
        this.folder = folder;
        Start = start;
        End = end;
        // Masters are sorted by series start: those starting before the window ends are a prefix.
        overlapping = folder.StartingBefore(end.Ticks);
    }

    public DateTime Start { get; }

    public DateTime End { get; }

    /// <summary>Whether the folder has series at all in the window's reach (a calendar of single items answers false, nothing allocated).</summary>
    public bool Any => overlapping > 0;

    /// <summary>
    /// Whether <paramref name="itemId"/> is a master whose series overlaps the window: a master's row also holds its
    /// first occurrence's times, so the single items' window may hold it, and the series answers for it instead.
    /// </summary>
    public bool IsMaster(string itemId) => overlapping > 0 && folder.Overlaps(itemId, Start.Ticks, End.Ticks);

    /// <summary>
    /// The occurrences and exceptions in the window of every master, master by master, each master's in start order.
    /// Only the masters the folder's <see cref="SeriesIndex"/> names are asked: the cost follows the occurrences.
    /// </summary>
    public List<(KeptSeries Series, Occurrence Occurrence)> Occurrences()
    {
        var found = new List<(KeptSeries, Occurrence)>();
        var one = new List<Occurrence>();
        var candidates = new List<int>();
        folder.Index.Candidates(Start, End, candidates);
        foreach (var i in candidates)
        {
            if (i >= overlapping)
            {
                // Ascending: the rest start after the window.
                break;
            }

            var entry = folder.Masters[i];
            if (entry.EndTicks is { } endTicks && endTicks <= Start.Ticks)
            {
                continue;
            }

            one.Clear();
            entry.Kept.AppendOccurrences(Start, End, one);
            foreach (var occurrence in one)
            {
                found.Add((entry.Kept, occurrence));
            }
        }

        return found;
    }
}

/// <summary>
/// The recurring masters of each calendar folder, kept between requests (bench, issue 16: reading and decoding each
/// master for every view cost some 30 µs a master, and asking the store which masters overlap a window returned every
/// open-ended series of the calendar, so 3,000 series cost several times 300 for a week holding as many occurrences).
/// A folder's list is the store's series index (id, change number, bounds), kept until the folder's contents stamp
/// (<see cref="Folder.ContentModified"/>, moved on by every write in the folder) moves; then the index is read again
/// and only the masters whose change number moved are read again. A window of an unchanged folder asks the store
/// nothing about series, and each master answers it from its grid worked out once (<see cref="PreparedSeries"/>).
/// Masters are shared, never changed (occurrences are materialised from copies). Bounded: beyond
/// <see cref="Capacity"/> masters it starts again empty. One instance per store, held by the host as a singleton and
/// handed to each request's <see cref="Session"/> (not process state: two servers in one process, as the tests run
/// them, each keep their own).
/// </summary>
public sealed class SeriesCache
{
    public const int Capacity = 20_000;

    private readonly ConcurrentDictionary<string, KeptSeries> masters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FolderSeries> folders = new(StringComparer.Ordinal);

    /// <summary>The masters of <paramref name="folder"/> whose series overlaps [start, end), as the store holds them at the folder's stamp or later.</summary>
    public async Task<SeriesWindow> InWindowAsync(Session session, Folder folder, DateTime start, DateTime end)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var stamp = folder.ContentModified.Ticks;
        ArgumentNullException.ThrowIfNull(session);
        if (!folders.TryGetValue(folder.Id, out var kept) || kept.Stamp != stamp)
        {
            kept = await ReadFolderAsync(session, folder.Id, stamp);
        }

        return new SeriesWindow(kept, start, end);
    }

    private async Task<FolderSeries> ReadFolderAsync(Session session, string folderId, long stamp)
    {
        // Read after the stamp was: what it returns is at least as new as the stamp, so keeping it under that stamp
        // never hides a later change (a later write moves the stamp on, and the next window reads again).
        var versions = await session.Store.GetSeriesVersionsAsync(folderId, session.Cancellation);
        var entries = new List<FolderSeries.Entry>(versions.Count);
        foreach (var version in versions)
        {
            if (!masters.TryGetValue(version.Id, out var master) || master.Master.ChangeNumber != version.ChangeNumber)
            {
                // Gone or changed since the versions were read: the next window reads it again.
                if (await session.Store.GetItemAsync(version.Id, session.Cancellation) is not { } item || SeriesItems.SeriesOf(item) is not { } series)
                {
                    continue;
                }

                // Item.Clone reads ExtendedProperties through GetOrAdd, which adds the list when absent: added here, before the
                // master is shared, so that copying it from many requests at once only reads it.
                _ = item.ExtendedProperties;
                if (masters.Count >= Capacity)
                {
                    masters.Clear();
                    folders.Clear();
                }

                master = new KeptSeries(item, series, SeriesItems.Modified(item, series));
                masters[version.Id] = master;
            }

            entries.Add(new FolderSeries.Entry(master, version.StartTicks, version.EndTicks));
        }

        var folder = new FolderSeries(stamp, entries);
        folders[folderId] = folder;
        return folder;
    }

    /// <summary>One folder's masters at one contents stamp, by series start.</summary>
    internal sealed class FolderSeries
    {
        private readonly Dictionary<string, Entry> byId;

        // Built at most a few times over when windows race for it: each build is the same, and a reference is written whole.
        private SeriesIndex? index;

        public FolderSeries(long stamp, List<Entry> masters)
        {
            Stamp = stamp;
            // The series index's own order (NULL ends first, as SQLite sorts them): occurrences at equal starts keep
            // the order the store's window query gave them.
            masters.Sort(static (a, b) =>
                a.StartTicks != b.StartTicks ? a.StartTicks.CompareTo(b.StartTicks)
                : a.EndTicks != b.EndTicks ? (a.EndTicks ?? long.MinValue).CompareTo(b.EndTicks ?? long.MinValue)
                : a.Kept.Master.ChangeNumber != b.Kept.Master.ChangeNumber ? a.Kept.Master.ChangeNumber.CompareTo(b.Kept.Master.ChangeNumber)
                : string.CompareOrdinal(a.Kept.Master.Id, b.Kept.Master.Id));
            Masters = [.. masters];
            byId = new Dictionary<string, Entry>(masters.Count, StringComparer.Ordinal);
            foreach (var entry in masters)
            {
                byId[entry.Kept.Master.Id] = entry;
            }
        }

        public long Stamp { get; }

        public Entry[] Masters { get; }

        /// <summary>The masters' index by pattern period, by position in <see cref="Masters"/>; built by the first window that asks.</summary>
        public SeriesIndex Index => index ??= new SeriesIndex([.. Masters.Select(static m => m.Kept.Prepared)]);

        /// <summary>How many masters' series start before <paramref name="ticks"/> (they come first).</summary>
        public int StartingBefore(long ticks)
        {
            int low = 0, high = Masters.Length;
            while (low < high)
            {
                var mid = (low + high) >>> 1;
                if (Masters[mid].StartTicks < ticks)
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

        /// <summary>The store's series window test (series start before the window's end, no end or an end after its start).</summary>
        public bool Overlaps(string id, long start, long end) =>
            byId.TryGetValue(id, out var entry) && entry.StartTicks < end && (entry.EndTicks is not { } e || e > start);

        public readonly record struct Entry(KeptSeries Kept, long StartTicks, long? EndTicks);
    }
}
