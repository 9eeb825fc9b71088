using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Calendar;

/// <summary>What addressing occurrence N of a master found: the occurrence, or why there is none.</summary>
public enum OccurrenceLookup
{
    Found,

    /// <summary>ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange: the range has no occurrence of that index.</summary>
    OutOfRange,

    /// <summary>ErrorCalendarOccurrenceIsDeletedFromRecurrence: that occurrence was deleted from the series.</summary>
    Deleted,

    /// <summary>The item is no recurring master.</summary>
    NotAMaster,
}

/// <summary>
/// A recurring master's occurrences and exceptions as items, as pure functions over the master: the seam every later
/// step builds on (views and GetItem here; editing one occurrence, meetings for series and proposals for one occurrence
/// next). An occurrence is the master with the occurrence's times and identity and without the series' own fields; an
/// exception is that overlaid with its <see cref="OccurrenceException.Changes"/>.
/// </summary>
public static class SeriesItems
{
    /// <summary>The series a master describes, or null for an item that is no recurring master.</summary>
    public static Series? SeriesOf(Item master)
    {
        if (master.Recurrence is not { } recurrence || master.Start is not { } start)
        {
            return null;
        }

        var startZone = TimeZones.Find(master.StartTimeZone?.Id) ?? TimeZoneInfo.Utc;
        var endZone = TimeZones.Find(master.EndTimeZone?.Id) ?? startZone;
        return new Series(recurrence, start, master.End ?? start, startZone, endZone, master.IsAllDayEvent);
    }

    /// <summary>The master's modified occurrences as expansion takes them (original start, start and end now).</summary>
    public static IReadOnlyCollection<ModifiedOccurrence> Modified(Item master, Series series)
    {
        if (master.Exceptions is not { Count: > 0 } exceptions)
        {
            return [];
        }

        var duration = series.EndUtc - series.StartUtc;
        return [.. exceptions.Select(e =>
        {
            var start = e.Changes.Start ?? e.OriginalStartUtc;
            return new ModifiedOccurrence(e.OriginalStartUtc, start, e.Changes.End ?? start + duration);
        })];
    }

    /// <summary>The occurrences and exceptions of <paramref name="master"/> that overlap [from, to), as items in start order; deleted ones never.</summary>
    public static IEnumerable<Item> InWindow(Item master, DateTime fromUtc, DateTime toUtc)
    {
        if (SeriesOf(master) is not { } series)
        {
            yield break;
        }

        foreach (var occurrence in OccurrencesInWindow(master, series, fromUtc, toUtc))
        {
            yield return Materialise(master, occurrence);
        }
    }

    /// <summary>The occurrences of <paramref name="master"/> overlapping [from, to), exceptions where they are now, deleted ones left out.</summary>
    public static IEnumerable<Occurrence> OccurrencesInWindow(Item master, Series series, DateTime fromUtc, DateTime toUtc) =>
        RecurrenceExpansion.Occurrences(series, fromUtc, toUtc, Modified(master, series), master.DeletedOccurrences);

    /// <summary>Occurrence <paramref name="index"/> (1-based, counted in the original pattern) of <paramref name="master"/>, or why there is none.</summary>
    public static (OccurrenceLookup Result, Item? Item) At(Item master, int index)
    {
        if (SeriesOf(master) is not { } series)
        {
            return (OccurrenceLookup.NotAMaster, null);
        }

        if (index < 1 || RecurrenceExpansion.OccurrenceAt(series, index) is not { } slot)
        {
            return (OccurrenceLookup.OutOfRange, null);
        }

        if (master.DeletedOccurrences?.Contains(slot.OriginalStartUtc) == true)
        {
            return (OccurrenceLookup.Deleted, null);
        }

        var exception = ExceptionAt(master, slot.OriginalStartUtc);
        var occurrence = exception is null
            ? slot
            : slot with { StartUtc = exception.Changes.Start ?? slot.StartUtc, EndUtc = exception.Changes.End ?? slot.EndUtc, IsException = true };
        return (OccurrenceLookup.Found, Materialise(master, occurrence));
    }

