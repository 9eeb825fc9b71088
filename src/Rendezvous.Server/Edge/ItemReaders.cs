using System.Xml.Linq;
using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Services;

namespace Rendezvous.Server.Edge;

/// <summary>
/// The item operations' requests read from XML. What applies to the whole request is read (and counted) first;
/// each entry is read when its turn comes, so an entry that cannot be read fails alone, in order.
/// </summary>
public static class ItemReaders
{
    public static string? OptionalEnum(XElement op, string attribute, IReadOnlySet<string> allowed, string typeName)
    {
        var a = op.Attribute(attribute);
        return a is null ? null : Values.Enum(a, a.Value, allowed, typeName);
    }

    private static FolderRef? SavedFolder(XElement op) =>
        op.Element(Ews.M + "SavedItemFolderId")?.Elements().SingleOrDefault() is { } f ? ItemReader.ReadFolderRef(f) : null;

    /// <summary>GetItem: the shape and the ids (counted).</summary>
    public static async Task<(ItemShape Shape, List<XElement> Ids)> GetItemAsync(EwsRequest request)
    {
        var shape = request.ReadShape(EwsRequest.Required(request.Operation, "ItemShape"));
        var ids = await request.IdsAsync(EwsRequest.Required(request.Operation, "ItemIds"));
        return (shape, ids);
    }

    /// <summary>CreateItem: its options and its items (counted).</summary>
    public static async Task<(CreateItemOptions Options, List<XElement> Items)> CreateItemAsync(EwsRequest request)
    {
        var op = request.Operation;
        var disposition = OptionalEnum(op, "MessageDisposition", Values.MessageDispositions, "MessageDispositionType");
        var invitations = OptionalEnum(op, "SendMeetingInvitations", Values.CalendarCreateOrDeleteModes, "CalendarItemCreateOrDeleteOperationType");
        var savedFolder = SavedFolder(op);
        var items = await request.BatchAsync(op.Element(Ews.M + "Items") ?? throw SoapRequest.Schema(op, "CreateItem needs Items."),
            request.Limits.MaxItemsPerCreate, "items", nameof(RequestLimits.MaxItemsPerCreate));
        return (new CreateItemOptions(disposition, invitations, savedFolder, request.Soap.TimeZoneContext), items);
    }

    /// <summary>One entry of a CreateItem; a new item's inline attachments come with it (their contents from <paramref name="spool"/>).</summary>
    public static NewEntry NewEntry(XElement e, ReadContext context, BinarySpool? spool = null, DateTime now = default) => e.Name.LocalName switch
    {
        "CalendarItem" => NewItem(e, context, spool, now, static i => new NewCalendarItem(i)),
        "Message" => NewItem(e, context, spool, now, static i => new NewMessage(i)),
        "Item" or "Contact" or "DistributionList" or "Task" or "PostItem" => NewItem(e, context, spool, now, static i => new NewPlainItem(i)),
        "AcceptItem" => new NewMeetingResponse(ResponseKind.Accept, ReadResponseObject(e, context)),
        "TentativelyAcceptItem" => new NewMeetingResponse(ResponseKind.Tentative, ReadResponseObject(e, context)),
        "DeclineItem" => new NewMeetingResponse(ResponseKind.Decline, ReadResponseObject(e, context)),
        "CancelCalendarItem" => new NewCancellation(ReadResponseObject(e, context)),
        "RemoveItem" => new NewRemoval(ReadResponseObject(e, context)),
        "ReplyToItem" => new NewReply(ReplyKind.Reply, ReadResponseObject(e, context)),
        "ReplyAllToItem" => new NewReply(ReplyKind.ReplyAll, ReadResponseObject(e, context)),
        "ForwardItem" => new NewReply(ReplyKind.Forward, ReadResponseObject(e, context)),
        _ => throw SoapRequest.Schema(e, $"Creating a '{Values.Excerpt(e.Name.LocalName)}' is not supported."),
    };

    private static NewEntry NewItem(XElement e, ReadContext context, BinarySpool? spool, DateTime now, Func<Item, NewEntry> entry)
    {
        var (item, attachments) = AttachmentReaders.ReadNewItem(e, context, spool, now);
        return entry(item) with { Attachments = attachments };
    }

