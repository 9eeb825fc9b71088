using System.Collections.Concurrent;
using Rendezvous.Calendar;
using Rendezvous.Domain;

namespace Rendezvous.Services;

/// <summary>
/// The recurring masters a calendar window reads, kept between requests by id and change number (bench, issue 16:
/// reading and decoding each master of a calendar for every view cost some 30 µs a master, so 3,000 open-ended series
/// cost seven times 300 for the same answer). A window asks the store only which masters overlap it and at which
/// change number (the partial index items_series), and reads only those it does not hold at that number. Any change to
/// a master moves its change number, so a kept master is never stale; callers never change what they get (occurrences
/// are materialised from copies). Bounded: beyond <see cref="Capacity"/> masters it starts again empty.
/// </summary>
/// <summary>A kept master with what expanding it needs, worked out once: its series and its modified occurrences.</summary>
public sealed record KeptSeries(Item Master, Series Series, IReadOnlyCollection<ModifiedOccurrence> Modified)
{
    /// <summary>The master's occurrences overlapping [from, to), exceptions where they are now, deleted ones left out.</summary>
    public IEnumerable<Occurrence> Occurrences(DateTime fromUtc, DateTime toUtc) =>
        RecurrenceExpansion.Occurrences(Series, fromUtc, toUtc, Modified, Master.DeletedOccurrences);
}

public static class SeriesCache
{
    public const int Capacity = 20_000;

    private static readonly ConcurrentDictionary<string, KeptSeries> Masters = new(StringComparer.Ordinal);

    /// <summary>The masters of <paramref name="folderId"/> whose series overlaps [start, end), as the store holds them now.</summary>
    public static async Task<IReadOnlyList<KeptSeries>> InWindowAsync(Session session, string folderId, DateTime start, DateTime end)
    {
        var versions = await session.Store.GetSeriesVersionsInWindowAsync(folderId, start, end, session.Cancellation);
        var masters = new List<KeptSeries>(versions.Count);
        foreach (var (id, changeNumber) in versions)
        {
            if (Masters.TryGetValue(id, out var kept) && kept.Master.ChangeNumber == changeNumber)
            {
                masters.Add(kept);
                continue;
            }

            // Gone or changed since the versions were read: the next window reads it again.
            if (await session.Store.GetItemAsync(id, session.Cancellation) is not { } master || SeriesItems.SeriesOf(master) is not { } series)
            {
                continue;
            }

            // Item.Clone reads ExtendedProperties through GetOrAdd, which adds the list when absent: added here, before the
            // master is shared, so that copying it from many requests at once only reads it.
            _ = master.ExtendedProperties;
            if (Masters.Count >= Capacity)
            {
                Masters.Clear();
            }

            var entry = new KeptSeries(master, series, SeriesItems.Modified(master, series));
            Masters[id] = entry;
            masters.Add(entry);
        }

        return masters;
    }
}
