using System.Collections;
using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Calendar;

/// <summary>
/// Editing one occurrence of a series, as pure functions over its master: an occurrence changed becomes an exception
/// stored on the master (only what differs from the master's occurrence, Start and End always); an occurrence deleted is
/// recorded in the master's DeletedOccurrences. Each returns the master as it is after the edit (a changed copy).
/// </summary>
public static class OccurrenceEdits
{
    /// <summary>
    /// Occurrence <paramref name="index"/> of <paramref name="master"/> as an item before any exception is applied (what
    /// an exception's changes are measured against), or the error Exchange answers when there is none.
    /// </summary>
    public static Item Plain(Item master, int index)
    {
        var series = SeriesItems.SeriesOf(master) ?? throw NotFound();
        var slot = Slot(master, series, index);
        return SeriesItems.Materialise(master, slot);
    }

    /// <summary>Occurrence <paramref name="index"/> as it is now (an exception's changes applied), or the error Exchange answers.</summary>
    public static Item Current(Item master, int index)
    {
        var (result, item) = SeriesItems.At(master, index);
        return result switch
        {
            OccurrenceLookup.Found => item!,
            OccurrenceLookup.Deleted => throw Deleted(),
            OccurrenceLookup.OutOfRange => throw OutOfRange(),
            _ => throw NotFound(),
        };
    }

    /// <summary>
    /// The master after occurrence <paramref name="index"/> was changed into <paramref name="edited"/> (the occurrence
    /// item with the update applied). The exception keeps the properties that differ from the master's occurrence, those
    /// deleted from it, and always Start and End. Refused as Exchange refuses it: a Recurrence set on an occurrence; a start that reaches the
    /// day of the previous or next occurrence (ErrorOccurrenceCrossingBoundary); times that overlap a neighbour
    /// (ErrorOccurrenceTimeSpanTooBig), both from responsecode.md.
    /// </summary>
    public static Item Change(Item master, int index, Item edited)
    {
        var series = SeriesItems.SeriesOf(master) ?? throw NotFound();
        var slot = Slot(master, series, index);
        if (edited.Recurrence is not null)
        {
            // An occurrence has no pattern of its own: the series' pattern is changed through its master.
            throw new DomainException(ErrorCode.PropertyNotSettable, "Recurrence cannot be set on an occurrence or exception; update the recurring master instead.");
        }

        var start = edited.Start ?? slot.StartUtc;
        var end = edited.End ?? start + (slot.EndUtc - slot.StartUtc);
        CheckNeighbours(master, series, index, start, end);

        var plain = SeriesItems.Materialise(master, slot);
        var changes = new Item { Kind = master.Kind };
        foreach (var (definition, value) in edited.Properties.Entries.ToList())
        {
            if (!Ignored.Contains(definition) && !SameValue(plain.Properties[definition], value))
            {
                changes.Properties.Set(definition, value);
            }
        }

        // What the update deleted from this occurrence alone (DeleteItemField on it): recorded, or the master's value
        // would show through the overlay again.
        List<string>? cleared = null;
        foreach (var (definition, _) in plain.Properties.Entries)
        {
            if (!Ignored.Contains(definition) && !edited.Properties.Contains(definition))
            {
                (cleared ??= []).Add(definition.Key);
            }
        }

        changes.ClearedProperties = cleared;
        changes.Start = start;
        changes.End = end;
        var after = master.Clone();
        var exceptions = after.Exceptions ?? [];
        exceptions.RemoveAll(e => e.OriginalStartUtc == slot.OriginalStartUtc);
        exceptions.Add(new OccurrenceException(slot.OriginalStartUtc, changes));
        exceptions.Sort(static (a, b) => a.OriginalStartUtc.CompareTo(b.OriginalStartUtc));
        after.Exceptions = exceptions;
        return after;
    }

    /// <summary>
    /// The master after occurrence <paramref name="index"/> was deleted (an exception's changes go with it), or null when
    /// no occurrence of the series would remain: then the series itself is deleted, as Outlook and Exchange delete a
    /// series whose every occurrence was deleted (a master never stands with an empty range).
    /// </summary>
    public static Item? Delete(Item master, int index)
    {
        var series = SeriesItems.SeriesOf(master) ?? throw NotFound();
        var slot = Slot(master, series, index);
        var after = master.Clone();
        after.Exceptions?.RemoveAll(e => e.OriginalStartUtc == slot.OriginalStartUtc);
        after.Exceptions = after.Exceptions;
        var deleted = after.DeletedOccurrences ?? [];
        deleted.Add(slot.OriginalStartUtc);
        deleted.Sort();
        after.DeletedOccurrences = deleted;
        return RecurrenceExpansion.Count(series) is { } count && deleted.Count >= count ? null : after;
    }

    private static Occurrence Slot(Item master, Series series, int index)
    {
        if (index < 1 || RecurrenceExpansion.OccurrenceAt(series, index) is not { } slot)
        {
            throw OutOfRange();
        }

        return master.DeletedOccurrences?.Contains(slot.OriginalStartUtc) == true ? throw Deleted() : slot;
    }

    // Exchange compares days: an occurrence may move within the days between its neighbours, not onto theirs.
    private static void CheckNeighbours(Item master, Series series, int index, DateTime startUtc, DateTime endUtc)
    {
        var (previous, next) = RecurrenceExpansion.Neighbours(series, index, SeriesItems.Modified(master, series), master.DeletedOccurrences);
        var day = LocalDay(series, startUtc);
        if ((previous is { } p && day <= LocalDay(series, p.StartUtc)) || (next is { } n && day >= LocalDay(series, n.StartUtc)))
        {
            throw new DomainException(ErrorCode.OccurrenceCrossingBoundary, "The occurrence would be moved to or past the day of an adjacent occurrence of the series.");
        }

        if ((previous is { } before && startUtc < before.EndUtc) || (next is { } after && endUtc > after.StartUtc))
        {
            throw new DomainException(ErrorCode.OccurrenceTimeSpanTooBig, "The occurrence would overlap an adjacent occurrence of the series.");
        }
    }

    private static DateOnly LocalDay(Series series, DateTime utc) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), series.StartZone));

    // What every materialised occurrence carries of its own, or the store stamps: never an override.
    private static readonly HashSet<PropertyDefinition> Ignored =
    [
        ItemProperties.CalendarItemType_OriginalStart,
        ItemProperties.CalendarItemType_CalendarItemType,
        ItemProperties.CalendarItemType_Start,
        ItemProperties.CalendarItemType_End,
        ItemProperties.ItemType_LastModifiedTime,
        ItemProperties.ItemType_LastModifiedName,
        ServerProperties.SeriesStart,
        ServerProperties.SeriesEnd,
    ];

    private static bool SameValue(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (null, _) or (_, null) => false,
        (string x, string y) => string.Equals(x, y, StringComparison.Ordinal),
        (IEnumerable x, IEnumerable y) => x.Cast<object?>().SequenceEqual(y.Cast<object?>()),
        _ => a.Equals(b),
    };

    private static DomainException OutOfRange() => new(ErrorCode.OccurrenceIndexOutOfRange, "Occurrence index is out of recurrence range.");

    private static DomainException Deleted() => new(ErrorCode.OccurrenceDeleted, "Occurrence with this index was previously deleted from the recurrence.");

    private static DomainException NotFound() => new(ErrorCode.ItemNotFound, "The specified object was not found in the store.");
}
