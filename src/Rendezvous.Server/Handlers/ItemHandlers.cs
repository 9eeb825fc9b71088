using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Server.Edge;
using Rendezvous.Services;

namespace Rendezvous.Server.Handlers;

/// <summary>
/// The item operations: each reads its request (<see cref="ItemReaders"/>), has <see cref="ItemService"/> do each
/// entry with the request's <see cref="Session"/>, and writes the outcomes (<see cref="ItemWriters"/>).
/// </summary>
public static class ItemHandlers
{
    public static async Task<Action<EwsWriter>> GetItem(EwsRequest request)
    {
        var (shape, ids) = await ItemReaders.GetItemAsync(request);
        var budget = new ItemReadBudget(request.Limits.MaxResponseItemBytes);
        var outcomes = await request.PerItemAsync(ids, async e =>
            (IReadOnlyList<Item>)[await ItemService.GetAsync(request.Session, ItemReader.ReadItemRef(e), budget, shape.WritesMimeContent)]);
        if (shape.WritesMimeContent)
        {
            // A message's MimeContent carries its attachments: their bytes are read from the store as it is written.
            await request.OpenAttachmentsAsync([.. outcomes.Where(o => o.Error is null).SelectMany(o => o.Value!)
                .Where(i => i.Attachments is not null && i.Kind != ItemKind.CalendarItem && Mime.MimeContent.Supports(i.Kind)).Select(i => i.Id).Distinct()]);
        }

        return ItemWriters.Items(request, "GetItem", outcomes, shape);
    }

    public static async Task<Action<EwsWriter>> CreateItem(EwsRequest request)
    {
        var (options, items) = await ItemReaders.CreateItemAsync(request);
        var context = request.ReadContext;
        var outcomes = await request.PerItemAsync(items, e => ItemService.CreateAsync(request.Session, options, ItemReaders.NewEntry(e, context, request.Soap.Spool, request.Now)));
        return ItemWriters.Items(request, "CreateItem", outcomes, CreatedShape);
    }

    /// <summary>What CreateItem answers of each item: its id, and its attachments' ids (exchangelib sets them on its objects).</summary>
    private static readonly ItemShape CreatedShape = new(BaseShape.IdOnly, null, [new FieldPath("item:Attachments")]);

    public static async Task<Action<EwsWriter>> UpdateItem(EwsRequest request)
    {
        var (options, changes) = await ItemReaders.UpdateItemAsync(request);
        var context = request.ReadContext;
        var outcomes = await request.PerItemAsync(changes, change => UpdateItemService.UpdateOrSendAsync(request.Session, options, ItemReaders.ItemChange(change, context)));
        return ItemWriters.UpdateItem(request, outcomes);
    }

    public static async Task<Action<EwsWriter>> DeleteItem(EwsRequest request)
    {
        var (options, ids) = await ItemReaders.DeleteItemAsync(request);
        var outcomes = await request.PerItemAsync(ids, async e =>
        {
            await ItemService.DeleteAsync(request.Session, options, ItemReader.ReadItemRef(e));
            return true;
        });
        return ItemWriters.Empty("DeleteItem", outcomes);
    }

    public static Task<Action<EwsWriter>> MoveItem(EwsRequest request) => MoveOrCopy(request, move: true);

    public static Task<Action<EwsWriter>> CopyItem(EwsRequest request) => MoveOrCopy(request, move: false);

    private static async Task<Action<EwsWriter>> MoveOrCopy(EwsRequest request, bool move)
    {
        var (target, options, ids) = await ItemReaders.MoveOrCopyAsync(request, move);
        // The destination is resolved once; if it fails, each item fails with its error (after its own checks).
        var folder = await request.OneAsync(async () => (await request.Session.AccessFolderAsync(target, FolderAction.CreateItems)).Folder);
        var outcomes = await request.PerItemAsync(ids, e => ItemService.MoveOrCopyAsync(request.Session, options, ItemReader.ReadItemRef(e),
            () => folder.Error is null ? folder.Value! : throw folder.Error));
        return ItemWriters.Items(request, move ? "MoveItem" : "CopyItem", outcomes, EwsRequest.IdOnly);
    }

    public static async Task<Action<EwsWriter>> SendItem(EwsRequest request)
    {
        var (options, ids) = await ItemReaders.SendItemAsync(request);
        var outcomes = await request.PerItemAsync(ids, async e =>
        {
            await ItemService.SendAsync(request.Session, options, ItemReader.ReadItemRef(e));
            return true;
        });
        return ItemWriters.Empty("SendItem", outcomes);
    }

    public static async Task<Action<EwsWriter>> FindItem(EwsRequest request)
    {
        var (find, shape, parents) = await ItemReaders.FindItemAsync(request);
        if (find.Window is not null)
        {
            // A view's single items decoded as far as its shape writes them.
            find = find with { Reads = ViewReads.CalendarView(shape, request.WriteContext, FindItemService.CalendarViewReads) };
        }

        var outcomes = await request.PerItemAsync(parents, e => FindItemService.FindAsync(request.Session, find, ItemReader.ReadFolderRef(e)));
        return ItemWriters.FindItem(request, outcomes, shape, find.Window is not null);
    }
}
