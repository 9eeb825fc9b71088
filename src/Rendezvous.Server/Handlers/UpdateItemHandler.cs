using System.Xml.Linq;
using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Ews;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Server.Handlers;

/// <summary>
/// UpdateItem with the ChangeKey rules: NeverOverwrite refuses any stale ChangeKey; AutoResolve refuses a stale one
/// only when a field it sets was changed since that ChangeKey; AlwaysOverwrite overwrites. A stale ChangeKey never
/// silently overwrites a field another writer changed.
/// </summary>
public static class UpdateItemHandler
{
    private static readonly HashSet<string> ConflictModes = ["NeverOverwrite", "AutoResolve", "AlwaysOverwrite"];

    public static async Task<Action<EwsWriter>> UpdateItem(EwsRequest request)
    {
        var op = request.Operation;
        var conflict = Values.Enum(op, ItemReader.RequiredAttribute(op, "ConflictResolution"), ConflictModes, "ConflictResolutionType");
        _ = CreateItemHandler.OptionalEnum(op, "MessageDisposition", Values.MessageDispositions, "MessageDispositionType");
        var mode = CreateItemHandler.OptionalEnum(op, "SendMeetingInvitationsOrCancellations", Values.CalendarUpdateModes, "CalendarItemUpdateOperationType");
        var changes = await request.ChangesAsync(EwsRequest.Required(op, "ItemChanges"), "Item");

        var outcomes = await request.PerItemAsync(changes, change => ApplyChangeAsync(request, change, conflict, mode));
        return EwsRequest.Respond("UpdateItem", outcomes, (w, item) =>
        {
            request.WriteItems(w, [item], EwsRequest.IdOnly);
            w.StartM("ConflictResults");
            w.T("Count", 0);
            w.End();
        }, itemsOnError: true);
    }

    private static async Task<Item> ApplyChangeAsync(EwsRequest request, XElement change, string conflict, string? mode)
    {
        var idElement = change.Elements().FirstOrDefault() ?? throw SoapRequest.Schema(change, "ItemChange needs an ItemId.");
        var reference = ItemReader.ReadItemRef(idElement);
        var updates = change.Element(Protocol.Ews.T + "Updates") ?? throw SoapRequest.Schema(change, "ItemChange needs Updates.");
        // A write that lost a race is decided again on the fresh item (the ChangeKey rules then apply to it).
        var results = await Meetings.RunOnItemAsync(request, reference, async stored =>
        {
            if (stored.Kind == ItemKind.CalendarItem && mode is null)
            {
                throw new EwsException(ResponseCodes.ErrorSendMeetingInvitationsOrCancellationsRequired, "SendMeetingInvitationsOrCancellations is required when calendar items are updated.");
            }

            var item = Decide(request, stored, reference, updates, conflict);
            if (item.Kind == ItemKind.CalendarItem)
            {
                return await MeetingHandlers.UpdateAsync(request, stored, item, mode);
            }

            var decision = new Decision();
            decision.Results.Add(decision.Update(new PlacedItem(stored, null), item));
            return decision;
        });
        return results[0];
    }

    private static Item Decide(EwsRequest request, Item stored, ItemRef reference, XElement updates, string conflict)
    {
        long? clientVersion = null;
        if (reference.ChangeKey is { Length: > 0 } key && ChangeKeys.TryDecode(key, out var n))
        {
            clientVersion = n;
        }
        else if (conflict != "AlwaysOverwrite")
        {
            throw new EwsException(ResponseCodes.ErrorChangeKeyRequiredForWriteOperations, "A ChangeKey is required for this update (use ConflictResolution AlwaysOverwrite to update without one).");
        }

        var stale = clientVersion is { } v && v != stored.ChangeNumber;
        if (stale && conflict == "NeverOverwrite")
        {
            throw new EwsException(ResponseCodes.ErrorIrresolvableConflict, "The item has changed since its ChangeKey was read. Retrieve the updated change key and try again.");
        }

        var item = stored.Clone();
        var touched = new List<string>();
        var context = request.ReadContext;
        if (item.Kind == ItemKind.CalendarItem)
        {
            // A StartTimeZone set in the same change is the zone its unqualified Start is read in.
            context = context.For(updates.Elements(Protocol.Ews.T + "SetItemField").SelectMany(u => u.Elements().Skip(1)).SelectMany(holder => holder.Elements()));
        }

        foreach (var update in updates.Elements())
        {
            var pathElement = update.Elements().FirstOrDefault() ?? throw SoapRequest.Schema(update, $"'{Values.Excerpt(update.Name.LocalName)}' needs a property path.");
            var path = ItemReader.ReadPath(pathElement);
            var uri = Restriction.Describe(path);
            if (stale && conflict == "AutoResolve" && item.FieldChanges.TryGetValue(uri, out var changedAt) && changedAt > clientVersion)
            {
                throw new EwsException(ResponseCodes.ErrorIrresolvableConflict, $"'{Values.Excerpt(uri)}' was changed by someone else since this ChangeKey. Retrieve the updated change key and try again.");
            }

            switch (update.Name.LocalName)
            {
                case "SetItemField":
                    Set(item, path, ValueElement(update, item, path), context);
                    break;
                case "AppendToItemField":
                    Append(item, path, ValueElement(update, item, path), context);
                    break;
                case "DeleteItemField":
                    Delete(item, path);
                    break;
                default:
                    throw ItemReader.Unexpected(update);
            }

            touched.Add(uri);
        }

        if (item.Kind == ItemKind.CalendarItem)
        {
            item.IsMeeting = item.IsMeeting || CalendarRules.HasAttendees(item);
            CalendarRules.KeepWallClock(stored, item, touched.Contains("calendar:Start"), touched.Contains("calendar:End"));
            CalendarRules.SnapAllDay(item);
            CalendarRules.Validate(item);
        }

        item.ChangeNumber = request.Store.NextChangeNumber();
        foreach (var uri in touched)
        {
            item.FieldChanges[uri] = item.ChangeNumber;
        }

        item.LastModifiedTime = request.Now;
        item.LastModifiedName = request.User.DisplayName;
        return item;
    }