    /// <summary>UpdateItem: its options and its changes (counted, with their updates).</summary>
    public static async Task<(UpdateItemOptions Options, List<XElement> Changes)> UpdateItemAsync(EwsRequest request)
    {
        var op = request.Operation;
        var conflict = Enum.Parse<ConflictMode>(Values.Enum(op, ItemReader.RequiredAttribute(op, "ConflictResolution"), SchemaValues.ConflictResolutionType.All, "ConflictResolutionType"));
        var disposition = OptionalEnum(op, "MessageDisposition", Values.MessageDispositions, "MessageDispositionType");
        var mode = OptionalEnum(op, "SendMeetingInvitationsOrCancellations", Values.CalendarUpdateModes, "CalendarItemUpdateOperationType");
        var changes = await request.ChangesAsync(EwsRequest.Required(op, "ItemChanges"), "Item");
        return (new UpdateItemOptions(conflict, mode, disposition, SavedFolder(op)) { Tasks = TaskFields.Instance }, changes);
    }

    /// <summary>One ItemChange: the item it names and its updates; the values are applied to the item they land on.</summary>
    public static ItemChange ItemChange(XElement change, ReadContext context)
    {
        var idElement = change.Elements().FirstOrDefault() ?? throw SoapRequest.Schema(change, "ItemChange needs an ItemId.");
        var reference = ItemReader.ReadItemRef(idElement);
        var updates = change.Element(Ews.T + "Updates") ?? throw SoapRequest.Schema(change, "ItemChange needs Updates.");
        // A StartTimeZone set in the same change is the zone a calendar item's unqualified Start is read in.
        var calendarContext = new Lazy<ReadContext>(() => context.For(updates.Elements(Ews.T + "SetItemField").SelectMany(u => u.Elements().Skip(1)).SelectMany(holder => holder.Elements())));
        var list = new List<FieldUpdate>();
        // A MimeContent set goes first: the other fields the same change sets win over its content.
        foreach (var update in updates.Elements().OrderBy(u => u.Elements().FirstOrDefault() is { } p && (string?)p.Attribute("FieldURI") == "item:MimeContent" ? 0 : 1))
        {
            var pathElement = update.Elements().FirstOrDefault() ?? throw SoapRequest.Schema(update, $"'{Values.Excerpt(update.Name.LocalName)}' needs a property path.");
            var path = ItemReader.ReadPath(pathElement);
            list.Add(update.Name.LocalName switch
            {
                "SetItemField" => new FieldUpdate(UpdateAction.Set, path, new XmlPropertyValue(update, path, context, calendarContext)),
                "AppendToItemField" => new FieldUpdate(UpdateAction.Append, path, new XmlPropertyValue(update, path, context, calendarContext)),
                "DeleteItemField" => new FieldUpdate(UpdateAction.Delete, path, null) { Removal = new TablePropertyRemoval(path) },
                _ => throw ItemReader.Unexpected(update),
            });
        }

        return new ItemChange(reference, list);
    }

    /// <summary>DeleteItem: its options and ids (counted).</summary>
    public static async Task<(DeleteItemOptions Options, List<XElement> Ids)> DeleteItemAsync(EwsRequest request)
    {
        var op = request.Operation;
        var deleteType = Values.Enum(op, ItemReader.RequiredAttribute(op, "DeleteType"), SchemaValues.DisposalType.All, "DisposalType");
        var cancellations = OptionalEnum(op, "SendMeetingCancellations", Values.CalendarCreateOrDeleteModes, "CalendarItemCreateOrDeleteOperationType");
        var affected = OptionalEnum(op, "AffectedTaskOccurrences", SchemaValues.AffectedTaskOccurrencesType.All, "AffectedTaskOccurrencesType");
        var ids = await request.IdsAsync(EwsRequest.Required(op, "ItemIds"));
        return (new DeleteItemOptions(Enum.Parse<DeleteMode>(deleteType), cancellations, affected) { Tasks = TaskFields.Instance }, ids);
    }

    /// <summary>MoveItem or CopyItem: the destination, the options and the ids (counted).</summary>
    public static async Task<(FolderRef Target, MoveItemOptions Options, List<XElement> Ids)> MoveOrCopyAsync(EwsRequest request, bool move)
    {
        var op = request.Operation;
        var target = ItemReader.ReadFolderRef(EwsRequest.Required(op, "ToFolderId").Elements().SingleOrDefault() ?? throw SoapRequest.Schema(op, "ToFolderId needs a folder."));
        var ids = await request.IdsAsync(EwsRequest.Required(op, "ItemIds"));
        var returnIds = op.Element(Ews.M + "ReturnNewItemIds") is not { } r || Values.Bool(r);
        return (target, new MoveItemOptions(move, returnIds), ids);
    }

