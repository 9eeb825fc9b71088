using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Services;

/// <summary>FindItem: paged, restricted and sorted listings, and CalendarView windows.</summary>
public static class FindItemService
{
    private static readonly TimeSpan MaxCalendarViewRange = TimeSpan.FromDays(2 * 365 + 1);

    /// <summary>The page of one parent folder.</summary>
    public static async Task<Page<Item>> FindAsync(Session session, FindItemRequest request, FolderRef parent)
    {
        var folder = await session.ResolveFolderAsync(parent);
        if (request.Traversal == SchemaValues.ItemQueryTraversalType.Associated && request.Window is null)
        {
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

            if (v.End < v.Start)
            {
                throw new DomainException(ErrorCode.InvalidRequest, "The CalendarView EndDate is earlier than its StartDate.");
            }

            if (v.End - v.Start > MaxCalendarViewRange)
            {
                throw new DomainException(ErrorCode.CalendarViewRangeTooBig, "The CalendarView range is larger than two years.");
            }

            IEnumerable<Item> inWindow = await session.Store.GetItemsInWindowAsync(folder.Id, v.Start, v.End, session.Cancellation);
            if (restriction is not null)
            {
                inWindow = inWindow.Where(restriction.Matches);
            }

            var all = (sort?.Apply(inWindow) ?? inWindow.OrderBy(i => i.Start)).ToList();
            if (v.Max is null && all.Count > findLimit)
            {
                throw Paging.FindCountExceeded(findLimit);
            }

            var max = Math.Min(v.Max ?? findLimit, findLimit);
            var taken = all.Count > max ? all.Take(max).ToList() : all;
            return new Page<Item>(taken, all.Count, taken.Count == all.Count, taken.Count, null);
        }

        if (folder.TotalCount > session.Limits.LargeFolderItems)
        {
            // The whole folder is read before it is restricted, sorted and paged: only a few such finds at once.
            await session.EnterLargeAsync();
        }

        IEnumerable<Item> items = await session.Store.GetItemsAsync(folder.Id, session.Cancellation);
        if (restriction is not null)
        {
            items = items.Where(restriction.Matches);
        }

        // Exchange's default order is newest received first.
        var sorted = sort?.Apply(items) ?? items.OrderByDescending(i => i.DateTimeReceived ?? i.DateTimeCreated);
        return request.Paging.Apply(sorted.ToList());
    }
}