    /// <summary>The single property element inside the item element of a Set or Append.</summary>
    private static XElement ValueElement(XElement update, Item item, PropertyPath path)
    {
        var holder = update.Elements().Skip(1).SingleOrDefault() ?? throw SoapRequest.Schema(update, $"'{Values.Excerpt(update.Name.LocalName)}' needs an item element holding the new value.");
        var expected = ItemSchema.ElementName(item.Kind);
        var fits = holder.Name.LocalName == expected || holder.Name.LocalName == "Item"
            || (holder.Name.LocalName is "Message" or "MeetingMessage" && item.IsMessageLike);
        if (!fits)
        {
            throw new EwsException(ResponseCodes.ErrorObjectTypeChanged, $"A {holder.Name.LocalName} cannot update a {expected}.");
        }

        var values = holder.Elements().ToList();
        if (values.Count != 1)
        {
            throw new EwsException(ResponseCodes.ErrorInvalidPropertySet, "Each update must hold exactly one property value.");
        }

        var value = values[0];
        var matches = path switch
        {
            ExtendedPath => value.Name.LocalName == "ExtendedProperty",
            FieldPath f => ItemSchema.FindByUri(item.Kind, f.Uri)?.Element == value.Name.LocalName,
            _ => false,
        };
        return matches ? value : throw new EwsException(ResponseCodes.ErrorInvalidPropertySet, $"The property path '{Restriction.Describe(path)}' does not match the element '{value.Name.LocalName}'.");
    }

    private static PropertyDef Def(Item item, PropertyPath path, string code, Func<PropertyDef, bool> allowed)
    {
        var def = path is FieldPath f ? ItemSchema.FindByUri(item.Kind, f.Uri) : null;
        return def is not null && allowed(def)
            ? def
            : throw new EwsException(code, $"The property '{Restriction.Describe(path)}' cannot be changed this way on a {ItemSchema.ElementName(item.Kind)}.");
    }

    private static void Set(Item item, PropertyPath path, XElement value, ReadContext context)
    {
        if (path is ExtendedPath)
        {
            ItemReader.SetExtended(item, ItemReader.ReadExtendedProperty(value));
            return;
        }

        Def(item, path, ResponseCodes.ErrorInvalidPropertySet, d => d.Set is not null).Set!(value, item, context);
    }

    private static void Append(Item item, PropertyPath path, XElement value, ReadContext context) =>
        Def(item, path, ResponseCodes.ErrorInvalidPropertyAppend, d => d.Append is not null).Append!(value, item, context);

    private static void Delete(Item item, PropertyPath path)
    {
        if (path is ExtendedPath x)
        {
            ItemReader.DeleteExtended(item, x.Path);
            return;
        }

        if (path is FieldPath f && ItemSchema.FindByUri(item.Kind, f.Uri) is null && ItemSchema.IsUnstored(item.Kind, f.Uri))
        {
            return;
        }

        Def(item, path, ResponseCodes.ErrorInvalidPropertyDelete, d => d.Delete is not null && d != ItemSchema.Start && d != ItemSchema.End).Delete!(item);
    }
}
