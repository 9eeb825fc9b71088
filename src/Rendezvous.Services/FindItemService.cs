using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Services;

/// <summary>FindItem: paged, restricted and sorted listings, and CalendarView windows.</summary>
public static class FindItemService
{
    private static readonly TimeSpan MaxCalendarViewRange = TimeSpan.FromDays(2 * 365 + 1);

    /// <summary>What a CalendarView reads of its single items besides what is written: their times (the order) and <see cref="FolderAccess.CanSee"/>'s.</summary>
    public static readonly PropertyDefinition[] CalendarViewReads =
        [ItemProperties.CalendarItemType_Start, ItemProperties.CalendarItemType_End, .. FolderAccess.CanSeeReads];

    /// <summary>The page of one parent folder.</summary>
    public static async Task<Page<Item>> FindAsync(Session session, FindItemRequest request, FolderRef parent)
    {
        var access = await session.AccessFolderAsync(parent, FolderAction.ReadItems);
        var folder = access.Folder;
        if (request.Traversal == SchemaValues.ItemQueryTraversalType.Associated && request.Window is null)
        {
            if (!access.IsOwner)
            {
                // A folder's associated items are its owner's settings (views, categories): no permission shares them.
                return request.Paging.Apply(Array.Empty<Item>());
            }

            // The folder's associated (FAI) items, such as user configuration objects: a few per folder.
            IEnumerable<Item> associated = await UserConfigurationService.FindAsync(session, folder);
            if (request.Restriction is not null)
            {
                associated = associated.Where(request.Restriction.Matches);
            }

            return request.Paging.Apply((request.Sort?.Apply(associated) ?? associated).ToList());
        }

        if (request.Traversal != SchemaValues.ItemQueryTraversalType.Shallow)
        {
            // No dumpster view exists yet (nor associated calendar windows): those views are empty.
            return request.Paging.Apply(Array.Empty<Item>());
        }

        var restriction = request.Restriction;
        var sort = request.Sort;
        var findLimit = session.Limits.MaxFindCount;
        if (request.Window is { } v)
        {
            if (folder.FolderClass is null || !folder.FolderClass.StartsWith("IPF.Appointment", StringComparison.Ordinal))
            {
                throw new DomainException(ErrorCode.NotACalendarFolder, "CalendarView can only be used on calendar folders.");
            }

            if (restriction is not null || sort is not null)
            {
                // Exchange answers "Restrictions and sort order may not be specified for a CalendarView." (exchangelib's
                // test_view records ErrorInvalidOperation; clients filter and sort a view's items themselves).
                throw new DomainException(ErrorCode.InvalidOperation, "Restrictions and sort order may not be specified for a CalendarView.");
            }

            if (v.End < v.Start)
            {
                throw new DomainException(ErrorCode.InvalidRequest, "The CalendarView EndDate is earlier than its StartDate.");
            }

            if (v.End - v.Start > MaxCalendarViewRange)
            {
                throw new DomainException(ErrorCode.CalendarViewRangeTooBig, "The CalendarView range is larger than two years.");
            }

            return await CalendarViewAsync(session, access, v, findLimit, request.Reads);
        }

        if (folder.TotalCount > session.Limits.LargeFolderItems)
        {
            // The whole folder is read before it is restricted, sorted and paged: only a few such finds at once.
            await session.EnterLargeAsync();
        }

        IEnumerable<Item> items = await session.Store.GetItemsAsync(folder.Id, session.Cancellation);
        if (!access.IsOwner)
        {
            items = items.Where(access.CanSee);
        }

        if (restriction is not null)
        {
            items = items.Where(restriction.Matches);
        }

        // Exchange's default order is newest received first.
        var sorted = sort?.Apply(items) ?? items.OrderByDescending(i => i.DateTimeReceived ?? i.DateTimeCreated);
        return request.Paging.Apply(sorted.ToList());
    }

    /// <summary>
    /// A CalendarView: the single items and the occurrences and exceptions of the series that overlap the window, in start
    /// order, the masters themselves hidden (how-to-access-a-recurring-series-by-using-ews.md: "a calendar view ...
    /// returns single calendar items, occurrences and exceptions, but not recurring master items"). MaxEntriesReturned
    /// truncates with TotalItemsInView counting all and IncludesLastItemInRange false.
    /// </summary>
    private static async Task<Page<Item>> CalendarViewAsync(Session session, FolderAccess access, CalendarWindow v, int findLimit, ItemProjection? reads)
    {
        var folder = access.Folder;
        // An item that ends exactly at StartDate is in the view: only those that end before it are left out
        // (calendarview.md; exchangelib's test_view: "Exchange ... returns item1 even though there is no overlap").
        var from = v.Start.AddTicks(-1);
        var singles = await session.Store.GetItemsInWindowAsync(folder.Id, from, v.End, reads, session.Cancellation);
        var series = await session.SeriesCache.InWindowAsync(session, folder, from, v.End);
        var entries = new List<ViewEntry>(singles.Count);
        foreach (var item in singles)
        {
            // A master's row also holds its first occurrence's times: the series query answers for it.
            if (!series.IsMaster(item.Id) && access.CanSee(item))
            {
                entries.Add(new ViewEntry(item.Start ?? default, item, default));
            }
        }

        if (series.Any)
        {
            foreach (var (master, occurrence) in series.Occurrences())
            {
                if (!access.CanSee(master.Master))
                {
                    continue;
                }

                entries.Add(new ViewEntry(occurrence.StartUtc, master.Master, occurrence));
            }
        }

        // Stable: at equal starts, singles before occurrences, each in the store's order. Only the occurrences returned
        // are materialised as items; the others are only counted.
        var ordered = entries.OrderBy(e => e.Start).ToList();
        var total = ordered.Count;
        if (v.Max is null && total > findLimit)
        {
            throw Paging.FindCountExceeded(findLimit);
        }

        CalendarEntry[] all = [.. ordered.Take(Math.Min(v.Max ?? findLimit, findLimit)).Select(static e => e.ToEntry())];
        return new Page<Item>(new CalendarEntries(all), total, all.Length == total, all.Length, null);
    }

    /// <summary>
    /// One entry of a calendar view: a single item, or occurrence <see cref="Occurrence"/> of the master <see cref="Item"/>.
    /// A view's items are only written out: a plain occurrence is written from its master (no item made for it), an
    /// exception is materialised sharing its master's values (no list copied) with its own overlaid.
    /// </summary>
    private readonly record struct ViewEntry(DateTime Start, Item Item, Occurrence Occurrence)
    {
        public CalendarEntry ToEntry() =>
            Occurrence.IsException ? new CalendarEntry(SeriesItems.MaterialiseReadOnly(Item, Occurrence), default) : new CalendarEntry(Item, Occurrence);
    }
}
