using System.Xml.Linq;
using Rendezvous.Domain;
using Rendezvous.Ews;
using Rendezvous.Protocol;

namespace Rendezvous.Server.Handlers;

/// <summary>FindItem: paged, restricted and sorted listings, and CalendarView windows.</summary>
public static class FindItemHandler
{
    private static readonly TimeSpan MaxCalendarViewRange = TimeSpan.FromDays(2 * 365 + 1);

    public static async Task<Action<EwsWriter>> FindItem(EwsRequest request)
    {
        var op = request.Operation;
        var traversal = ItemReader.RequiredAttribute(op, "Traversal");
        if (traversal is not ("Shallow" or "SoftDeleted" or "Associated"))
        {
            throw SoapRequest.Schema(op, $"The value '{Values.Excerpt(traversal)}' is not a valid ItemQueryTraversalType.");
        }

        var shape = request.ReadShape(EwsRequest.Required(op, "ItemShape"));
        var zone = request.Soap.TimeZoneContext;
        var restrictionElement = op.Element(Protocol.Ews.M + "Restriction");
        if (restrictionElement is not null)
        {
            request.Limits.CheckRestriction(restrictionElement);
        }

        var restriction = restrictionElement is not null ? Restriction.Parse(restrictionElement, zone) : null;
        var sort = SortOrder.Parse(op.Element(Protocol.Ews.M + "SortOrder"));
        var findLimit = request.Limits.MaxFindCount;
        var paging = Paging.Read(op, "IndexedPageItemView", "FractionalPageItemView", findLimit);
        var calendarView = op.Element(Protocol.Ews.M + "CalendarView");
        (DateTime Start, DateTime End, int? Max)? window = null;
        if (calendarView is not null)
        {
            var start = WindowDate(calendarView, "StartDate", zone);
            var end = WindowDate(calendarView, "EndDate", zone);
            window = (start, end, Paging.MaxEntries(calendarView));
        }

        var parents = await request.IdsAsync(EwsRequest.Required(op, "ParentFolderIds"));
        var outcomes = await request.PerItemAsync(parents, async e =>
        {
            var folder = await request.ResolveFolderAsync(ItemReader.ReadFolderRef(e));
            if (traversal != "Shallow")
            {
                // Neither a dumpster nor associated (FAI) items exist yet: those views are empty.
                return paging.Apply(Array.Empty<Item>());
            }

            if (window is { } v)
            {
                if (folder.FolderClass is null || !folder.FolderClass.StartsWith("IPF.Appointment", StringComparison.Ordinal))
                {
                    throw new EwsException(ResponseCodes.ErrorCalendarFolderIsInvalidForCalendarView, "CalendarView can only be used on calendar folders.");
                }

                if (v.End < v.Start)
                {
                    throw new EwsException(ResponseCodes.ErrorInvalidRequest, "The CalendarView EndDate is earlier than its StartDate.");
                }

                if (v.End - v.Start > MaxCalendarViewRange)
                {
                    throw new EwsException(ResponseCodes.ErrorCalendarViewRangeTooBig, "The CalendarView range is larger than two years.");
                }

                IEnumerable<Item> inWindow = await request.Store.GetItemsInWindowAsync(folder.Id, v.Start, v.End, request.Cancellation);
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

            if (folder.TotalCount > request.Limits.LargeFolderItems)
            {
                // The whole folder is read before it is restricted, sorted and paged: only a few such finds at once.
                await request.EnterLargeAsync();
            }

            IEnumerable<Item> items = await request.Store.GetItemsAsync(folder.Id, request.Cancellation);
            if (restriction is not null)
            {
                items = items.Where(restriction.Matches);
            }

            // Exchange's default order is newest received first.
            var sorted = sort?.Apply(items) ?? items.OrderByDescending(i => i.DateTimeReceived ?? i.DateTimeCreated);
            return paging.Apply(sorted.ToList());
        });

        var context = request.WriteContext;
        return EwsRequest.Respond("FindItem", outcomes, (w, page) =>
        {
            w.StartM("RootFolder");
            if (window is not null)
            {
                w.Attr("TotalItemsInView", Values.Format(page.Total));
                w.Attr("IncludesLastItemInRange", Values.Format(page.IncludesLast));
            }
            else
            {
                page.WriteAttributes(w);
            }

            w.StartT("Items");
            foreach (var item in page.Items)
            {
                ItemWriter.Write(w, item, shape, context, forFind: true);
            }

            w.End();
            w.End();
        });
    }

    /// <summary>A CalendarView bound: Exchange answers ErrorValueOutOfRange for 0001-01-01 or 9999-12-31; so do we for any
    /// date outside what an item may hold.</summary>
    private static DateTime WindowDate(XElement view, string attribute, string? zone)
    {
        var text = ItemReader.RequiredAttribute(view, attribute);
        var utc = Values.DateTime(view.Attribute(attribute)!, text, zone);
        return utc >= Values.EarliestStored && utc <= Values.LatestStored ? utc : throw Values.OutOfRange(view.Attribute(attribute)!, text);
    }
}