    /// <summary>SendItem: the options and the ids (counted).</summary>
    public static async Task<(SendItemOptions Options, List<XElement> Ids)> SendItemAsync(EwsRequest request)
    {
        var op = request.Operation;
        var save = Values.Bool(op, ItemReader.RequiredAttribute(op, "SaveItemToFolder"));
        var savedFolder = SavedFolder(op);
        var ids = await request.IdsAsync(EwsRequest.Required(op, "ItemIds"));
        return (new SendItemOptions(save, savedFolder), ids);
    }

    /// <summary>FindItem: what to find in each parent, the shape, and the parents (counted).</summary>
    public static async Task<(FindItemRequest Find, ItemShape Shape, List<XElement> Parents)> FindItemAsync(EwsRequest request)
    {
        var op = request.Operation;
        var traversal = ItemReader.RequiredAttribute(op, "Traversal");
        if (traversal is not (SchemaValues.ItemQueryTraversalType.Shallow or SchemaValues.ItemQueryTraversalType.SoftDeleted or SchemaValues.ItemQueryTraversalType.Associated))
        {
            throw SoapRequest.Schema(op, $"The value '{Values.Excerpt(traversal)}' is not a valid ItemQueryTraversalType.");
        }

        var shape = request.ReadShape(EwsRequest.Required(op, "ItemShape"));
        var zone = request.Soap.TimeZoneContext;
        var restrictionElement = op.Element(Ews.M + "Restriction");
        if (restrictionElement is not null)
        {
            request.Limits.CheckRestriction(restrictionElement);
        }

        var restriction = restrictionElement is not null ? RestrictionReader.Parse(restrictionElement, zone) : null;
        var sort = SortOrderReader.Parse(op.Element(Ews.M + "SortOrder"));
        var paging = PagingReader.Read(op, "IndexedPageItemView", "FractionalPageItemView", request.Limits.MaxFindCount);
        CalendarWindow? window = null;
        if (op.Element(Ews.M + "CalendarView") is { } calendarView)
        {
            var start = WindowDate(calendarView, "StartDate", zone);
            var end = WindowDate(calendarView, "EndDate", zone);
            window = new CalendarWindow(start, end, PagingReader.MaxEntries(calendarView));
        }

        var parents = await request.IdsAsync(EwsRequest.Required(op, "ParentFolderIds"));
        return (new FindItemRequest(traversal, restriction, sort, paging, window), shape, parents);
    }

    /// <summary>A CalendarView bound: Exchange answers ErrorValueOutOfRange for 0001-01-01 or 9999-12-31; so do we for any
    /// date outside what an item may hold.</summary>
    private static DateTime WindowDate(XElement view, string attribute, string? zone)
    {
        var text = ItemReader.RequiredAttribute(view, attribute);
        var utc = Values.DateTime(view.Attribute(attribute)!, text, zone);
        return utc >= Values.EarliestStored && utc <= Values.LatestStored ? utc : throw Values.OutOfRange(view.Attribute(attribute)!, text);
    }

    /// <summary>
    /// A Set or Append value as sent: the property element inside the item element of the update. Whether it fits is
    /// known only on the item (its type), so it is checked and applied there, with the errors EWS gives.
    /// </summary>
    private sealed class XmlPropertyValue(XElement update, PropertyPath path, ReadContext plain, Lazy<ReadContext> calendar) : IPropertyValue
    {
        public void SetOn(Item item)
        {
            var value = ValueElement(item);
            if (path is ExtendedPath)
            {
                ItemReader.SetExtended(item, ItemReader.ReadExtendedProperty(value));
                return;
            }

            if (path is IndexedPath ix)
            {
                IndexedField.Resolve(ix).Set(item, ix.Index, value);
                return;
            }

            Def(item, ResponseCodes.ErrorInvalidPropertySet, d => d.Set is not null).Set!(value, item, Context(item));
            ItemTypes.Changed(item, plain);
        }

        public void AppendTo(Item item)
        {
            var value = ValueElement(item);
            Def(item, ResponseCodes.ErrorInvalidPropertyAppend, d => d.Append is not null).Append!(value, item, Context(item));
            ItemTypes.Changed(item, plain);
        }