    /// <summary>The exception stored for the occurrence whose original start is <paramref name="originalStartUtc"/>, if any.</summary>
    public static OccurrenceException? ExceptionAt(Item master, DateTime originalStartUtc) =>
        master.Exceptions?.Find(e => e.OriginalStartUtc == originalStartUtc);

    /// <summary>
    /// <paramref name="occurrence"/> of <paramref name="master"/> as an item: the master's properties without the
    /// series' own (Recurrence, ModifiedOccurrences, DeletedOccurrences), overlaid with the exception's changes when it
    /// is one, with the occurrence's own ItemId (same ChangeKey as the master: a change to the series changes it),
    /// Start, End, OriginalStart (its RecurrenceId; the edge's IsRecurring reads it) and CalendarItemType Occurrence or Exception.
    /// </summary>
    public static Item Materialise(Item master, Occurrence occurrence) => Materialise(master, occurrence, master.CloneWithout(SeriesOwn));

    /// <summary>
    /// <see cref="Materialise(Item, Occurrence)"/> for an occurrence that is only written out (a calendar view): it shares
    /// the master's values, lists included (<see cref="Item.ReadOnlyCopyWithout"/>), so it must never be changed.
    /// </summary>
    public static Item MaterialiseReadOnly(Item master, Occurrence occurrence) => Materialise(master, occurrence, master.ReadOnlyCopyWithout(SeriesOwn));

    private static Item Materialise(Item master, Occurrence occurrence, Item item)
    {
        if (occurrence.IsException && ExceptionAt(master, occurrence.OriginalStartUtc) is { } exception)
        {
            ApplyException(item, exception);
        }

        item.Id = EwsIds.OccurrenceId(master.Id, master.MailboxId, occurrence.Index);
        item.Start = occurrence.StartUtc;
        item.End = occurrence.EndUtc;
        item.OriginalStart = occurrence.OriginalStartUtc;
        item.Properties.Set(ItemProperties.CalendarItemType_CalendarItemType,
            occurrence.IsException ? SchemaValues.CalendarItemTypeType.Exception : SchemaValues.CalendarItemTypeType.Occurrence);
        return item;
    }

    private static readonly PropertyDefinition[] SeriesOwn =
    [
        ItemProperties.CalendarItemType_Recurrence, ItemProperties.CalendarItemType_ModifiedOccurrences,
        ItemProperties.CalendarItemType_DeletedOccurrences, ItemProperties.CalendarItemType_FirstOccurrence,
        ItemProperties.CalendarItemType_LastOccurrence,
    ];

    /// <summary>Overlays <paramref name="exception"/>'s overridden properties on <paramref name="occurrence"/> (the master's copy).</summary>
    public static void ApplyException(Item occurrence, OccurrenceException exception) => exception.ApplyTo(occurrence);

    /// <summary>
    /// Stamps a master with its series' bounds (first start, last end or none) for the store's window of series; clears
    /// them on anything that is no master. Called on every calendar item written (MeetingRunner), so a change of pattern,
    /// range or time moves them too.
    /// </summary>
    public static void StampSeriesBounds(Item item)
    {
        if (SeriesOf(item) is not { } series)
        {
            item.Properties.Remove(ServerProperties.SeriesStart);
            item.Properties.Remove(ServerProperties.SeriesEnd);
            return;
        }

        var (first, lastEnd) = RecurrenceExpansion.Bounds(series);
        // An exception may be moved before the first occurrence or after the last: the window must still find it.
        foreach (var modified in Modified(item, series))
        {
            first = modified.StartUtc < first ? modified.StartUtc : first;
            lastEnd = lastEnd is { } end && modified.EndUtc > end ? modified.EndUtc : lastEnd;
        }

        item.Properties.Set(ServerProperties.SeriesStart, first);
        item.Properties.Set(ServerProperties.SeriesEnd, lastEnd);
    }

    /// <summary>The occurrence's CalendarItemType as <see cref="Materialise"/> marks it (Occurrence, Exception), or null for a stored item.</summary>
    public static string? InstanceType(Item item) => item.Properties.GetRef<string>(ItemProperties.CalendarItemType_CalendarItemType);
}
