using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Services;

namespace Rendezvous.Server.Edge;

/// <summary>The item operations' responses written as EWS.</summary>
public static class ItemWriters
{
    /// <summary>One message per entry holding its items (GetItem, CreateItem, MoveItem, CopyItem).</summary>
    public static Action<EwsWriter> Items(EwsRequest request, string operation, IReadOnlyList<Outcome<IReadOnlyList<Item>>> outcomes, ItemShape shape) =>
        EwsRequest.Respond(operation, outcomes, (w, items) => request.WriteItems(w, items, shape), itemsOnError: true);

    /// <summary>One message per entry, with nothing in it but its outcome (DeleteItem, SendItem).</summary>
    public static Action<EwsWriter> Empty(string operation, IReadOnlyList<Outcome<bool>> outcomes) =>
        EwsRequest.Respond(operation, outcomes, static (_, _) => { });

    /// <summary>UpdateItem: each item's new id, or an empty Items for a message the update sent (as Exchange answers).</summary>
    public static Action<EwsWriter> UpdateItem(EwsRequest request, IReadOnlyList<Outcome<Item?>> outcomes) =>
        EwsRequest.Respond("UpdateItem", outcomes, (w, item) =>
        {
            request.WriteItems(w, item is null ? [] : [item], EwsRequest.IdOnly);
            w.StartM("ConflictResults");
            w.T("Count", 0);
            w.End();
        }, itemsOnError: true);

    public static Action<EwsWriter> FindItem(EwsRequest request, IReadOnlyList<Outcome<Page<Item>>> outcomes, ItemShape shape, bool calendarView)
    {
        var context = request.WriteContext;
        return EwsRequest.Respond("FindItem", outcomes, (w, page) =>
        {
            w.StartM("RootFolder");
            if (calendarView)
            {
                w.Attr("TotalItemsInView", Values.Format(page.Total));
                w.Attr("IncludesLastItemInRange", Values.Format(page.IncludesLast));
            }
            else
            {
                PagingReader.WriteAttributes(w, page);
            }

            w.StartT("Items");
            if (page.Items is CalendarEntries view)
            {
                // A calendar view's occurrences are written from their masters: no item is made for each.
                foreach (var entry in view.Entries)
                {
                    if (entry.IsOccurrence)
                    {
                        ItemWriter.WriteOccurrence(w, entry.Item, entry.Occurrence, shape, context, forFind: true);
                    }
                    else
                    {
                        ItemWriter.Write(w, entry.Item, shape, context, forFind: true);
                    }
                }
            }
            else
            {
                foreach (var item in page.Items)
                {
                    ItemWriter.Write(w, item, shape, context, forFind: true);
                }
            }

            w.End();
            w.End();
        });
    }
}