        private ReadContext Context(Item item) => item.Kind == ItemKind.CalendarItem ? calendar.Value : plain;

        /// <summary>The single property element inside the item element of a Set or Append.</summary>
        private XElement ValueElement(Item item)
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
                IndexedPath ix => IndexedField.Resolve(ix) is var field && field.AppliesTo(item) && field.Container.Element == value.Name.LocalName,
                _ => false,
            };
            return matches ? value : throw new EwsException(ResponseCodes.ErrorInvalidPropertySet, $"The property path '{path.Describe()}' does not match the element '{value.Name.LocalName}'.");
        }

        private PropertyDef Def(Item item, string code, Func<PropertyDef, bool> allowed)
        {
            var def = path is FieldPath f ? ItemSchema.FindByUri(item.Kind, f.Uri) : null;
            return def is not null && allowed(def)
                ? def
                : throw new EwsException(code, $"The property '{path.Describe()}' cannot be changed this way on a {ItemSchema.ElementName(item.Kind)}.");
        }
    }

    // The children ResponseObjectType and its subtypes may carry that the server takes no value from.
    private static readonly HashSet<string> IgnoredResponseObjectFields =
    [
        "ItemClass", "Sensitivity", "Attachments", "InternetMessageHeaders", "Sender", "IsReadReceiptRequested", "IsDeliveryReceiptRequested", "ReceivedBy", "ReceivedRepresenting",
        "Importance", "Culture",
    ];

    public static ResponseObject ReadResponseObject(XElement element, ReadContext context)
    {
        ItemRef? reference = null;
        string? subject = null;
        Body? body = null;
        DateTime? proposedStart = null, proposedEnd = null;
        var newContent = false;
        var recipients = new Dictionary<string, List<EmailAddress>>(StringComparer.Ordinal) { ["ToRecipients"] = [], ["CcRecipients"] = [], ["BccRecipients"] = [] };
        foreach (var child in element.Elements())
        {
            if (child.Name.Namespace != Ews.T)
            {
                throw ItemReader.Unexpected(child);
            }

            switch (child.Name.LocalName)
            {
                case "ReferenceItemId":
                    reference = ItemReader.ReadItemRef(child);
                    break;
                case "Subject":
                    subject = child.Value;
                    break;
                case "Body":
                    body = ItemReader.ReadBody(child);
                    break;
                case "NewBodyContent": // SmartResponseType's addition above the quoted original (ews-javascript-api cancels with it)
                    body = ItemReader.ReadBody(child);
                    newContent = true;
                    break;
                case "ToRecipients" or "CcRecipients" or "BccRecipients":
                    recipients[child.Name.LocalName].AddRange(child.Elements(Ews.T + "Mailbox").Select(ItemReader.ReadMailbox));
                    break;
                case "ProposedStart":
                    proposedStart = Values.StoredDateTime(child, context.TimeZone);
                    break;
                case "ProposedEnd":
                    proposedEnd = Values.StoredDateTime(child, context.TimeZone);
                    break;
                case var name when IgnoredResponseObjectFields.Contains(name):
                    break;
                default:
                    throw ItemReader.Unexpected(child);
            }
        }

        return new ResponseObject(element.Name.LocalName, reference, subject, body, proposedStart, proposedEnd)
        {
            BodyIsNewContent = newContent,
            ToRecipients = recipients["ToRecipients"],
            CcRecipients = recipients["CcRecipients"],
            BccRecipients = recipients["BccRecipients"],
        };
    }

    /// <summary>A DeleteItemField through the property table: extended properties (and their MAPI aliases), or the item type's deletable properties.</summary>
    private sealed class TablePropertyRemoval(PropertyPath path) : IPropertyRemoval
    {
        public void DeleteFrom(Item item)
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

            if (path is IndexedPath ix && IndexedField.Resolve(ix) is var field && field.AppliesTo(item))
            {
                field.Delete(item, ix.Index);
                return;
            }

            var def = path is FieldPath g ? ItemSchema.FindByUri(item.Kind, g.Uri) : null;
            if (def is null || def.Delete is null || def == ItemSchema.Start || def == ItemSchema.End)
            {
                throw new DomainException(ErrorCode.PropertyNotDeletable, $"The property '{path.Describe()}' cannot be changed this way on a {ItemSchema.ElementName(item.Kind)}.");
            }

            def.Delete(item);
            ItemTypes.Changed(item, new ReadContext(null));
        }
    }
}
