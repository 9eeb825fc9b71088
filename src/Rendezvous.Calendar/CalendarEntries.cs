using System.Collections;
using Rendezvous.Domain;

namespace Rendezvous.Calendar;

/// <summary>
/// One entry of a calendar view: a single item or a materialised exception (<see cref="Occurrence"/> default), or
/// occurrence <see cref="Occurrence"/> of the recurring master <see cref="Item"/>, which needs no item of its own to be
/// written (the writer takes the master's values and the occurrence's times and id).
/// </summary>
public readonly record struct CalendarEntry(Item Item, Occurrence Occurrence)
{
    /// <summary>Whether this is a plain occurrence of <see cref="Item"/> (the master), not an item itself.</summary>
    public bool IsOccurrence => Occurrence.Index != 0;

    /// <summary>The entry as an item: the item itself, or the occurrence materialised read-only.</summary>
    public Item ToItem() => IsOccurrence ? SeriesItems.MaterialiseReadOnly(Item, Occurrence) : Item;
}

/// <summary>
/// A calendar view's entries, read as items by anything that wants items (each occurrence then materialised on
/// reading); the EWS writer reads <see cref="Entries"/> and writes occurrences from their masters.
/// </summary>
public sealed class CalendarEntries(IReadOnlyList<CalendarEntry> entries) : IReadOnlyList<Item>
{
    public IReadOnlyList<CalendarEntry> Entries { get; } = entries;

    public int Count => Entries.Count;

    public Item this[int index] => Entries[index].ToItem();

    public IEnumerator<Item> GetEnumerator()
    {
        foreach (var entry in Entries)
        {
            yield return entry.ToItem();
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
